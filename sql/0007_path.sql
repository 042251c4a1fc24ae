-- The household's path after acceptance (issue 5): its states, the bailleur's flats,
-- proposals and the household's answers, CAL decisions, leases, alerts and outcomes. Every
-- row about a household carries its author organisation and level (ACCESS.md §2); rows are
-- added, and only the facts that come later (an entry inspection, a slide, a resolution, the
-- stay at 6 and 12 months) are filled in afterwards, by the author organisation.

-- The contract's objectives are the grid's sections: SE (savoir s'adapter à son
-- environnement), not the SA that sql/0005 spelt.
ALTER TABLE contracts DROP CONSTRAINT contracts_objectives_check;
ALTER TABLE contracts ADD CONSTRAINT contracts_objectives_check
    CHECK (cardinality(objectives) > 0 AND objectives <@ ARRAY['PL', 'SL', 'SH', 'SE', 'BA']);

ALTER TABLE households DROP CONSTRAINT households_status_check;
ALTER TABLE households ADD CONSTRAINT households_status_check CHECK (status IN ('oriented', 'accepted', 'diagnosed',
    'candidate', 'calDecided', 'leaseSigned', 'accompaniedInFlat', 'ended', 'declined', 'withdrawn'));

-- Every change of state, written by the trigger below whoever makes it: the timeline's
-- backbone, and a second guard on the moves Tenancy's HouseholdPath allows.
CREATE TABLE path_transitions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id uuid NOT NULL REFERENCES households (id),
    from_state text,
    to_state text NOT NULL,
    -- Null when the platform operator wrote it (demo seed, backfill).
    organisation_id uuid REFERENCES organisations (id),
    user_id uuid REFERENCES users (id),
    -- The clock, not the transaction's start: two moves in one transaction keep their order.
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX path_transitions_household ON path_transitions (household_id, at);

-- The moves of HouseholdPath, without their facts (the contract's coverage, the CAL's
-- decision): Swift explains a refusal in French; this only makes sure no bug skips a stage.
CREATE FUNCTION path_record_transition() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    active constant text[] := ARRAY['accepted', 'diagnosed', 'candidate', 'calDecided', 'leaseSigned',
                                    'accompaniedInFlat'];
    old_state text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END;
BEGIN
    -- A household enters the path oriented; the platform operator (no acting organisation:
    -- demo seed, generated bench data) may write one at any stage.
    IF TG_OP = 'INSERT' AND NEW.status <> 'oriented' AND app_org_id() IS NOT NULL THEN
        RAISE EXCEPTION 'path: a household starts oriented, not %', NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NOT (
           (old_state = 'oriented' AND NEW.status IN ('accepted', 'declined', 'withdrawn'))
        OR (old_state = 'accepted' AND NEW.status = 'diagnosed')
        OR (old_state IN ('diagnosed', 'candidate', 'calDecided') AND NEW.status = 'candidate')
        OR (old_state IN ('candidate', 'calDecided') AND NEW.status = 'calDecided')
        OR (old_state = 'calDecided' AND NEW.status = 'leaseSigned')
        OR (old_state = 'leaseSigned' AND NEW.status = 'accompaniedInFlat')
        OR (old_state = ANY (active) AND NEW.status IN ('ended', 'withdrawn'))
        OR (old_state IN ('ended', 'withdrawn') AND NEW.status = 'accepted')) THEN
        RAISE EXCEPTION 'path: % → % is not a step of the path', old_state, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO path_transitions (household_id, from_state, to_state, organisation_id, user_id)
    VALUES (NEW.id, old_state, NEW.status, app_org_id(), app_user_id());
    RETURN NULL;
END
$$;
-- UPDATE OF status fires even when the value is unchanged; only real moves are recorded.
CREATE TRIGGER households_path_insert AFTER INSERT ON households
    FOR EACH ROW EXECUTE FUNCTION path_record_transition();
CREATE TRIGGER households_path_update AFTER UPDATE OF status ON households
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION path_record_transition();

-- Households that existed before: their orientation, and where they stand now.
INSERT INTO path_transitions (household_id, from_state, to_state, at)
SELECT id, NULL, 'oriented', created_at FROM households;
INSERT INTO path_transitions (household_id, from_state, to_state, at)
SELECT id, 'oriented', status, created_at + interval '1 millisecond' FROM households WHERE status <> 'oriented';

-- The bailleur's flats: not household data; a flat is seen by its bailleur and by whoever
-- sees a proposal of it.
CREATE TABLE flats (
    id uuid PRIMARY KEY,
    landlord_organisation_id uuid NOT NULL REFERENCES organisations (id),
    created_by uuid NOT NULL REFERENCES users (id),
    reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 60),
    commune text NOT NULL CHECK (length(commune) BETWEEN 1 AND 100),
    departement text NOT NULL CHECK (departement ~ '^([0-9][0-9AB]|97[1-6])$'),
    flat_type text NOT NULL CHECK (flat_type IN ('T1', 'T2', 'T3', 'T4', 'T5', 'T6')),
    rent_cents bigint NOT NULL CHECK (rent_cents BETWEEN 1 AND 500000),
    charges_cents bigint NOT NULL CHECK (charges_cents BETWEEN 0 AND 200000),
    contingent text NOT NULL CHECK (contingent IN ('landlord', 'actionLogement', 'prefecture')),
    available_from date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (landlord_organisation_id, reference)
);
CREATE INDEX flats_landlord ON flats (landlord_organisation_id, created_at DESC);

