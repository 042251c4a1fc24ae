-- The hook through which changes tell partners that something needs them (ACCESS.md R13:
-- an opaque reference and a topic, no content). Recorded in the transaction of the change
-- that causes it; the dispatcher and its channels come with the Notify issue.
CREATE TABLE notify_events (
    id uuid PRIMARY KEY,
    topic text NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    household_id uuid REFERENCES households (id),
    reference text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE notify_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_events FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON notify_events TO hub_owner USING (true) WITH CHECK (true);
-- The runtime records events of its acting organisation and reads nothing back yet.
CREATE POLICY actor_records ON notify_events FOR INSERT TO hub_app WITH CHECK (organisation_id = app_org_id());
GRANT INSERT ON notify_events TO hub_app;
