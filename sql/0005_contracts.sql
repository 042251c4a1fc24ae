-- The contrat d'accompagnement (issue 5): signed with the household by the lead
-- organisation (the opérateur), before the lease. A change of terms (an extension, a
-- MASP2's renewal) is a new contract; the one in force is the latest.
CREATE TABLE contracts (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind IN ('avdl', 'asll', 'masp2', 'fsl', 'other')),
    -- The plan's priority axes: sections of the diagnostic grid.
    objectives text[] NOT NULL CHECK (cardinality(objectives) > 0 AND objectives <@ ARRAY['PL', 'SL', 'SH', 'SA', 'BA']),
    starts_on date NOT NULL,
    planned_end_on date NOT NULL CHECK (planned_end_on > starts_on),
    signed_on date NOT NULL,
    signed_by_household boolean NOT NULL CHECK (signed_by_household),
    signed_by_operator boolean NOT NULL CHECK (signed_by_operator),
    signed_by_departement boolean NOT NULL CHECK (kind <> 'masp2' OR signed_by_departement),
    -- The stage of the path is for partners to know (ACCESS.md §2).
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contracts_household ON contracts (household_id, created_at DESC);

ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contracts FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON contracts TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY reader_reads ON contracts FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
-- R6, and the contract is the référent's: the lead organisation's social workers and
-- service heads sign it, in their own name.
CREATE POLICY lead_signs ON contracts FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_is_lead(household_id)
                AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))));
GRANT SELECT, INSERT ON contracts TO hub_app;
