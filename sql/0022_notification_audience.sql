-- Notifications that tell the truth to each reader, and link to the console's pages (issue 21,
-- item 7). A référente was told "un ménage que vous avez orienté a été accepté" about
-- households she did not orient: one sentence served every recipient. Each inbox message and
-- each e-mail now records why its recipient is told (the audience: 'referent',
-- 'leadOrganisation', 'orientingOrganisation', or named by the event: 'namedOrganisation',
-- 'namedUser'), and Notify's Topic words the message for it. Each event also records the
-- console's page of what it is about, beside its API path: people follow the page (inbox page,
-- e-mail), systems the API path (webhook, the inbox's `link`).

ALTER TABLE notify_events ADD COLUMN page_path text NOT NULL DEFAULT '';

-- The pages of events recorded before: a household's dossier (its sharing tab for a consent
-- ending; the organisation that lost its consent, its own list), a comité's agenda page (its
-- minutes once diffused).
UPDATE notify_events SET page_path = CASE
    WHEN topic = 'consentWithdrawn' THEN '/menages'
    WHEN link_path ~ '^/v1/households/[0-9a-f-]{36}/consents$'
        THEN '/menages/' || substring(link_path FROM '^/v1/households/([0-9a-f-]{36})') || '/partage'
    WHEN link_path ~ '^/v1/households/[0-9a-f-]{36}'
        THEN '/menages/' || substring(link_path FROM '^/v1/households/([0-9a-f-]{36})')
    WHEN link_path ~ '^/v1/comites/[0-9a-f-]{36}' AND topic = 'minutesDiffused'
        THEN '/comites/' || substring(link_path FROM '^/v1/comites/([0-9a-f-]{36})') || '/compte-rendu'
    WHEN link_path ~ '^/v1/comites/[0-9a-f-]{36}'
        THEN '/comites/' || substring(link_path FROM '^/v1/comites/([0-9a-f-]{36})')
    ELSE '' END;

ALTER TABLE inbox_messages ADD COLUMN audience text
    CHECK (audience IN ('referent', 'leadOrganisation', 'orientingOrganisation', 'namedOrganisation', 'namedUser'));
ALTER TABLE notify_deliveries ADD COLUMN audience text
    CHECK (audience IN ('referent', 'leadOrganisation', 'orientingOrganisation', 'namedOrganisation', 'namedUser'));

-- Why a membership is told of an event, by the fan-out's own conditions, most particular
-- first: the référent, a user the event names, then the organisation as orienting, lead, or
-- named. NULL when it is not told at all.
CREATE FUNCTION notify_audience_of(e notify_events, p_user uuid, p_org uuid, p_roles text[]) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    SELECT CASE
        WHEN 'referent' = ANY (e.audience) AND EXISTS (
                 SELECT 1 FROM households x WHERE x.id = e.household_id
                   AND x.referent_user_id = p_user AND x.lead_organisation_id = p_org) THEN 'referent'
        WHEN p_user = ANY (e.user_ids) THEN 'namedUser'
        WHEN NOT 'serviceHead' = ANY (p_roles) THEN NULL
        WHEN 'orientingOrganisation' = ANY (e.audience) AND EXISTS (
                 SELECT 1 FROM households x WHERE x.id = e.household_id AND x.oriented_by = p_org)
            THEN 'orientingOrganisation'
        WHEN 'leadOrganisation' = ANY (e.audience) AND EXISTS (
                 SELECT 1 FROM households x WHERE x.id = e.household_id AND x.lead_organisation_id = p_org)
            THEN 'leadOrganisation'
        WHEN p_org = ANY (e.organisation_ids) THEN 'namedOrganisation'
    END
$$;

