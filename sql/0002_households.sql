-- Households under secret partagé (issue 3): orientation, care team, consent, the shared
-- diagnostic, notes, break-glass and the hash-chained audit log. ACCESS.md R1–R4 are
-- implemented by app_door() and app_may_read(); every policy below goes through them.

CREATE TABLE households (
    id uuid PRIMARY KEY,
    -- Opaque reference for notifications and exports (R13): names nobody.
    reference text NOT NULL UNIQUE,
    programme_id uuid NOT NULL REFERENCES programmes (id),
    status text NOT NULL CHECK (status IN ('oriented', 'accepted', 'declined')),
    oriented_by uuid NOT NULL REFERENCES organisations (id),
    -- The orienting organisation until the opérateur accepts; then the référent's.
    lead_organisation_id uuid NOT NULL REFERENCES organisations (id),
    referent_user_id uuid REFERENCES users (id),
    -- Copied at acceptance: partners read the référent's name (ACCESS.md §2) but not the
    -- lead organisation's user records.
    referent_name text,
    decline_reason text CHECK (length(decline_reason) <= 2000),
    single_parent boolean NOT NULL,
    current_situation text NOT NULL CHECK (current_situation IN ('hotel', 'socialResidence', 'chrs',
        'hostedByThirdParty', 'street', 'insalubriousHousing', 'other')),
    situation_since date,
    public text NOT NULL CHECK (public IN ('hotelFamily', 'youngAdultLeavingAse', 'totallyExcluded',
        'greatPrecarity', 'aboutToEnterHousing', 'housedInRupture')),
    dalo_recognised_on date,
    dalo_departement text CHECK (dalo_departement ~ '^[0-9][0-9AB][0-9]?$'),
    action_logement_employee boolean NOT NULL,
    resources_category text NOT NULL CHECK (resources_category IN ('employment', 'retirement',
        'transferIncome', 'minimaSociaux', 'none')),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_contact_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_lead ON households (lead_organisation_id, created_at);
CREATE INDEX households_programme ON households (programme_id);

CREATE TABLE household_persons (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    position integer NOT NULL,
    first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    birth_date date NOT NULL,
    relation text NOT NULL CHECK (relation IN ('applicant', 'partner', 'child', 'otherAdult', 'otherChild')),
    UNIQUE (household_id, position)
);

-- The organisations that follow the household besides the lead one.
CREATE TABLE care_team (
    household_id uuid NOT NULL REFERENCES households (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    added_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz,
    PRIMARY KEY (household_id, organisation_id)
);
CREATE INDEX care_team_organisation ON care_team (organisation_id) WHERE removed_at IS NULL;

-- R5. Active = not withdrawn and not expired; an expired consent is a withdrawn one.
CREATE TABLE consents (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    recipient_organisation_id uuid NOT NULL REFERENCES organisations (id),
    level text NOT NULL CHECK (level IN ('partners', 'secret')),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    obtained_how text NOT NULL CHECK (obtained_how IN ('writtenSigned', 'oralInInterview', 'electronic')),
    -- The four points of art. D.1110-3-1 CSP, each acknowledged.
    informed_of_categories boolean NOT NULL CHECK (informed_of_categories),
    informed_of_professionals boolean NOT NULL CHECK (informed_of_professionals),
    informed_of_medium boolean NOT NULL CHECK (informed_of_medium),
    informed_of_protection boolean NOT NULL CHECK (informed_of_protection),
    given_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL CHECK (expires_at > given_at),
    recorded_by uuid NOT NULL REFERENCES users (id),
    recorded_by_organisation_id uuid NOT NULL REFERENCES organisations (id),
    withdrawn_at timestamptz,
    withdrawn_by uuid REFERENCES users (id)
);
CREATE INDEX consents_household ON consents (household_id, recipient_organisation_id);

-- R8: one user, one household, 24 hours of the secret level.
CREATE TABLE break_glass (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    user_id uuid NOT NULL REFERENCES users (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    justification text NOT NULL CHECK (length(justification) BETWEEN 20 AND 4000),
    opened_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX break_glass_household ON break_glass (household_id, user_id, expires_at);

-- Versions of the diagnostic social partagé; a validated version never changes.
CREATE TABLE diagnostics (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    version integer NOT NULL CHECK (version > 0),
    status text NOT NULL CHECK (status IN ('draft', 'validated')),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    referent_name text NOT NULL CHECK (length(referent_name) <= 200),
    -- Bumped by every draft update: the ETag.
    revision integer NOT NULL DEFAULT 1,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    validated_at timestamptz,
    validated_by uuid REFERENCES users (id),
    UNIQUE (household_id, version)
);
CREATE UNIQUE INDEX diagnostics_one_draft ON diagnostics (household_id) WHERE status = 'draft';

-- Everything a diagnostic says, one row per piece with its own level, so that the
-- database can hide each piece from who may not read it:
--   assessment  code = item code, value = acquis | enCours | soutienNecessaire | nonEvalue
--   comment     code = item code, free text
--   view        code = section code, the person's own view (co-évaluation)
--   preconisations  code = '', the fiche de préconisations
CREATE TABLE diagnostic_entries (
    diagnostic_id uuid NOT NULL REFERENCES diagnostics (id),
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    kind text NOT NULL CHECK (kind IN ('assessment', 'comment', 'view', 'preconisations')),
    code text NOT NULL,
    value text NOT NULL CHECK (length(value) <= 20000),
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private')),
    PRIMARY KEY (diagnostic_id, kind, code)
);
CREATE INDEX diagnostic_entries_household ON diagnostic_entries (household_id);

CREATE TABLE notes (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    -- Copied: readers of other organisations do not see the author's user record.
    author_name text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private'))
);
CREATE INDEX notes_household ON notes (household_id, written_at);

-- R11. One hash chain per household for what concerns one household, one per
-- organisation for the rest (lists, denied attempts): two requests contend only when
-- they touch the same household's record, never hub-wide. The head holds each chain's
-- last sequence number and hash; appending locks that one row until commit.
CREATE TABLE audit_chains (
    chain text PRIMARY KEY,
    seq bigint NOT NULL,
    hash bytea NOT NULL
);

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain text NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    user_id uuid,
    organisation_id uuid,
    household_ids uuid[] NOT NULL,
    action text NOT NULL,
    levels text[] NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('disclosed', 'changed', 'denied')),
    request_id text,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_log_households ON audit_log USING gin (household_ids);

-- What is hashed: every column but the hashes themselves, in one fixed text form.
CREATE FUNCTION audit_canonical(a audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT concat_ws('|', a.chain, a.seq::text, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
       coalesce(a.user_id::text, ''), coalesce(a.organisation_id::text, ''), array_to_string(a.household_ids, ','),
       a.action, array_to_string(a.levels, ','), a.outcome, coalesce(a.request_id, '')) $$;

-- Append-only, even for the owner: only a superuser disabling triggers can alter it,
-- and `hub audit verify` then names the record.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'le journal d''accès est en ajout seul'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chains_no_truncate BEFORE TRUNCATE ON audit_chains
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The one way the server writes the log. Who acts comes from the transaction's settings,
-- not from arguments, so the server cannot record someone else.
CREATE FUNCTION audit_append(p_chain text, p_household_ids uuid[], p_action text, p_levels text[],
                             p_outcome text, p_request_id text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    head audit_chains;
    entry audit_log;
BEGIN
    INSERT INTO audit_chains AS c (chain, seq, hash) VALUES (p_chain, 0, ''::bytea)
    ON CONFLICT (chain) DO UPDATE SET seq = c.seq
    RETURNING * INTO head;
    entry.chain := p_chain;
    entry.seq := head.seq + 1;
    entry.at := clock_timestamp();
    entry.user_id := app_user_id();
    entry.organisation_id := app_org_id();
    entry.household_ids := p_household_ids;
    entry.action := p_action;
    entry.levels := p_levels;
    entry.outcome := p_outcome;
    entry.request_id := p_request_id;
    entry.prev_hash := head.hash;
    entry.hash := sha256(head.hash || convert_to(audit_canonical(entry), 'UTF8'));
    INSERT INTO audit_log (chain, seq, at, user_id, organisation_id, household_ids, action, levels, outcome,
                           request_id, prev_hash, hash)
    VALUES (entry.chain, entry.seq, entry.at, entry.user_id, entry.organisation_id, entry.household_ids,
            entry.action, entry.levels, entry.outcome, entry.request_id, entry.prev_hash, entry.hash);
    UPDATE audit_chains SET seq = entry.seq, hash = entry.hash WHERE chain = p_chain;
END
$$;

-- R1–R4 in SQL. SECURITY DEFINER so that policies can consult the household, its care
-- team and consents without recursing into those tables' own policies.
CREATE FUNCTION app_works_on_households() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(app_roles() && ARRAY['socialWorker', 'serviceHead', 'housingOfficer', 'facilitator'], false) $$;

CREATE FUNCTION app_is_lead(h uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT EXISTS (SELECT 1 FROM households WHERE id = h AND lead_organisation_id = app_org_id()) $$;

-- R1: the lead organisation, or the care team with an active consent; household roles only.
-- Each of these two is one query rather than nested helper calls: policies call them once
-- per row, and the nesting doubled the cost of reading a diagnostic's 46 entries.
CREATE FUNCTION app_door(h uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT app_works_on_households() AND EXISTS (
       SELECT 1 FROM households x
       WHERE x.id = h
         AND (x.lead_organisation_id = app_org_id()
              OR (EXISTS (SELECT 1 FROM care_team c WHERE c.household_id = x.id
                          AND c.organisation_id = app_org_id() AND c.removed_at IS NULL)
                  AND EXISTS (SELECT 1 FROM consents k WHERE k.household_id = x.id
                              AND k.recipient_organisation_id = app_org_id()
                              AND k.withdrawn_at IS NULL AND k.expires_at > now())))) $$;

-- The households the acting organisation follows as a care-team member with an active
-- consent. Set-returning so that a list is filtered by one hashed subplan, not by
-- app_door() row after row.
CREATE FUNCTION app_followed_households() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT c.household_id FROM care_team c
   WHERE c.organisation_id = app_org_id() AND c.removed_at IS NULL
     AND EXISTS (SELECT 1 FROM consents k WHERE k.household_id = c.household_id
                 AND k.recipient_organisation_id = app_org_id() AND k.withdrawn_at IS NULL AND k.expires_at > now()) $$;

-- R2–R4, and R8's window on the secret level: the door, then the level.
CREATE FUNCTION app_may_read(h uuid, author uuid, level text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT app_works_on_households() AND EXISTS (
       SELECT 1
       FROM households x
       LEFT JOIN LATERAL (
           -- 'secret' sorts after 'partners': the highest active consent.
           SELECT max(k.level) AS consent FROM consents k
           WHERE k.household_id = x.id AND k.recipient_organisation_id = app_org_id()
             AND k.withdrawn_at IS NULL AND k.expires_at > now()) k ON true
       WHERE x.id = h
         AND (x.lead_organisation_id = app_org_id()
              OR (k.consent IS NOT NULL
                  AND EXISTS (SELECT 1 FROM care_team c WHERE c.household_id = x.id
                              AND c.organisation_id = app_org_id() AND c.removed_at IS NULL)))
         AND CASE level
               WHEN 'partners' THEN true
               WHEN 'secret' THEN app_bound() AND (author = app_org_id() OR x.lead_organisation_id = app_org_id()
                   OR k.consent = 'secret'
                   OR EXISTS (SELECT 1 FROM break_glass b WHERE b.household_id = x.id AND b.user_id = app_user_id()
                              AND b.expires_at > now()))
               WHEN 'private' THEN app_bound() AND author = app_org_id()
               ELSE false
             END) $$;

-- "Qui a consulté mon dossier": a household's access log, for bound users of its lead
-- organisation. The raw table stays out of the runtime role's reach.
CREATE FUNCTION audit_access_log(h uuid, p_before bigint, p_limit integer)
RETURNS TABLE (id bigint, at timestamptz, user_id uuid, user_name text, organisation_id uuid,
               organisation_name text, action text, levels text[], outcome text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT a.id, a.at, a.user_id, u.display_name, a.organisation_id, o.name, a.action, a.levels, a.outcome
   FROM audit_log a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN organisations o ON o.id = a.organisation_id
   WHERE app_bound() AND app_works_on_households() AND app_is_lead(h)
     AND a.household_ids @> ARRAY[h] AND (p_before IS NULL OR a.id < p_before)
   ORDER BY a.id DESC LIMIT p_limit $$;

ALTER TABLE households ENABLE ROW LEVEL SECURITY;
ALTER TABLE households FORCE ROW LEVEL SECURITY;
ALTER TABLE household_persons ENABLE ROW LEVEL SECURITY;
ALTER TABLE household_persons FORCE ROW LEVEL SECURITY;
ALTER TABLE care_team ENABLE ROW LEVEL SECURITY;
ALTER TABLE care_team FORCE ROW LEVEL SECURITY;
ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
ALTER TABLE break_glass ENABLE ROW LEVEL SECURITY;
ALTER TABLE break_glass FORCE ROW LEVEL SECURITY;
ALTER TABLE diagnostics ENABLE ROW LEVEL SECURITY;
ALTER TABLE diagnostics FORCE ROW LEVEL SECURITY;
ALTER TABLE diagnostic_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE diagnostic_entries FORCE ROW LEVEL SECURITY;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_chains ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chains FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

CREATE POLICY operator ON households TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON household_persons TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON care_team TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON consents TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON break_glass TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON diagnostics TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON diagnostic_entries TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON notes TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON audit_chains TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON audit_log TO hub_owner USING (true) WITH CHECK (true);

-- Households: through the door. Orientation inserts as the lead (the orienting
-- organisation, bound); later changes (acceptance, decline) by whoever is through the door.
-- The door of app_door(), spelt out so that lists use the lead index and one subplan; the
-- settings are wrapped in sub-selects so that they are read once per query, not per row.
CREATE POLICY door_reads ON households FOR SELECT TO hub_app USING (
    (SELECT app_works_on_households())
    AND (lead_organisation_id = (SELECT app_org_id()) OR id IN (SELECT app_followed_households())));
CREATE POLICY orienter_adds ON households FOR INSERT TO hub_app
    WITH CHECK (app_bound() AND app_works_on_households() AND oriented_by = app_org_id()
                AND lead_organisation_id = app_org_id());
CREATE POLICY door_changes ON households FOR UPDATE TO hub_app USING (app_door(id)) WITH CHECK (true);

-- Identity and composition are partners-level (ACCESS.md §2).
CREATE POLICY door_reads ON household_persons FOR SELECT TO hub_app USING (app_door(household_id));
CREATE POLICY lead_adds ON household_persons FOR INSERT TO hub_app WITH CHECK (app_is_lead(household_id));

CREATE POLICY door_reads ON care_team FOR SELECT TO hub_app USING (app_door(household_id));
-- Composed by the lead organisation's social workers and service heads.
CREATE POLICY lead_adds ON care_team FOR INSERT TO hub_app WITH CHECK (app_is_lead(household_id)
    AND (app_has_role('socialWorker') OR app_has_role('serviceHead')));
CREATE POLICY lead_changes ON care_team FOR UPDATE TO hub_app
    USING (app_is_lead(household_id) AND (app_has_role('socialWorker') OR app_has_role('serviceHead')))
    WITH CHECK (app_is_lead(household_id));

-- R5: recorded and withdrawn by bound users of the lead organisation.
CREATE POLICY door_reads ON consents FOR SELECT TO hub_app USING (app_door(household_id));
CREATE POLICY lead_records ON consents FOR INSERT TO hub_app
    WITH CHECK (app_bound() AND app_is_lead(household_id) AND recorded_by = app_user_id()
                AND recorded_by_organisation_id = app_org_id());
CREATE POLICY lead_withdraws ON consents FOR UPDATE TO hub_app
    USING (app_bound() AND app_is_lead(household_id)) WITH CHECK (app_bound() AND app_is_lead(household_id));

CREATE POLICY door_reads ON break_glass FOR SELECT TO hub_app USING (app_door(household_id));
CREATE POLICY bound_head_opens ON break_glass FOR INSERT TO hub_app
    WITH CHECK (app_door(household_id) AND app_bound() AND app_has_role('serviceHead')
                AND user_id = app_user_id() AND organisation_id = app_org_id());

-- The diagnostic's header is partners-level; what it says is in diagnostic_entries.
CREATE POLICY door_reads ON diagnostics FOR SELECT TO hub_app USING (app_door(household_id));
CREATE POLICY author_writes ON diagnostics FOR INSERT TO hub_app
    WITH CHECK (app_door(household_id) AND author_organisation_id = app_org_id() AND status = 'draft');
CREATE POLICY author_edits_draft ON diagnostics FOR UPDATE TO hub_app
    USING (app_door(household_id) AND author_organisation_id = app_org_id() AND status = 'draft')
    WITH CHECK (author_organisation_id = app_org_id());

CREATE POLICY level_reads ON diagnostic_entries FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY author_writes ON diagnostic_entries FOR INSERT TO hub_app
    WITH CHECK (app_door(household_id) AND author_organisation_id = app_org_id()
                AND EXISTS (SELECT 1 FROM diagnostics d WHERE d.id = diagnostic_id AND d.status = 'draft'));
CREATE POLICY author_edits_draft ON diagnostic_entries FOR DELETE TO hub_app
    USING (app_door(household_id) AND author_organisation_id = app_org_id()
           AND EXISTS (SELECT 1 FROM diagnostics d WHERE d.id = diagnostic_id AND d.status = 'draft'));

CREATE POLICY level_reads ON notes FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY door_writes ON notes FOR INSERT TO hub_app
    WITH CHECK (app_door(household_id) AND author_organisation_id = app_org_id() AND author_user_id = app_user_id());

GRANT SELECT, INSERT, UPDATE (status, lead_organisation_id, referent_user_id, referent_name, decline_reason,
    last_contact_at)
    ON households TO hub_app;
GRANT SELECT, INSERT ON household_persons TO hub_app;
GRANT SELECT, INSERT, UPDATE (removed_at, added_at) ON care_team TO hub_app;
GRANT SELECT, INSERT, UPDATE (withdrawn_at, withdrawn_by) ON consents TO hub_app;
GRANT SELECT, INSERT ON break_glass TO hub_app;
GRANT SELECT, INSERT, UPDATE (status, referent_name, revision, updated_at, validated_at, validated_by)
    ON diagnostics TO hub_app;
GRANT SELECT, INSERT, DELETE ON diagnostic_entries TO hub_app;
GRANT SELECT, INSERT ON notes TO hub_app;

REVOKE ALL ON FUNCTION audit_append(text, uuid[], text, text[], text, text), audit_access_log(uuid, bigint, integer),
    app_is_lead(uuid), app_door(uuid), app_may_read(uuid, uuid, text),
    app_followed_households() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(text, uuid[], text, text[], text, text), audit_access_log(uuid, bigint, integer),
    app_is_lead(uuid), app_door(uuid), app_may_read(uuid, uuid, text),
    app_followed_households() TO hub_app;
