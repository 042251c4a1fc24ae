-- The day things happened (issue 18, DOMAIN.md "Time"): social work is written up after the
-- fact, so a fact of the path carries the day its writer gives, beside the moment the server
-- recorded it. Access decisions keep the recording clock (a consent dated last month but
-- recorded today opened nothing before today); the indicators read the days.
--
-- Rows written before this migration take the day of their recording moment.

-- The orientation's day, and the day of the household's current stage: the request that
-- moves the household sets both status and status_on, and the trigger below copies the day
-- into the transition it records.
ALTER TABLE households ADD COLUMN oriented_on date, ADD COLUMN status_on date;
UPDATE households SET oriented_on = (created_at AT TIME ZONE 'UTC')::date;
ALTER TABLE households ALTER COLUMN oriented_on SET NOT NULL, ALTER COLUMN oriented_on SET DEFAULT current_date;

ALTER TABLE path_transitions ADD COLUMN occurred_on date;
UPDATE path_transitions SET occurred_on = (at AT TIME ZONE 'UTC')::date;
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
GRANT UPDATE (validated_on) ON diagnostics TO hub_app;

-- The days an organisation joined and left the household's care team.
ALTER TABLE care_team ADD COLUMN added_on date, ADD COLUMN removed_on date;
UPDATE care_team SET added_on = (added_at AT TIME ZONE 'UTC')::date,
                     removed_on = (removed_at AT TIME ZONE 'UTC')::date;
ALTER TABLE care_team ALTER COLUMN added_on SET NOT NULL, ALTER COLUMN added_on SET DEFAULT current_date;
GRANT UPDATE (added_on, removed_on) ON care_team TO hub_app;
