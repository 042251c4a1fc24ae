-- A comité not yet held (planned, or its agenda published) can be moved to another day or
-- cancelled, each with a reason, by its cell's facilitator (issue 18); a held comité can be
-- neither. Every move of its day is kept in comite_reschedules, and the database refuses a
-- change of day that its own transaction did not record there.

ALTER TABLE comites DROP CONSTRAINT comites_status_check;
ALTER TABLE comites ADD CONSTRAINT comites_status_check
    CHECK (status IN ('planned', 'agendaPublished', 'held', 'minutesValidated', 'minutesDiffused', 'cancelled'));
ALTER TABLE comites
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancellation_reason text CHECK (length(cancellation_reason) BETWEEN 1 AND 2000),
    ADD CONSTRAINT comites_cancelled
        CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancellation_reason IS NOT NULL));

CREATE TABLE comite_reschedules (
    id uuid PRIMARY KEY,
    comite_id uuid NOT NULL REFERENCES comites (id),
    from_on date NOT NULL,
    to_on date NOT NULL CHECK (to_on <> from_on),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    recorded_by uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comite_reschedules_comite ON comite_reschedules (comite_id, recorded_at);
-- The monthly recurrence does not put a comité back on a day it was moved from.
CREATE INDEX comite_reschedules_from ON comite_reschedules (from_on);

ALTER TABLE comite_reschedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_reschedules FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON comite_reschedules TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY member_reads ON comite_reschedules FOR SELECT TO hub_app USING (app_comite_member(comite_id));
CREATE POLICY facilitator_moves ON comite_reschedules FOR INSERT TO hub_app
    WITH CHECK (app_comite_facilitator(comite_id) AND recorded_by = (SELECT app_user_id()));
GRANT SELECT, INSERT ON comite_reschedules TO hub_app;
GRANT UPDATE (held_on, cancelled_at, cancellation_reason) ON comites TO hub_app;

-- As in sql/0008, with: a comité not yet held may be cancelled, after which nothing of it
-- changes; its day moves only before it is held, and only with its reschedule recorded in
-- the same transaction.
CREATE OR REPLACE FUNCTION comite_moves() RETURNS trigger LANGUAGE plpgsql AS
$$
DECLARE
    stages constant text[] := ARRAY['planned', 'agendaPublished', 'held', 'minutesValidated', 'minutesDiffused'];
BEGIN
    IF OLD.status = 'cancelled' THEN
        RAISE EXCEPTION 'comité: a cancelled comité does not change' USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'minutesDiffused' AND (NEW.status <> OLD.status OR NEW.minutes_version <> OLD.minutes_version + 1
                                           OR NEW.held_on <> OLD.held_on) THEN
        RAISE EXCEPTION 'comité: after diffusion only an erratum changes the minutes' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'cancelled' THEN
        IF OLD.status NOT IN ('planned', 'agendaPublished') THEN
            RAISE EXCEPTION 'comité: a held comité cannot be cancelled' USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.status <> OLD.status
       AND array_position(stages, NEW.status) <> array_position(stages, OLD.status) + 1 THEN
        RAISE EXCEPTION 'comité: % → % is not a stage of the comité', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.held_on <> OLD.held_on THEN
        IF OLD.status NOT IN ('planned', 'agendaPublished') OR NEW.status <> OLD.status THEN
            RAISE EXCEPTION 'comité: only a comité not yet held moves to another day' USING ERRCODE = 'check_violation';
        END IF;
        -- SECURITY INVOKER: under RLS the writer sees the reschedule only as a member.
        IF NOT EXISTS (SELECT 1 FROM comite_reschedules r WHERE r.comite_id = NEW.id AND r.from_on = OLD.held_on
                       AND r.to_on = NEW.held_on AND r.recorded_at = now()) THEN
            RAISE EXCEPTION 'comité: a change of day is recorded with its reason' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- The review requests an agenda took at publication go back to the next comité when that
-- comité is cancelled: nothing a partner asked is lost with it.
CREATE FUNCTION comite_cancelled_releases_requests() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    UPDATE comite_requests SET comite_id = NULL WHERE comite_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER comites_cancelled AFTER UPDATE OF status ON comites
    FOR EACH ROW WHEN (NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
    EXECUTE FUNCTION comite_cancelled_releases_requests();
REVOKE ALL ON FUNCTION comite_cancelled_releases_requests() FROM PUBLIC;
