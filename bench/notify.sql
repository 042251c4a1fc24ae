-- The notify section's subscriber, set up before the hub starts: an organisation of its
-- own with no members (so the fan-out finds nobody to tell but its webhook: no inbox
-- message, no e-mail), the user the subscription names as created_by, and one webhook
-- subscription to agendaPublished pointing at the sink (bench/notify.py). Fixed ids, so
-- reruns update them in place: the sink's port and secret change with each run.
-- What earlier runs left behind (their events and deliveries) is deleted first: a run
-- starts from an empty queue, and the hub sends nothing that this run did not insert.
-- Run as the owner (the operator policies let it write these tables):
--   psql -v sink_url=http://127.0.0.1:PORT/hook -v secret=HEX64 -f bench/notify.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO organisations (id, name, kind)
VALUES (md5('bench-notify-organisation')::uuid, 'Bench notify', 'supportOperator')
ON CONFLICT (id) DO NOTHING;
INSERT INTO users (id, email, display_name, password_hash)
VALUES (md5('bench-notify-user')::uuid, 'bench-notify@bench.invalid', 'Bench notify', '!')
ON CONFLICT (id) DO NOTHING;

DELETE FROM notify_deliveries WHERE organisation_id = md5('bench-notify-organisation')::uuid;
DELETE FROM inbox_messages WHERE event_id IN (
    SELECT id FROM notify_events WHERE organisation_id = md5('bench-notify-organisation')::uuid);
DELETE FROM notify_events WHERE organisation_id = md5('bench-notify-organisation')::uuid;

INSERT INTO webhook_subscriptions (id, organisation_id, url, topics, secret, created_by)
VALUES (md5('bench-notify-webhook')::uuid, md5('bench-notify-organisation')::uuid, :'sink_url',
        ARRAY['agendaPublished'], decode(:'secret', 'hex'), md5('bench-notify-user')::uuid)
ON CONFLICT (id) DO UPDATE
SET url = excluded.url, topics = excluded.topics, secret = excluded.secret, previous_secret = NULL,
    previous_secret_until = NULL, disabled_at = NULL;
COMMIT;

-- Nothing else may reach the queue during the run: no other subscription of this
-- organisation, no member to tell.
SELECT count(*) > 0 AS others FROM webhook_subscriptions
WHERE organisation_id = md5('bench-notify-organisation')::uuid AND id <> md5('bench-notify-webhook')::uuid \gset
SELECT count(*) > 0 AS members FROM memberships WHERE organisation_id = md5('bench-notify-organisation')::uuid \gset
\if :others
\warn 'bench/notify.sql: the bench organisation has other webhook subscriptions'
SELECT 1/0;
\endif
\if :members
\warn 'bench/notify.sql: the bench organisation has members'
SELECT 1/0;
\endif

-- Every run deletes what the last one inserted: start from tables without those dead rows.
VACUUM (ANALYZE) notify_events, notify_deliveries;
