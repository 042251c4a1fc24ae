-- Signed checkpoints of the access log (issue 14, ACCESS.md R11). The hub reads every chain's
-- head, signs a tree head over them with a key the database never holds, writes the heads
-- to a file outside the database and sends the signed tree head (never a chain's name) to
-- the organisations whose webhooks subscribed to `auditCheckpoint`. `hub audit verify
-- --checkpoints DIR` then names any record a checkpoint covers that was cut, dropped or
-- rewritten, by the owner with the triggers switched off or by a superuser.

-- Every chain's head, for the runtime role that writes checkpoints (it has no grant on the
-- log itself).
CREATE FUNCTION audit_heads() RETURNS TABLE (chain text, seq bigint, hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT c.chain, c.seq, c.hash FROM audit_chains c WHERE c.seq > 0 $$;

-- A checkpoint's event is the hub's, not an organisation's, and carries the signed tree head.
ALTER TABLE notify_events ALTER COLUMN organisation_id DROP NOT NULL;
ALTER TABLE notify_events ADD COLUMN payload jsonb;

-- Publishes a signed tree head to the webhooks subscribed to it, and to nothing else: no
-- inbox message, no e-mail (an hourly message to every service head would be noise). The
-- deliveries are written here, so the event is born fanned out.
CREATE FUNCTION audit_publish_checkpoint(p_tree_head jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    event uuid := gen_random_uuid();
    n integer;
BEGIN
    INSERT INTO notify_events (id, topic, organisation_id, reference, link_path, payload, fanned_out_at)
    VALUES (event, 'auditCheckpoint', NULL, 'journal-d-acces', '', p_tree_head, now());
    INSERT INTO notify_deliveries (id, event_id, channel, topic, subscription_id, organisation_id)
    SELECT gen_random_uuid(), event, 'webhook', 'auditCheckpoint', s.id, s.organisation_id
    FROM webhook_subscriptions s
    WHERE s.disabled_at IS NULL AND 'auditCheckpoint' = ANY (s.topics);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- An e-mail for a person who has no account yet: an invitation's (issue 15, sql/0012).
ALTER TABLE notify_deliveries ADD COLUMN recipient_email text;
ALTER TABLE notify_deliveries DROP CONSTRAINT notify_deliveries_check1;
ALTER TABLE notify_deliveries ADD CONSTRAINT notify_deliveries_email_recipient
    CHECK ((channel = 'email') = (user_id IS NOT NULL OR recipient_email IS NOT NULL));

-- The claim now hands the dispatcher the event's payload too (the tree head of a checkpoint),
-- and the address of a delivery to a person without an account.
DROP FUNCTION notify_claim(integer, interval);
CREATE FUNCTION notify_claim(p_limit integer, p_lease interval)
RETURNS TABLE (delivery_id uuid, attempt integer, channel text, event_id uuid, topic text, reference text,
               link_path text, occurred_at timestamptz, url text, secret bytea, previous_secret bytea, email text,
               payload text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
#variable_conflict use_column
DECLARE
    ids uuid[];
BEGIN
    ids := ARRAY(SELECT d.id FROM notify_deliveries d
                 WHERE d.status = 'sending' AND d.lease_until < now()
                 LIMIT p_limit FOR UPDATE SKIP LOCKED);
    ids := ids || ARRAY(SELECT d.id FROM notify_deliveries d
                        WHERE d.status = 'pending' AND d.due_at <= now()
                        ORDER BY d.due_at LIMIT p_limit - cardinality(ids) FOR UPDATE SKIP LOCKED);
    RETURN QUERY
    WITH judged AS (
        SELECT d.id,
               notify_may_tell(e, d.organisation_id)
               AND (d.channel <> 'webhook' OR EXISTS (SELECT 1 FROM webhook_subscriptions s
                                                      WHERE s.id = d.subscription_id AND s.disabled_at IS NULL))
               AND (d.channel <> 'email' OR d.recipient_email IS NOT NULL
                    OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = d.user_id
                               AND m.organisation_id = d.organisation_id AND m.disabled_at IS NULL))
               AS allowed
        FROM notify_deliveries d JOIN notify_events e ON e.id = d.event_id
        WHERE d.id = ANY (ids)),
    claimed AS (
        UPDATE notify_deliveries d
        SET status = CASE WHEN j.allowed THEN 'sending' ELSE 'cancelled' END,
            attempts = d.attempts + CASE WHEN j.allowed THEN 1 ELSE 0 END,
            lease_until = now() + p_lease
        FROM judged j WHERE d.id = ANY (ids) AND d.id = j.id
        RETURNING d.id, d.attempts, d.channel, d.event_id, d.subscription_id, d.user_id, d.status, d.recipient_email)
    SELECT c.id, c.attempts, c.channel, e.id, e.topic, e.reference, e.link_path, e.created_at, s.url, s.secret,
           CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END,
           coalesce(u.email, c.recipient_email), e.payload::text
    FROM claimed c
    JOIN notify_events e ON e.id = c.event_id
    LEFT JOIN webhook_subscriptions s ON s.id = c.subscription_id
    LEFT JOIN users u ON u.id = c.user_id
    WHERE c.status = 'sending';
END
$$;

-- Records the outcome of one attempt. Only the attempt that holds the claim settles it: a
-- dispatcher whose lease expired (and was reclaimed) does not overwrite the newer attempt.
-- p_retry_in NULL after a failure = that was the last attempt: dead letter.

REVOKE ALL ON FUNCTION audit_heads(), audit_publish_checkpoint(jsonb), notify_claim(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_heads(), audit_publish_checkpoint(jsonb), notify_claim(integer, interval) TO hub_app;