CREATE TABLE proposals (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    flat_id uuid NOT NULL REFERENCES flats (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    proposed_on date NOT NULL,
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposals_household ON proposals (household_id, proposed_on);
CREATE INDEX proposals_flat ON proposals (flat_id);

-- The household's answer to a proposal: its own row, in the name of whoever records it.
CREATE TABLE proposal_answers (
    proposal_id uuid PRIMARY KEY REFERENCES proposals (id),
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    answer text NOT NULL CHECK (answer IN ('accepted', 'refused')),
    refusal_reason text CHECK (refusal_reason IN ('location', 'flatType', 'rent', 'condition', 'personal', 'other')),
    comment text CHECK (length(comment) BETWEEN 1 AND 2000),
    answered_on date NOT NULL,
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((answer = 'refused') = (refusal_reason IS NOT NULL))
);
CREATE INDEX proposal_answers_household ON proposal_answers (household_id);

CREATE TABLE cal_decisions (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    proposal_id uuid NOT NULL REFERENCES proposals (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    decided_on date NOT NULL,
    decision text NOT NULL CHECK (decision IN ('attribution', 'conditionalAttribution', 'postponement', 'refusal')),
    -- The motif de refus is an evaluation indicator: a fixed list.
    refusal_reason text CHECK (refusal_reason IN ('insufficientResources', 'incompleteFile', 'unsuitableType',
        'rentArrearsHistory', 'overOccupancy', 'otherCandidatePreferred', 'other')),
    condition text CHECK (length(condition) BETWEEN 1 AND 2000),
    comment text CHECK (length(comment) BETWEEN 1 AND 2000),
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((decision = 'refusal') = (refusal_reason IS NOT NULL)),
    CHECK ((decision = 'conditionalAttribution') = (condition IS NOT NULL))
);
CREATE INDEX cal_decisions_household ON cal_decisions (household_id, decided_on);

CREATE TABLE leases (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    -- The proposal the CAL attributed: it names the flat.
    proposal_id uuid NOT NULL REFERENCES proposals (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    -- A sliding lease (bail glissant) is held by the opérateur until it passes to the household.
    kind text NOT NULL CHECK (kind IN ('direct', 'sliding')),
    signed_on date NOT NULL,
    referent_attended boolean NOT NULL,
    entry_inspection_on date CHECK (entry_inspection_on >= signed_on),
    slid_on date CHECK (slid_on >= entry_inspection_on),
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'sliding' OR slid_on IS NULL)
);
CREATE INDEX leases_household ON leases (household_id, signed_on);

CREATE TABLE alerts (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    -- The three grounds for terminating a lease, and upkeep.
    kind text NOT NULL CHECK (kind IN ('rentArrears', 'missingInsurance', 'neighbourhood', 'upkeep')),
    reported_on date NOT NULL,
    arrears_cents bigint CHECK (arrears_cents BETWEEN 1 AND 10000000),
    arrears_months integer CHECK (arrears_months BETWEEN 1 AND 120),
    comment text CHECK (length(comment) BETWEEN 1 AND 2000),
    resolved_on date CHECK (resolved_on >= reported_on),
    resolution text CHECK (length(resolution) BETWEEN 1 AND 2000),
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'rentArrears') = (arrears_cents IS NOT NULL AND arrears_months IS NOT NULL)),
    CHECK (kind = 'rentArrears' OR (arrears_cents IS NULL AND arrears_months IS NULL)),
    CHECK ((resolved_on IS NULL) = (resolution IS NULL))
);
CREATE INDEX alerts_household ON alerts (household_id, reported_on);

-- The sortie of an ended accompaniment; a reopened path that ends again has a second one.
CREATE TABLE outcomes (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind IN ('rehousedInProgrammeStock', 'rehousedOtherLandlord', 'slidingLease',
        'associativeManager', 'voluntaryDeparture', 'other')),
    ended_on date NOT NULL,
    -- Staying in the flat is what success means; known once 6 and 12 months have passed.
    in_flat_at_6_months boolean,
    in_flat_at_12_months boolean,
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcomes_household ON outcomes (household_id, ended_on);

ALTER TABLE path_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE path_transitions FORCE ROW LEVEL SECURITY;
ALTER TABLE flats ENABLE ROW LEVEL SECURITY;
ALTER TABLE flats FORCE ROW LEVEL SECURITY;
ALTER TABLE proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE proposals FORCE ROW LEVEL SECURITY;
ALTER TABLE proposal_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE proposal_answers FORCE ROW LEVEL SECURITY;
ALTER TABLE cal_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE cal_decisions FORCE ROW LEVEL SECURITY;
ALTER TABLE leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE leases FORCE ROW LEVEL SECURITY;
ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
ALTER TABLE outcomes ENABLE ROW LEVEL SECURITY;
ALTER TABLE outcomes FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON path_transitions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON flats TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON proposals TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON proposal_answers TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON cal_decisions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON leases TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON alerts TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON outcomes TO hub_owner USING (true) WITH CHECK (true);

-- The stage of the path is partners-level (ACCESS.md §2); the trigger alone writes it.
CREATE POLICY door_reads ON path_transitions FOR SELECT TO hub_app USING (app_door(household_id));

-- A bailleur's housing officers add its flats; a flat proposed to a household is seen by
-- whoever sees the proposal.
CREATE POLICY landlord_or_proposal_reads ON flats FOR SELECT TO hub_app
    USING (landlord_organisation_id = (SELECT app_org_id())
           OR EXISTS (SELECT 1 FROM proposals p WHERE p.flat_id = flats.id));
CREATE POLICY landlord_adds ON flats FOR INSERT TO hub_app
    WITH CHECK (landlord_organisation_id = (SELECT app_org_id()) AND created_by = (SELECT app_user_id())
                AND (SELECT app_has_role('housingOfficer')));

CREATE POLICY level_reads ON proposals FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON proposal_answers FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON cal_decisions FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON leases FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON alerts FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON outcomes FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));

