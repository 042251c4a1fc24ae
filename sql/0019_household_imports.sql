-- A caseload brought into the hub (issue 19): each imported household keeps the importer's
-- external reference, unique per lead organisation, and the SHA-256 of the line it came from.
-- A second import of the same line finds it unchanged; a line whose reference exists with
-- another content is refused, never merged.

CREATE TABLE household_imports (
    lead_organisation_id uuid NOT NULL REFERENCES organisations (id),
    reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
    household_id uuid NOT NULL UNIQUE REFERENCES households (id),
    content_sha256 bytea NOT NULL CHECK (length(content_sha256) = 32),
    imported_by uuid NOT NULL REFERENCES users (id),
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_organisation_id, reference)
);

ALTER TABLE household_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE household_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON household_imports TO hub_owner USING (true) WITH CHECK (true);
-- The lead organisation's own references, and only a household it leads.
CREATE POLICY lead_reads ON household_imports FOR SELECT TO hub_app
    USING (lead_organisation_id = (SELECT app_org_id()));
CREATE POLICY lead_imports ON household_imports FOR INSERT TO hub_app
    WITH CHECK (lead_organisation_id = (SELECT app_org_id()) AND imported_by = (SELECT app_user_id())
                AND EXISTS (SELECT 1 FROM households h
                            WHERE h.id = household_id AND h.lead_organisation_id = (SELECT app_org_id())));
GRANT SELECT, INSERT ON household_imports TO hub_app;
