-- Notify: the outbox's events are fanned out to recipients (inbox messages, webhook and
-- e-mail deliveries) by the dispatcher, which claims due deliveries with SKIP LOCKED, sends
-- them and settles each one (delivered, retried later, or dead). Everything it carries is
-- an opaque reference, a topic and a link (ACCESS.md R13).

-- Who an event is for, written at record time: the topic's audience ('referent',
-- 'leadOrganisation', 'orientingOrganisation', see Notify's Topic) plus the organisations and users the event names
-- (the opérateur of an orientation, the organisation losing a consent, a comité's invitees).
ALTER TABLE notify_events
    ADD COLUMN actor_user_id uuid REFERENCES users (id),
    ADD COLUMN audience text[] NOT NULL DEFAULT '{}',
    ADD COLUMN organisation_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN user_ids uuid[] NOT NULL DEFAULT '{}',
    -- The API path the message links to; the reader signs in to follow it.
    ADD COLUMN link_path text NOT NULL DEFAULT '',
    -- Events the hub raises itself (consent expiring) are raised once per key.
    ADD COLUMN dedup_key text UNIQUE,
    ADD COLUMN fanned_out_at timestamptz;
CREATE INDEX notify_events_unfanned ON notify_events (created_at) WHERE fanned_out_at IS NULL;

-- NOTIFY is transactional: the dispatcher is woken when the change commits, not before.
CREATE FUNCTION notify_wake() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM pg_notify('hub_notify', ''); RETURN NULL; END $$;
CREATE TRIGGER notify_events_wake AFTER INSERT ON notify_events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_wake();

-- An organisation's webhook endpoints, managed by its orgAdmin. The secret signs each
-- delivery; after a rotation the previous one still signs until previous_secret_until.
CREATE TABLE webhook_subscriptions (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    url text NOT NULL CHECK (length(url) <= 2000),
    topics text[] NOT NULL CHECK (cardinality(topics) > 0),
    secret bytea NOT NULL CHECK (length(secret) = 32),
    previous_secret bytea CHECK (length(previous_secret) = 32),
    previous_secret_until timestamptz,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
CREATE INDEX webhook_subscriptions_organisation ON webhook_subscriptions (organisation_id) WHERE disabled_at IS NULL;

-- One message per recipient and acting organisation (a user acts for one at a time).
CREATE TABLE inbox_messages (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES notify_events (id),
    user_id uuid NOT NULL REFERENCES users (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    UNIQUE (event_id, user_id, organisation_id)
);
CREATE INDEX inbox_messages_reader ON inbox_messages (user_id, organisation_id, (read_at IS NOT NULL), created_at DESC, id DESC);

CREATE TABLE notify_deliveries (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES notify_events (id),
    channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
    -- Copied from the event so that an admin sees what failed without reading the event
    -- (its reference names a household the admin may not see).
    topic text NOT NULL,
    subscription_id uuid REFERENCES webhook_subscriptions (id),
    user_id uuid REFERENCES users (id),
    -- Whose admin sees this delivery: the subscription's organisation, or the recipient's.
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    -- sending = claimed by a dispatcher until lease_until; an expired lease is claimed again
    -- (the dispatcher died mid-send: the receiver deduplicates by event id).
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'delivered', 'dead', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    due_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    -- What failed, never content: 'http 500', 'timeout', 'connectionFailed', 'destination
    -- forbiddenAddress', 'smtp rcpt 550'…
    last_error text CHECK (length(last_error) <= 200),
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((channel = 'webhook') = (subscription_id IS NOT NULL)),
    CHECK ((channel = 'email') = (user_id IS NOT NULL))
);
CREATE UNIQUE INDEX notify_deliveries_webhook ON notify_deliveries (event_id, subscription_id) WHERE channel = 'webhook';
CREATE UNIQUE INDEX notify_deliveries_email ON notify_deliveries (event_id, user_id) WHERE channel = 'email';
-- Two small partial indexes rather than one over both states: the pending queue can be
-- long, and a plan that scans it to settle one claim by id costs a scan per delivery.
CREATE INDEX notify_deliveries_pending ON notify_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX notify_deliveries_leased ON notify_deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX notify_deliveries_admin ON notify_deliveries (organisation_id, status, created_at DESC, id DESC);

-- Per-user e-mail opt-outs; mandatory topics ignore them (the dispatcher passes the list).
CREATE TABLE notify_email_opt_outs (
    user_id uuid NOT NULL REFERENCES users (id),
    topic text NOT NULL,
    PRIMARY KEY (user_id, topic)
);

-- R1 for an organisation other than the acting one: lead, or care team with an active consent.
CREATE FUNCTION notify_org_sees(p_org uuid, h uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT EXISTS (
       SELECT 1 FROM households x
       WHERE x.id = h
         AND (x.lead_organisation_id = p_org
              OR (EXISTS (SELECT 1 FROM care_team c WHERE c.household_id = x.id
                          AND c.organisation_id = p_org AND c.removed_at IS NULL)
                  AND EXISTS (SELECT 1 FROM consents k WHERE k.household_id = x.id
                              AND k.recipient_organisation_id = p_org
                              AND k.withdrawn_at IS NULL AND k.expires_at > now())))) $$;

-- May this organisation be told about this event? Everyone for events about no household;
-- the organisation losing access for a withdrawal (it learns only that its access ended);
-- otherwise only an organisation through the door.
CREATE FUNCTION notify_may_tell(e notify_events, p_org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT e.household_id IS NULL
       OR (e.topic = 'consentWithdrawn' AND p_org = ANY (e.organisation_ids))
       OR notify_org_sees(p_org, e.household_id) $$;

-- Expands up to p_limit events into inbox messages and deliveries, each event once even
-- with several dispatchers (SKIP LOCKED). Users reached: the référent, the service heads of
-- the organisations addressed, explicit users; each only through a membership that is
-- active, may be told (above) and, for a household, works on households (R1). The acting
-- user is not told of their own act.
CREATE FUNCTION notify_fan_out(p_limit integer, p_email boolean, p_mandatory text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    e notify_events;
    orgs uuid[];
    n integer := 0;
BEGIN
    FOR e IN SELECT * FROM notify_events WHERE fanned_out_at IS NULL
             ORDER BY created_at LIMIT p_limit FOR UPDATE SKIP LOCKED LOOP
        orgs := ARRAY(
            SELECT DISTINCT o FROM (
                SELECT x.lead_organisation_id FROM households x
                WHERE x.id = e.household_id AND 'leadOrganisation' = ANY (e.audience)
                UNION ALL
                SELECT x.oriented_by FROM households x
                WHERE x.id = e.household_id AND 'orientingOrganisation' = ANY (e.audience)
                UNION ALL
                SELECT unnest(e.organisation_ids)) AS addressed (o)
            WHERE o IS NOT NULL AND notify_may_tell(e, o));

        WITH people AS (
            SELECT DISTINCT m.user_id, m.organisation_id
            FROM memberships m
            WHERE m.disabled_at IS NULL
              AND m.user_id IS DISTINCT FROM e.actor_user_id
              AND (e.household_id IS NULL
                   OR m.roles && ARRAY['socialWorker', 'serviceHead', 'housingOfficer', 'facilitator'])
              AND notify_may_tell(e, m.organisation_id)
              AND (('serviceHead' = ANY (m.roles) AND m.organisation_id = ANY (orgs))
                   OR m.user_id = ANY (e.user_ids)
                   OR ('referent' = ANY (e.audience) AND EXISTS (
                           SELECT 1 FROM households x WHERE x.id = e.household_id
                             AND x.referent_user_id = m.user_id AND x.lead_organisation_id = m.organisation_id)))),
        inbox AS (
            INSERT INTO inbox_messages (id, event_id, user_id, organisation_id)
            SELECT gen_random_uuid(), e.id, p.user_id, p.organisation_id FROM people p)
        -- One e-mail per person, whatever the number of their organisations told.
        INSERT INTO notify_deliveries (id, event_id, channel, topic, user_id, organisation_id)
        SELECT DISTINCT ON (p.user_id) gen_random_uuid(), e.id, 'email', e.topic, p.user_id, p.organisation_id
        FROM people p
        WHERE p_email
          AND (e.topic = ANY (p_mandatory)
               OR NOT EXISTS (SELECT 1 FROM notify_email_opt_outs o WHERE o.user_id = p.user_id AND o.topic = e.topic))
        ORDER BY p.user_id, p.organisation_id;

        INSERT INTO notify_deliveries (id, event_id, channel, topic, subscription_id, organisation_id)
        SELECT gen_random_uuid(), e.id, 'webhook', e.topic, s.id, s.organisation_id
        FROM webhook_subscriptions s
        WHERE s.organisation_id = ANY (orgs) AND s.disabled_at IS NULL AND e.topic = ANY (s.topics);

        UPDATE notify_events SET fanned_out_at = now() WHERE id = e.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- Claims up to p_limit due deliveries for p_lease: first the claims whose lease ran out (a
-- dispatcher died mid-send), then pending ones, oldest due first. A delivery whose recipient
-- may no longer be told (consent withdrawn, membership or subscription disabled since) is
-- cancelled instead of sent. The ids are collected first and the rest is joined by primary
-- key: with statistics taken on a busy queue, a join from a CTE turned into a hash join
-- over the whole table, history included.
CREATE FUNCTION notify_claim(p_limit integer, p_lease interval)
RETURNS TABLE (delivery_id uuid, attempt integer, channel text, event_id uuid, topic text, reference text,
               link_path text, occurred_at timestamptz, url text, secret bytea, previous_secret bytea, email text)
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
               AND (d.channel <> 'email' OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = d.user_id
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
        RETURNING d.id, d.attempts, d.channel, d.event_id, d.subscription_id, d.user_id, d.status)
    SELECT c.id, c.attempts, c.channel, e.id, e.topic, e.reference, e.link_path, e.created_at, s.url, s.secret,
           CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END, u.email
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
CREATE FUNCTION notify_settle(p_id uuid, p_attempt integer, p_delivered boolean, p_error text, p_retry_in interval)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    UPDATE notify_deliveries
    SET status = CASE WHEN p_delivered THEN 'delivered' WHEN p_retry_in IS NULL THEN 'dead' ELSE 'pending' END,
        delivered_at = CASE WHEN p_delivered THEN now() END,
        due_at = CASE WHEN p_delivered OR p_retry_in IS NULL THEN due_at ELSE now() + p_retry_in END,
        last_error = CASE WHEN p_delivered THEN NULL ELSE left(p_error, 200) END,
        lease_until = NULL
    WHERE id = p_id AND status = 'sending' AND attempts = p_attempt
$$;

-- Rotation reads the current secret, which the runtime role may not select: the admin's
-- check is made here, as the admin_manages policy would.
CREATE FUNCTION webhook_rotate_secret(p_id uuid, p_secret bytea, p_overlap interval) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    WITH rotated AS (
        UPDATE webhook_subscriptions
        SET previous_secret = secret, secret = p_secret, previous_secret_until = now() + p_overlap
        WHERE id = p_id AND organisation_id = app_org_id() AND app_has_role('orgAdmin') AND disabled_at IS NULL
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM rotated)
$$;

-- Raises 'consentExpiring' once per consent that ends within 30 days, to the lead
-- organisation (its service heads and the référent) who renews it.
CREATE FUNCTION notify_raise_consents_expiring() RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    WITH raised AS (
        INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, audience, link_path, dedup_key)
        SELECT gen_random_uuid(), 'consentExpiring', x.lead_organisation_id, x.id, x.reference,
               ARRAY['referent', 'leadOrganisation'], '/v1/households/' || x.id || '/consents',
               'consentExpiring:' || k.id
        FROM consents k JOIN households x ON x.id = k.household_id
        WHERE k.withdrawn_at IS NULL AND k.expires_at > now() AND k.expires_at <= now() + interval '30 days'
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM raised
$$;

ALTER TABLE webhook_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_subscriptions FORCE ROW LEVEL SECURITY;
ALTER TABLE inbox_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbox_messages FORCE ROW LEVEL SECURITY;
ALTER TABLE notify_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_deliveries FORCE ROW LEVEL SECURITY;
ALTER TABLE notify_email_opt_outs ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_email_opt_outs FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON webhook_subscriptions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON inbox_messages TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON notify_deliveries TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON notify_email_opt_outs TO hub_owner USING (true) WITH CHECK (true);

-- An organisation's admin manages its subscriptions and sees its deliveries; nobody else.
CREATE POLICY admin_manages ON webhook_subscriptions TO hub_app
    USING (organisation_id = (SELECT app_org_id()) AND (SELECT app_has_role('orgAdmin')))
    WITH CHECK (organisation_id = (SELECT app_org_id()) AND (SELECT app_has_role('orgAdmin')));
CREATE POLICY admin_reads ON notify_deliveries FOR SELECT TO hub_app
    USING (organisation_id = (SELECT app_org_id()) AND (SELECT app_has_role('orgAdmin')));
-- Replay: a dead letter goes back to pending, nothing else.
CREATE POLICY admin_replays ON notify_deliveries FOR UPDATE TO hub_app
    USING (organisation_id = (SELECT app_org_id()) AND (SELECT app_has_role('orgAdmin')) AND status = 'dead')
    WITH CHECK (organisation_id = (SELECT app_org_id()) AND status = 'pending');
-- A reader's inbox is theirs for the organisation they act for.
CREATE POLICY reader_reads ON inbox_messages FOR SELECT TO hub_app
    USING (user_id = (SELECT app_user_id()) AND organisation_id = (SELECT app_org_id()));
CREATE POLICY reader_marks ON inbox_messages FOR UPDATE TO hub_app
    USING (user_id = (SELECT app_user_id()) AND organisation_id = (SELECT app_org_id()))
    WITH CHECK (user_id = (SELECT app_user_id()) AND organisation_id = (SELECT app_org_id()));
CREATE POLICY own_choices ON notify_email_opt_outs TO hub_app
    USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
-- The inbox shows an event's topic, reference and link, nothing more of it.
CREATE POLICY inbox_reads ON notify_events FOR SELECT TO hub_app
    USING (EXISTS (SELECT 1 FROM inbox_messages i WHERE i.event_id = notify_events.id
                   AND i.user_id = (SELECT app_user_id()) AND i.organisation_id = (SELECT app_org_id())));

GRANT SELECT (id, organisation_id, url, topics, previous_secret_until, created_by, created_at, disabled_at),
      INSERT, UPDATE (disabled_at) ON webhook_subscriptions TO hub_app;
GRANT SELECT (id, event_id, user_id, organisation_id, created_at, read_at), UPDATE (read_at) ON inbox_messages TO hub_app;
GRANT SELECT (id, topic, reference, link_path, created_at, household_id) ON notify_events TO hub_app;
GRANT SELECT (id, event_id, channel, topic, subscription_id, user_id, organisation_id, status, attempts, due_at,
              last_error, delivered_at, created_at),
      UPDATE (status, attempts, due_at) ON notify_deliveries TO hub_app;
GRANT SELECT, INSERT, DELETE ON notify_email_opt_outs TO hub_app;

REVOKE ALL ON FUNCTION notify_org_sees(uuid, uuid), notify_may_tell(notify_events, uuid),
    notify_fan_out(integer, boolean, text[]), notify_claim(integer, interval),
    notify_settle(uuid, integer, boolean, text, interval), notify_raise_consents_expiring(),
    webhook_rotate_secret(uuid, bytea, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION notify_fan_out(integer, boolean, text[]), notify_claim(integer, interval),
    notify_settle(uuid, integer, boolean, text, interval), notify_raise_consents_expiring(),
    webhook_rotate_secret(uuid, bytea, interval) TO hub_app;