-- R6, and "bailleur staff write flats, proposals, CAL decisions and alerts": through the
-- door, in their own name, about the bailleur's own flats.
CREATE POLICY landlord_proposes ON proposals FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND (SELECT app_has_role('housingOfficer')) AND app_door(household_id)
                AND EXISTS (SELECT 1 FROM flats f WHERE f.id = flat_id
                            AND f.landlord_organisation_id = (SELECT app_org_id())));
CREATE POLICY landlord_decides ON cal_decisions FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND (SELECT app_has_role('housingOfficer')) AND app_door(household_id)
                AND EXISTS (SELECT 1 FROM proposals p WHERE p.id = proposal_id AND p.household_id = household_id
                            AND p.author_organisation_id = (SELECT app_org_id())));
CREATE POLICY landlord_reports ON alerts FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND (SELECT app_has_role('housingOfficer')) AND app_door(household_id));
CREATE POLICY author_resolves ON alerts FOR UPDATE TO hub_app
    USING (author_organisation_id = (SELECT app_org_id()) AND (SELECT app_has_role('housingOfficer'))
           AND app_door(household_id))
    WITH CHECK (author_organisation_id = (SELECT app_org_id()));

-- The household's answer: the proposing bailleur or the référent's organisation records it.
CREATE POLICY door_answers ON proposal_answers FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_door(household_id)
                AND (((SELECT app_has_role('housingOfficer'))
                      AND EXISTS (SELECT 1 FROM proposals p WHERE p.id = proposal_id
                                  AND p.author_organisation_id = (SELECT app_org_id())))
                     OR (app_is_lead(household_id)
                         AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))))));

-- The lease, the end and its outcome are the référent's record of the path, like the contract.
CREATE POLICY lead_records ON leases FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_is_lead(household_id)
                AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))));
CREATE POLICY author_completes ON leases FOR UPDATE TO hub_app
    USING (author_organisation_id = (SELECT app_org_id()) AND app_is_lead(household_id)
           AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))))
    WITH CHECK (author_organisation_id = (SELECT app_org_id()));
CREATE POLICY lead_records ON outcomes FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_is_lead(household_id)
                AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))));
CREATE POLICY author_completes ON outcomes FOR UPDATE TO hub_app
    USING (author_organisation_id = (SELECT app_org_id()) AND app_is_lead(household_id)
           AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))))
    WITH CHECK (author_organisation_id = (SELECT app_org_id()));

-- A planned meeting becomes held or missed, by the organisation that planned it.
CREATE POLICY author_completes ON meetings FOR UPDATE TO hub_app
    USING (author_organisation_id = (SELECT app_org_id()) AND app_door(household_id)
           AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))))
    WITH CHECK (author_organisation_id = (SELECT app_org_id()));

GRANT SELECT ON path_transitions TO hub_app;
GRANT SELECT, INSERT ON flats, proposals, proposal_answers, cal_decisions TO hub_app;
GRANT SELECT, INSERT, UPDATE (entry_inspection_on, slid_on) ON leases TO hub_app;
GRANT SELECT, INSERT, UPDATE (resolved_on, resolution) ON alerts TO hub_app;
GRANT SELECT, INSERT, UPDATE (in_flat_at_6_months, in_flat_at_12_months) ON outcomes TO hub_app;
GRANT UPDATE (status, duration_minutes) ON meetings TO hub_app;
REVOKE ALL ON FUNCTION path_record_transition() FROM PUBLIC;