-- The messages fanned out before this migration: their reason, as the fan-out would give it
-- today (the household's référent and lead may have changed since: the best that is known).
UPDATE inbox_messages i
SET audience = notify_audience_of(e, i.user_id, i.organisation_id, m.roles)
FROM notify_events e, memberships m
WHERE e.id = i.event_id AND m.user_id = i.user_id AND m.organisation_id = i.organisation_id;

-- As in sql/0004, each membership told now with its reason: the people are the memberships
-- whose reason is not NULL.
CREATE OR REPLACE FUNCTION notify_fan_out(p_limit integer, p_email boolean, p_mandatory text[]) RETURNS integer
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
            SELECT p.user_id, p.organisation_id, p.audience
            FROM (SELECT DISTINCT m.user_id, m.organisation_id,
                         notify_audience_of(e, m.user_id, m.organisation_id, m.roles) AS audience
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
                                   AND x.referent_user_id = m.user_id
                                   AND x.lead_organisation_id = m.organisation_id)))) AS p),
        inbox AS (
            INSERT INTO inbox_messages (id, event_id, user_id, organisation_id, audience)
            SELECT gen_random_uuid(), e.id, p.user_id, p.organisation_id, p.audience FROM people p)
        -- One e-mail per person, whatever the number of their organisations told.
        INSERT INTO notify_deliveries (id, event_id, channel, topic, user_id, organisation_id, audience)
        SELECT DISTINCT ON (p.user_id) gen_random_uuid(), e.id, 'email', e.topic, p.user_id, p.organisation_id,
               p.audience
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

-- As in sql/0011, and the event's page and the e-mail's reason.
DROP FUNCTION notify_claim(integer, interval);
CREATE FUNCTION notify_claim(p_limit integer, p_lease interval)
RETURNS TABLE (delivery_id uuid, attempt integer, channel text, event_id uuid, topic text, reference text,
               link_path text, occurred_at timestamptz, url text, secret bytea, previous_secret bytea, email text,
               payload text, page_path text, audience text)
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
        RETURNING d.id, d.attempts, d.channel, d.event_id, d.subscription_id, d.user_id, d.status, d.recipient_email,
                  d.audience)
    SELECT c.id, c.attempts, c.channel, e.id, e.topic, e.reference, e.link_path, e.created_at, s.url, s.secret,
           CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END,
           coalesce(u.email, c.recipient_email), e.payload::text, e.page_path, c.audience
    FROM claimed c
    JOIN notify_events e ON e.id = c.event_id
    LEFT JOIN webhook_subscriptions s ON s.id = c.subscription_id
    LEFT JOIN users u ON u.id = c.user_id
    WHERE c.status = 'sending';
END
$$;

-- The events the hub raises itself, with their pages.
CREATE OR REPLACE FUNCTION notify_raise_consents_expiring() RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    WITH raised AS (
        INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, audience, link_path, page_path,
                                   dedup_key)
        SELECT gen_random_uuid(), 'consentExpiring', x.lead_organisation_id, x.id, x.reference,
               ARRAY['referent', 'leadOrganisation'], '/v1/households/' || x.id || '/consents',
               '/menages/' || x.id || '/partage', 'consentExpiring:' || k.id
        FROM consents k JOIN households x ON x.id = k.household_id
        WHERE k.withdrawn_at IS NULL AND k.expires_at > now() AND k.expires_at <= now() + interval '30 days'
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM raised
$$;

CREATE OR REPLACE FUNCTION notify_raise_actions_due() RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    WITH raised AS (
        INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, audience, link_path,
                                   page_path, organisation_ids, user_ids, dedup_key)
        SELECT gen_random_uuid(), 'actionDue', a.author_organisation_id, a.household_id, x.reference, '{}',
               '/v1/comites/' || a.comite_id || '/actions', '/comites/' || a.comite_id,
               ARRAY[a.owner_organisation_id],
               CASE WHEN a.owner_user_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[a.owner_user_id] END,
               'actionDue:' || a.id
        FROM comite_actions a JOIN households x ON x.id = a.household_id
        WHERE a.status = 'open' AND a.due_on <= current_date
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM raised
$$;

GRANT SELECT (audience) ON inbox_messages TO hub_app;
GRANT SELECT (page_path) ON notify_events TO hub_app;
GRANT SELECT (audience) ON notify_deliveries TO hub_app;

REVOKE ALL ON FUNCTION notify_audience_of(notify_events, uuid, uuid, text[]), notify_claim(integer, interval)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION notify_claim(integer, interval) TO hub_app;
