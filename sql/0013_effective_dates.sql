-- The day things happened (issue 18, DOMAIN.md "Time"): social work is written up after the
-- fact, so a fact of the path carries the day its writer gives, beside the moment the server
-- recorded it. Access decisions keep the recording clock (a consent dated last month but
-- recorded today opened nothing before today); the indicators read the days.
--
-- Rows written before this migration take the day of their recording moment.

-- The orientation's day; and status_on, the day a request gives with the move it makes
-- (set with status in the same UPDATE), which the trigger below copies into the transition it
-- records. status_on is only that hand-over: the days of the path are path_transitions'.
ALTER TABLE households ADD COLUMN oriented_on date, ADD COLUMN status_on date;
UPDATE households SET oriented_on = (created_at AT TIME ZONE 'UTC')::date;
ALTER TABLE households ALTER COLUMN oriented_on SET NOT NULL, ALTER COLUMN oriented_on SET DEFAULT current_date;

ALTER TABLE path_transitions ADD COLUMN occurred_on date;
-- A move recorded with its fact takes the fact's own day where one was kept (the fact written
-- in the same request, at or just before the move): a proposal's, a CAL decision's, a lease's
-- signature and entry, an outcome's end; the others (acceptance, a validated diagnostic before
-- sql/0013, withdrawal, reopening) the day they were recorded.
UPDATE path_transitions t SET occurred_on = coalesce(
    CASE t.to_state
        WHEN 'candidate' THEN (SELECT p.proposed_on FROM proposals p WHERE p.household_id = t.household_id
                               AND p.created_at <= t.at ORDER BY p.created_at DESC LIMIT 1)
        WHEN 'calDecided' THEN (SELECT d.decided_on FROM cal_decisions d WHERE d.household_id = t.household_id
                                AND d.created_at <= t.at ORDER BY d.created_at DESC LIMIT 1)
        WHEN 'leaseSigned' THEN (SELECT l.signed_on FROM leases l WHERE l.household_id = t.household_id
                                 AND l.created_at <= t.at ORDER BY l.created_at DESC LIMIT 1)
        WHEN 'accompaniedInFlat' THEN (SELECT l.entry_inspection_on FROM leases l WHERE l.household_id = t.household_id
                                       AND l.created_at <= t.at AND l.entry_inspection_on IS NOT NULL
                                       ORDER BY l.created_at DESC LIMIT 1)
        WHEN 'ended' THEN (SELECT o.ended_on FROM outcomes o WHERE o.household_id = t.household_id
                           AND o.created_at <= t.at ORDER BY o.created_at DESC LIMIT 1)
    END,
    (t.at AT TIME ZONE 'UTC')::date);
ALTER TABLE path_transitions ALTER COLUMN occurred_on SET NOT NULL,
    ALTER COLUMN occurred_on SET DEFAULT current_date;
DROP INDEX path_transitions_household;
CREATE INDEX path_transitions_household ON path_transitions (household_id, occurred_on, at);

-- As in sql/0007, with the day: the orientation's on insert, the move's own on update (today
-- when a writer gave none).
CREATE OR REPLACE FUNCTION path_record_transition() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    active constant text[] := ARRAY['accepted', 'diagnosed', 'candidate', 'calDecided', 'leaseSigned',
                                    'accompaniedInFlat'];
    old_state text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END;
    day date := CASE WHEN TG_OP = 'INSERT' THEN NEW.oriented_on ELSE coalesce(NEW.status_on, current_date) END;
BEGIN
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
    INSERT INTO path_transitions (household_id, from_state, to_state, organisation_id, user_id, occurred_on)
    VALUES (NEW.id, old_state, NEW.status, app_org_id(), app_user_id(), day);
    RETURN NULL;
END
$$;

-- A consent's day, given by who recorded it: its 12 months run from it (expires_at is set
-- from it by the server); given_at stays the recording moment, from which it opens reads.
ALTER TABLE consents ADD COLUMN given_on date, ADD COLUMN withdrawn_on date;
UPDATE consents SET given_on = (given_at AT TIME ZONE 'UTC')::date,
                    withdrawn_on = (withdrawn_at AT TIME ZONE 'UTC')::date;
ALTER TABLE consents ALTER COLUMN given_on SET NOT NULL, ALTER COLUMN given_on SET DEFAULT current_date;

-- The runtime may write the new days where it writes their facts.
GRANT UPDATE (status_on) ON households TO hub_app;
GRANT UPDATE (withdrawn_on) ON consents TO hub_app;

-- The day a diagnostic was validated with the household (the first one moves the path on).
ALTER TABLE diagnostics ADD COLUMN validated_on date;
UPDATE diagnostics SET validated_on = (validated_at AT TIME ZONE 'UTC')::date WHERE validated_at IS NOT NULL;
-- Every writer gives it (the hub, the generators): a validated version without its day is refused.
ALTER TABLE diagnostics ADD CONSTRAINT diagnostics_validated_on CHECK (status <> 'validated' OR validated_on IS NOT NULL);
GRANT UPDATE (validated_on) ON diagnostics TO hub_app;

-- The days an organisation joined and left the household's care team.
ALTER TABLE care_team ADD COLUMN added_on date, ADD COLUMN removed_on date;
UPDATE care_team SET added_on = (added_at AT TIME ZONE 'UTC')::date,
                     removed_on = (removed_at AT TIME ZONE 'UTC')::date;
ALTER TABLE care_team ALTER COLUMN added_on SET NOT NULL, ALTER COLUMN added_on SET DEFAULT current_date;
GRANT UPDATE (added_on, removed_on) ON care_team TO hub_app;
