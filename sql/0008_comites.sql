-- Coordination cells and their comités de suivi (issue 6), and the veille sociale, an
-- organisation's internal comité. ACCESS.md R10: a comité's agenda, summary sheets and
-- minutes are filtered per reader by R1–R4 at read time. A cell and its comités are seen by
-- the people of its member organisations who work on households; each agenda item, sheet
-- entry, discussion and action is seen only through app_door() / app_may_read() of its
-- household, so a consent withdrawn after publication hides the item on the next request.
--
-- The facilitator builds the agenda of situations whose households they may not open
-- themselves: comite_situation_facts() gives them dates only, keyed by the situation's id,
-- and comite_publish() freezes the summary sheets as the owner; neither tells them who the
-- household is.

-- A cell of a programme, or (kind 'veilleSociale', no programme) the internal comité of its
-- organisation. `organisation_id` runs it: the facilitator's organisation.
CREATE TABLE coordination_cells (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('coordination', 'veilleSociale')),
    programme_id uuid REFERENCES programmes (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    territory text CHECK (length(territory) BETWEEN 1 AND 200),
    facilitator_user_id uuid NOT NULL REFERENCES users (id),
    -- Copied: members of other organisations do not read the facilitator's user record.
    facilitator_name text NOT NULL,
    -- The monthly comité falls on this day of the month.
    comite_day integer NOT NULL CHECK (comite_day BETWEEN 1 AND 28),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'coordination') = (programme_id IS NOT NULL))
);

CREATE TABLE cell_organisations (
    cell_id uuid NOT NULL REFERENCES coordination_cells (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (cell_id, organisation_id)
);
CREATE INDEX cell_organisations_organisation ON cell_organisations (organisation_id);

-- The people invited to the cell's comités, added by their own organisation.
CREATE TABLE cell_people (
    cell_id uuid NOT NULL REFERENCES coordination_cells (id),
    user_id uuid NOT NULL REFERENCES users (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    display_name text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cell_id, user_id),
    FOREIGN KEY (cell_id, organisation_id) REFERENCES cell_organisations (cell_id, organisation_id)
);

-- The situations the cell follows. The id is what the facilitator's agenda building sees.
CREATE TABLE cell_situations (
    id uuid PRIMARY KEY,
    cell_id uuid NOT NULL REFERENCES coordination_cells (id),
    household_id uuid NOT NULL REFERENCES households (id),
    added_by_organisation_id uuid NOT NULL REFERENCES organisations (id),
    added_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz,
    UNIQUE (cell_id, household_id)
);
CREATE INDEX cell_situations_household ON cell_situations (household_id);

CREATE TABLE comites (
    id uuid PRIMARY KEY,
    cell_id uuid NOT NULL REFERENCES coordination_cells (id),
    -- Opaque, for notifications (R13).
    reference text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('monthly', 'extraordinary', 'emergency')),
    held_on date NOT NULL,
    emergency text CHECK (emergency IN ('death', 'violence', 'socialEmergency')),
    reason text CHECK (length(reason) BETWEEN 1 AND 2000),
    requested_by_organisation_id uuid REFERENCES organisations (id),
    status text NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'agendaPublished', 'held', 'minutesValidated', 'minutesDiffused')),
    published_at timestamptz,
    held_at timestamptz,
    validated_at timestamptz,
    diffused_at timestamptz,
    -- 1 at validation; each erratum after diffusion is a new version.
    minutes_version integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'monthly') = (reason IS NULL)),
    CHECK ((kind = 'emergency') = (emergency IS NOT NULL))
);
-- The recurrence creates each month's comité once.
CREATE UNIQUE INDEX comites_monthly ON comites (cell_id, held_on) WHERE kind = 'monthly';
CREATE INDEX comites_cell ON comites (cell_id, held_on);

CREATE TABLE agenda_items (
    id uuid PRIMARY KEY,
    comite_id uuid NOT NULL REFERENCES comites (id),
    situation_id uuid NOT NULL REFERENCES cell_situations (id),
    -- Filled from the situation by agenda_item_household(): the facilitator names a
    -- situation, never a household.
    household_id uuid NOT NULL REFERENCES households (id),
    position integer NOT NULL,
    -- [{kind, detail, organisationId}]: AgendaRules' reasons, or the facilitator's.
    reasons jsonb NOT NULL,
    added_by text NOT NULL CHECK (added_by IN ('rules', 'facilitator')),
    UNIQUE (comite_id, situation_id)
);
CREATE INDEX agenda_items_household ON agenda_items (household_id);

-- The fiche de synthèse partenariale, frozen at publication: one row per piece with the
-- level and author organisation of the item it was copied from, so that each reader gets
-- what they could read in the household itself.
-- Written only by comite_publish(), which copies the household and author from rows that
-- hold them under foreign keys: checking them again, row by row, cost a publication ~90 ms.
CREATE TABLE summary_sheet_entries (
    item_id uuid NOT NULL REFERENCES agenda_items (id),
    household_id uuid NOT NULL,
    position integer NOT NULL,
    section text NOT NULL CHECK (section IN ('rehousing', 'followUps', 'needs', 'difficulties', 'alerts',
        'assessments')),
    code text NOT NULL,
    value jsonb NOT NULL,
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private')),
    author_organisation_id uuid NOT NULL,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE comite_attendance (
    comite_id uuid NOT NULL REFERENCES comites (id),
    user_id uuid NOT NULL REFERENCES users (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    display_name text NOT NULL,
    present boolean NOT NULL,
    PRIMARY KEY (comite_id, user_id)
);

-- What the comité decided on an item: partners-level (the stage of the path). An end of
-- accompaniment is adopted unless a present care-team partner objected.
CREATE TABLE comite_decisions (
    item_id uuid PRIMARY KEY REFERENCES agenda_items (id),
    comite_id uuid NOT NULL REFERENCES comites (id),
    household_id uuid NOT NULL REFERENCES households (id),
    decision text NOT NULL CHECK (decision IN ('continue', 'endAccompaniment', 'reorient', 'escalateToVeille',
        'changeReferent', 'other')),
    detail text CHECK (length(detail) BETWEEN 1 AND 2000),
    adopted boolean NOT NULL,
    -- The outcome an adopted end wrote (outcomes.id).
    outcome_id uuid,
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    recorded_by uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    level text NOT NULL DEFAULT 'partners' CHECK (level = 'partners'),
    CHECK (decision = 'endAccompaniment' OR adopted),
    CHECK ((outcome_id IS NOT NULL) = (decision = 'endAccompaniment' AND adopted))
);
CREATE INDEX comite_decisions_comite ON comite_decisions (comite_id);
-- A household's export reads its decisions and actions in every comité.
CREATE INDEX comite_decisions_household ON comite_decisions (household_id);

-- The discussion's summary, at the level its author chose.
CREATE TABLE comite_discussions (
    item_id uuid PRIMARY KEY REFERENCES agenda_items (id),
    comite_id uuid NOT NULL REFERENCES comites (id),
    household_id uuid NOT NULL REFERENCES households (id),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private')),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id)
);

CREATE TABLE comite_objections (
    item_id uuid NOT NULL REFERENCES agenda_items (id),
    comite_id uuid NOT NULL REFERENCES comites (id),
    household_id uuid NOT NULL REFERENCES households (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    -- Copied: the reason is read with the organisation's name by partners who may not
    -- read that organisation's record.
    organisation_name text NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (item_id, organisation_id)
);

-- Follow-up actions; their status lives on after the minutes (a follow-up, not a record).
CREATE TABLE comite_actions (
    id uuid PRIMARY KEY,
    comite_id uuid NOT NULL REFERENCES comites (id),
    item_id uuid NOT NULL REFERENCES agenda_items (id),
    household_id uuid NOT NULL REFERENCES households (id),
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_organisation_id uuid NOT NULL REFERENCES organisations (id),
    owner_user_id uuid REFERENCES users (id),
    owner_name text,
    due_on date NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private')),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz
);
CREATE INDEX comite_actions_comite ON comite_actions (comite_id, due_on);
CREATE INDEX comite_actions_household ON comite_actions (household_id);
CREATE INDEX comite_actions_due ON comite_actions (due_on) WHERE status = 'open';

-- After diffusion, a correction is an erratum: minutes version 2, 3…
CREATE TABLE comite_errata (
    id uuid PRIMARY KEY,
    comite_id uuid NOT NULL REFERENCES comites (id),
    version integer NOT NULL CHECK (version > 1),
    -- The item it corrects, if any: then read as that item (door and level).
    item_id uuid REFERENCES agenda_items (id),
    household_id uuid REFERENCES households (id),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private')),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (comite_id, version),
    CHECK ((item_id IS NULL) = (household_id IS NULL)),
    -- Without an item there is no household to read it through: partners-level only.
    CHECK (item_id IS NOT NULL OR level = 'partners')
);

-- A partner asks for a situation to be reviewed, or the référent proposes an end of
-- accompaniment. Taken up by the next agenda published with the household on it.
CREATE TABLE comite_requests (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    kind text NOT NULL CHECK (kind IN ('review', 'endProposal')),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    user_id uuid NOT NULL REFERENCES users (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    level text NOT NULL DEFAULT 'partners' CHECK (level = 'partners'),
    -- The comité whose published agenda took it up.
    comite_id uuid REFERENCES comites (id)
);
CREATE INDEX comite_requests_pending ON comite_requests (household_id) WHERE comite_id IS NULL;

-- Membership of a cell: its organisations' people who work on households (R1's roles).
-- SECURITY DEFINER, as app_door(), so that policies do not recurse.
CREATE FUNCTION app_cell_member(p_cell uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT app_works_on_households() AND EXISTS (
       SELECT 1 FROM cell_organisations WHERE cell_id = p_cell AND organisation_id = app_org_id()) $$;

-- The cell's assigned facilitator, acting for the cell's organisation.
CREATE FUNCTION app_cell_facilitator(p_cell uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT EXISTS (SELECT 1 FROM coordination_cells WHERE id = p_cell AND facilitator_user_id = app_user_id()
                  AND organisation_id = app_org_id()) $$;

-- The same two for a comité, each one query: policies call them on every row, and a
-- definer function calling another cost four times app_door() (bench: minutes 119 → 46 ms).
CREATE FUNCTION app_comite_member(p_comite uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT app_works_on_households() AND EXISTS (
       SELECT 1 FROM comites c JOIN cell_organisations o ON o.cell_id = c.cell_id
       WHERE c.id = p_comite AND o.organisation_id = app_org_id()) $$;

CREATE FUNCTION app_comite_facilitator(p_comite uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT EXISTS (
       SELECT 1 FROM comites c JOIN coordination_cells l ON l.id = c.cell_id
       WHERE c.id = p_comite AND l.facilitator_user_id = app_user_id() AND l.organisation_id = app_org_id()) $$;

-- The lifecycle, whoever writes: the agenda changes while planned; attendance, decisions,
-- discussions, objections and actions are recorded once held, until the minutes are
-- validated; errata only after diffusion. A comité moves one stage forward at a time, and
-- after diffusion only its minutes' version moves.
CREATE FUNCTION comite_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    row_comite uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.comite_id ELSE NEW.comite_id END;
    current_status text := (SELECT status FROM comites WHERE id = row_comite);
    allowed text := CASE TG_TABLE_NAME
        WHEN 'agenda_items' THEN 'planned'
        WHEN 'comite_errata' THEN 'minutesDiffused'
        ELSE 'held' END;
BEGIN
    IF current_status IS DISTINCT FROM allowed THEN
        RAISE EXCEPTION 'comité: % cannot change while the comité is %', TG_TABLE_NAME, current_status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER agenda_items_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON agenda_items
    FOR EACH ROW EXECUTE FUNCTION comite_guard();
CREATE TRIGGER comite_attendance_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON comite_attendance
    FOR EACH ROW EXECUTE FUNCTION comite_guard();
CREATE TRIGGER comite_decisions_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON comite_decisions
    FOR EACH ROW EXECUTE FUNCTION comite_guard();
CREATE TRIGGER comite_discussions_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON comite_discussions
    FOR EACH ROW EXECUTE FUNCTION comite_guard();
CREATE TRIGGER comite_objections_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON comite_objections
    FOR EACH ROW EXECUTE FUNCTION comite_guard();
CREATE TRIGGER comite_actions_lifecycle BEFORE INSERT OR DELETE ON comite_actions
    FOR EACH ROW EXECUTE FUNCTION comite_guard();
CREATE TRIGGER comite_errata_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON comite_errata
    FOR EACH ROW EXECUTE FUNCTION comite_guard();

CREATE FUNCTION comite_moves() RETURNS trigger LANGUAGE plpgsql AS
$$
DECLARE
    stages constant text[] := ARRAY['planned', 'agendaPublished', 'held', 'minutesValidated', 'minutesDiffused'];
BEGIN
    IF OLD.status = 'minutesDiffused' AND (NEW.status <> OLD.status OR NEW.minutes_version <> OLD.minutes_version + 1
                                           OR NEW.held_on <> OLD.held_on) THEN
        RAISE EXCEPTION 'comité: after diffusion only an erratum changes the minutes' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status <> OLD.status
       AND array_position(stages, NEW.status) <> array_position(stages, OLD.status) + 1 THEN
        RAISE EXCEPTION 'comité: % → % is not a stage of the comité', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER comites_lifecycle BEFORE UPDATE ON comites FOR EACH ROW EXECUTE FUNCTION comite_moves();

-- An item names a situation of the comité's cell; its household comes from there.
CREATE FUNCTION agenda_item_household() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    SELECT s.household_id INTO NEW.household_id
    FROM cell_situations s JOIN comites c ON c.cell_id = s.cell_id
    WHERE s.id = NEW.situation_id AND c.id = NEW.comite_id AND s.removed_at IS NULL;
    IF NEW.household_id IS NULL THEN
        RAISE EXCEPTION 'comité: the situation is not followed by this cell' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER agenda_items_household BEFORE INSERT OR UPDATE OF situation_id ON agenda_items
    FOR EACH ROW EXECUTE FUNCTION agenda_item_household();

-- What AgendaRules look at, for every situation the cell follows in accompaniment: dates
-- and counts only, keyed by the situation. For the cell's facilitator, while planned.
CREATE FUNCTION comite_situation_facts(p_comite uuid)
RETURNS TABLE (situation_id uuid, accompanied_since date, contract_ends_on date, alerts_on date[],
               cal_decisions_on date[], end_proposed_on date, requests jsonb, reviewed_on date[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    SELECT s.id,
           (SELECT max(t.at)::date FROM path_transitions t WHERE t.household_id = x.id AND t.to_state = 'accepted'),
           (SELECT k.planned_end_on FROM contracts k WHERE k.household_id = x.id ORDER BY k.created_at DESC LIMIT 1),
           ARRAY(SELECT a.reported_on FROM alerts a WHERE a.household_id = x.id AND a.reported_on > c.held_on - 400),
           ARRAY(SELECT d.decided_on FROM cal_decisions d WHERE d.household_id = x.id
                 AND d.decided_on > c.held_on - 400),
           (SELECT min(r.requested_at)::date FROM comite_requests r WHERE r.household_id = x.id
            AND r.comite_id IS NULL AND r.kind = 'endProposal' AND r.requested_at::date <= c.held_on),
           coalesce((SELECT jsonb_agg(jsonb_build_object('organisationId', r.organisation_id, 'reason', r.reason)
                                      ORDER BY r.requested_at, r.id)
                     FROM comite_requests r WHERE r.household_id = x.id AND r.comite_id IS NULL
                       AND r.kind = 'review' AND r.requested_at::date <= c.held_on), '[]'::jsonb),
           ARRAY(SELECT e.held_on FROM agenda_items i JOIN comites e ON e.id = i.comite_id
                 WHERE i.household_id = x.id AND e.cell_id = c.cell_id AND e.id <> c.id
                   AND e.status IN ('held', 'minutesValidated', 'minutesDiffused'))
    FROM comites c
    JOIN cell_situations s ON s.cell_id = c.cell_id AND s.removed_at IS NULL
    JOIN households x ON x.id = s.household_id
    WHERE c.id = p_comite AND c.status = 'planned' AND app_cell_facilitator(c.cell_id)
      AND x.status IN ('accepted', 'diagnosed', 'candidate', 'calDecided', 'leaseSigned', 'accompaniedInFlat')
$$;

-- Publication: the summary sheet of every item is frozen from what the household holds
-- (copied as the owner, with each piece's level and author), the partners' requests are
-- taken up, and the agenda is published. For the cell's facilitator, while planned.
-- Returns the number of sheet entries written, or NULL if the comité cannot be published.
CREATE FUNCTION comite_publish(p_comite uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    c comites;
    written integer;
BEGIN
    SELECT * INTO c FROM comites WHERE id = p_comite FOR UPDATE;
    IF c.id IS NULL OR c.status <> 'planned' OR NOT app_cell_facilitator(c.cell_id) THEN
        RETURN NULL;
    END IF;
    -- A situation the cell stopped following since it was placed leaves the agenda.
    DELETE FROM agenda_items i USING cell_situations s
    WHERE i.comite_id = p_comite AND s.id = i.situation_id AND s.removed_at IS NOT NULL;
    WITH items AS (
        SELECT i.id AS item_id, i.household_id FROM agenda_items i WHERE i.comite_id = p_comite
    ), latest_diagnostic AS (
        SELECT DISTINCT ON (d.household_id) d.household_id, d.id
        FROM diagnostics d JOIN items USING (household_id)
        WHERE d.status = 'validated' ORDER BY d.household_id, d.version DESC
    ), pieces AS (
        -- Rehousing: where the path stands, the last proposal, CAL decision and lease.
        SELECT i.item_id, i.household_id, 1 AS rank, 'rehousing' AS section, 'status' AS code,
               jsonb_build_object('status', x.status) AS value, 'partners' AS level,
               x.lead_organisation_id AS author
        FROM items i JOIN households x ON x.id = i.household_id
        UNION ALL
        SELECT i.item_id, i.household_id, 2, 'rehousing', 'proposal',
               jsonb_build_object('proposedOn', p.proposed_on, 'flatType', f.flat_type, 'commune', f.commune,
                                  'answer', a.answer),
               p.level, p.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM proposals p WHERE p.household_id = i.household_id
                      ORDER BY p.proposed_on DESC, p.created_at DESC LIMIT 1) p ON true
        JOIN flats f ON f.id = p.flat_id
        LEFT JOIN proposal_answers a ON a.proposal_id = p.id
        UNION ALL
        SELECT i.item_id, i.household_id, 3, 'rehousing', 'calDecision',
               jsonb_build_object('decidedOn', d.decided_on, 'decision', d.decision,
                                  'refusalReason', d.refusal_reason),
               d.level, d.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM cal_decisions d WHERE d.household_id = i.household_id
                      ORDER BY d.decided_on DESC, d.created_at DESC LIMIT 1) d ON true
        UNION ALL
        SELECT i.item_id, i.household_id, 4, 'rehousing', 'lease',
               jsonb_build_object('kind', l.kind, 'signedOn', l.signed_on, 'enteredOn', l.entry_inspection_on,
                                  'slidOn', l.slid_on),
               l.level, l.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM leases l WHERE l.household_id = i.household_id
                      ORDER BY l.signed_on DESC, l.created_at DESC LIMIT 1) l ON true
        -- Follow-ups: the contract in force, the last three months' meetings per organisation, aid.
        UNION ALL
        SELECT i.item_id, i.household_id, 10, 'followUps', 'contract',
               jsonb_build_object('kind', k.kind, 'startsOn', k.starts_on, 'plannedEndOn', k.planned_end_on,
                                  'objectives', k.objectives),
               k.level, k.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM contracts k WHERE k.household_id = i.household_id
                      ORDER BY k.created_at DESC LIMIT 1) k ON true
        UNION ALL
        SELECT i.item_id, i.household_id, 11, 'followUps', 'meetings',
               jsonb_build_object('since', c.held_on - 91, 'held', count(*) FILTER (WHERE m.status = 'held'),
                                  'missed', count(*) FILTER (WHERE m.status = 'missed')),
               m.level, m.author_organisation_id
        FROM items i JOIN meetings m ON m.household_id = i.household_id
        WHERE m.status <> 'planned' AND m.starts_at >= c.held_on - 91 AND m.starts_at < c.held_on + 1
        GROUP BY i.item_id, i.household_id, m.level, m.author_organisation_id
        UNION ALL
        SELECT i.item_id, i.household_id, 12, 'followUps', 'aid',
               jsonb_build_object('kind', a.kind, 'status', a.status, 'amountCents', a.amount_cents,
                                  'requestedOn', a.requested_on),
               a.level, a.author_organisation_id
        FROM items i JOIN aids a ON a.household_id = i.household_id
        -- Needs (the grid's BA section and the préconisations), difficulties (items where
        -- support is needed, with their comments) and every assessment of the last
        -- validated diagnostic.
        UNION ALL
        -- (Entries read per diagnostic, LATERAL, through their key: a join let the planner scan
        -- every diagnostic's entries of the hub twice per publication.)
        SELECT i.item_id, i.household_id, 20, 'needs', e.code,
               jsonb_build_object(e.kind, e.value), e.level, e.author_organisation_id
        FROM items i JOIN latest_diagnostic d USING (household_id)
        CROSS JOIN LATERAL (SELECT * FROM diagnostic_entries e WHERE e.diagnostic_id = d.id) e
        WHERE (e.kind IN ('assessment', 'comment') AND e.code LIKE 'BA-%') OR e.kind = 'preconisations'
        UNION ALL
        SELECT i.item_id, i.household_id, 30, 'difficulties', e.code,
               jsonb_build_object(e.kind, e.value), e.level, e.author_organisation_id
        FROM items i JOIN latest_diagnostic d USING (household_id)
        CROSS JOIN LATERAL (SELECT * FROM diagnostic_entries e WHERE e.diagnostic_id = d.id) e
        WHERE e.kind IN ('assessment', 'comment') AND e.code NOT LIKE 'BA-%'
          AND EXISTS (SELECT 1 FROM diagnostic_entries s WHERE s.diagnostic_id = d.id AND s.kind = 'assessment'
                      AND s.code = e.code AND s.value = 'soutienNecessaire')
        UNION ALL
        SELECT i.item_id, i.household_id, 40, 'alerts', a.kind,
               jsonb_build_object('reportedOn', a.reported_on, 'arrearsCents', a.arrears_cents,
                                  'arrearsMonths', a.arrears_months, 'resolvedOn', a.resolved_on),
               a.level, a.author_organisation_id
        FROM items i JOIN alerts a ON a.household_id = i.household_id
        WHERE a.resolved_on IS NULL OR a.reported_on > c.held_on - 183
        UNION ALL
        SELECT i.item_id, i.household_id, 50, 'assessments', e.code,
               jsonb_build_object('assessment', e.value), e.level, e.author_organisation_id
        FROM items i JOIN latest_diagnostic d USING (household_id)
        CROSS JOIN LATERAL (SELECT * FROM diagnostic_entries e WHERE e.diagnostic_id = d.id) e
        WHERE e.kind = 'assessment'
    ), frozen AS (
        INSERT INTO summary_sheet_entries (item_id, household_id, position, section, code, value, level,
                                           author_organisation_id)
        SELECT item_id, household_id, row_number() OVER (PARTITION BY item_id ORDER BY rank, code, value::text),
               section, code, value, level, author
        FROM pieces
        RETURNING 1
    )
    SELECT count(*) INTO written FROM frozen;
    UPDATE comite_requests r SET comite_id = p_comite
    FROM agenda_items i
    WHERE i.comite_id = p_comite AND r.household_id = i.household_id AND r.comite_id IS NULL
      AND r.requested_at::date <= c.held_on;
    UPDATE comites SET status = 'agendaPublished', published_at = now() WHERE id = p_comite;
    RETURN written;
END
$$;

-- The agenda's rule items, placed by the facilitator from AgendaRules' verdicts on
-- comite_situation_facts(): the previous rule items go (including those of households the
-- facilitator cannot see, which a DELETE under their settings would miss), items the
-- facilitator added stay first, the new ones follow in the given order. Returns how many
-- were placed, or NULL if the comité's agenda cannot change.
CREATE FUNCTION comite_place_rule_items(p_comite uuid, p_situations uuid[], p_reasons jsonb[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    placed integer;
    after integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM comites WHERE id = p_comite AND status = 'planned' AND app_cell_facilitator(cell_id)
                   FOR UPDATE) THEN
        RETURN NULL;
    END IF;
    DELETE FROM agenda_items WHERE comite_id = p_comite AND added_by = 'rules';
    SELECT coalesce(max(position), 0) INTO after FROM agenda_items WHERE comite_id = p_comite;
    -- household_id comes from the situation (agenda_item_household()).
    INSERT INTO agenda_items (id, comite_id, situation_id, position, reasons, added_by)
    SELECT gen_random_uuid(), p_comite, u.situation, after + u.n::integer, u.reasons, 'rules'
    FROM unnest(p_situations, p_reasons) WITH ORDINALITY AS u (situation, reasons, n)
    ON CONFLICT (comite_id, situation_id) DO NOTHING;
    GET DIAGNOSTICS placed = ROW_COUNT;
    RETURN placed;
END
$$;

-- Reminders of follow-up actions due (today or overdue, still open), once per action, to
-- the owner and the owner organisation's service heads, through the door of the household.
CREATE FUNCTION notify_raise_actions_due() RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    WITH raised AS (
        INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, audience, link_path,
                                   organisation_ids, user_ids, dedup_key)
        SELECT gen_random_uuid(), 'actionDue', a.author_organisation_id, a.household_id, x.reference, '{}',
               '/v1/comites/' || a.comite_id || '/actions', ARRAY[a.owner_organisation_id],
               CASE WHEN a.owner_user_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[a.owner_user_id] END,
               'actionDue:' || a.id
        FROM comite_actions a JOIN households x ON x.id = a.household_id
        WHERE a.status = 'open' AND a.due_on <= current_date
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM raised
$$;

ALTER TABLE coordination_cells ENABLE ROW LEVEL SECURITY;
ALTER TABLE coordination_cells FORCE ROW LEVEL SECURITY;
ALTER TABLE cell_organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE cell_organisations FORCE ROW LEVEL SECURITY;
ALTER TABLE cell_people ENABLE ROW LEVEL SECURITY;
ALTER TABLE cell_people FORCE ROW LEVEL SECURITY;
ALTER TABLE cell_situations ENABLE ROW LEVEL SECURITY;
ALTER TABLE cell_situations FORCE ROW LEVEL SECURITY;
ALTER TABLE comites ENABLE ROW LEVEL SECURITY;
ALTER TABLE comites FORCE ROW LEVEL SECURITY;
ALTER TABLE agenda_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE agenda_items FORCE ROW LEVEL SECURITY;
ALTER TABLE summary_sheet_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE summary_sheet_entries FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_attendance ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_attendance FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_decisions FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_discussions ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_discussions FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_objections ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_objections FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_actions FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_errata ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_errata FORCE ROW LEVEL SECURITY;
ALTER TABLE comite_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE comite_requests FORCE ROW LEVEL SECURITY;

CREATE POLICY operator ON coordination_cells TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON cell_organisations TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON cell_people TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON cell_situations TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comites TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON agenda_items TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON summary_sheet_entries TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_attendance TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_decisions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_discussions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_objections TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_actions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_errata TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON comite_requests TO hub_owner USING (true) WITH CHECK (true);

-- Cells: seen by their members; created by the organisation that runs them, which is a
-- member (its row in cell_organisations is written in the same transaction).
CREATE POLICY member_reads ON coordination_cells FOR SELECT TO hub_app
    USING (app_cell_member(id) OR (organisation_id = (SELECT app_org_id()) AND (SELECT app_works_on_households())));
CREATE POLICY runner_creates ON coordination_cells FOR INSERT TO hub_app
    WITH CHECK (organisation_id = (SELECT app_org_id())
                AND ((SELECT app_has_role('facilitator')) OR (SELECT app_has_role('serviceHead'))));
CREATE POLICY member_reads ON cell_organisations FOR SELECT TO hub_app USING (app_cell_member(cell_id));
CREATE POLICY runner_adds ON cell_organisations FOR INSERT TO hub_app WITH CHECK (EXISTS (
    SELECT 1 FROM coordination_cells c WHERE c.id = cell_id AND c.organisation_id = (SELECT app_org_id())));
CREATE POLICY member_reads ON cell_people FOR SELECT TO hub_app USING (app_cell_member(cell_id));
CREATE POLICY own_people ON cell_people FOR INSERT TO hub_app
    WITH CHECK (organisation_id = (SELECT app_org_id()) AND app_cell_member(cell_id));

-- Situations: through the household's door, in a cell one is a member of.
CREATE POLICY door_reads ON cell_situations FOR SELECT TO hub_app
    USING (app_cell_member(cell_id) AND app_door(household_id));
CREATE POLICY door_adds ON cell_situations FOR INSERT TO hub_app
    WITH CHECK (added_by_organisation_id = (SELECT app_org_id()) AND app_cell_member(cell_id)
                AND app_door(household_id));
CREATE POLICY door_changes ON cell_situations FOR UPDATE TO hub_app
    USING (app_cell_member(cell_id) AND app_door(household_id)) WITH CHECK (app_cell_member(cell_id));

-- Comités: the monthly ones by the facilitator, an extraordinary one by any member
-- organisation; their stages only by the facilitator.
CREATE POLICY member_reads ON comites FOR SELECT TO hub_app USING (app_cell_member(cell_id));
CREATE POLICY member_schedules ON comites FOR INSERT TO hub_app WITH CHECK (app_cell_member(cell_id)
    AND (app_cell_facilitator(cell_id) OR (kind <> 'monthly' AND requested_by_organisation_id = app_org_id())));
CREATE POLICY facilitator_runs ON comites FOR UPDATE TO hub_app
    USING (app_cell_facilitator(cell_id)) WITH CHECK (app_cell_facilitator(cell_id));

-- The agenda: an item is seen through its household's door; the facilitator composes it.
CREATE POLICY door_reads ON agenda_items FOR SELECT TO hub_app
    USING (app_comite_member(comite_id) AND app_door(household_id));
-- (Per command: a policy for all commands would also let the facilitator read every item.)
CREATE POLICY facilitator_adds ON agenda_items FOR INSERT TO hub_app WITH CHECK (app_comite_facilitator(comite_id));
CREATE POLICY facilitator_orders ON agenda_items FOR UPDATE TO hub_app
    USING (app_comite_facilitator(comite_id)) WITH CHECK (app_comite_facilitator(comite_id));
CREATE POLICY facilitator_removes ON agenda_items FOR DELETE TO hub_app USING (app_comite_facilitator(comite_id));

CREATE POLICY level_reads ON summary_sheet_entries FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level)
           AND app_comite_member((SELECT i.comite_id FROM agenda_items i WHERE i.id = item_id)));

CREATE POLICY member_reads ON comite_attendance FOR SELECT TO hub_app USING (app_comite_member(comite_id));
CREATE POLICY facilitator_records ON comite_attendance FOR INSERT TO hub_app
    WITH CHECK (app_comite_facilitator(comite_id));

-- What the meeting said of a household: through its door, at its level; written by the
-- facilitator, in the name of their organisation (R6).
CREATE POLICY level_reads ON comite_decisions FOR SELECT TO hub_app
    USING (app_comite_member(comite_id) AND app_may_read(household_id, author_organisation_id, level));
CREATE POLICY facilitator_records ON comite_decisions FOR INSERT TO hub_app
    WITH CHECK (app_comite_facilitator(comite_id) AND app_door(household_id)
                AND author_organisation_id = (SELECT app_org_id()) AND recorded_by = (SELECT app_user_id()));
CREATE POLICY level_reads ON comite_discussions FOR SELECT TO hub_app
    USING (app_comite_member(comite_id) AND app_may_read(household_id, author_organisation_id, level));
CREATE POLICY facilitator_records ON comite_discussions FOR INSERT TO hub_app
    WITH CHECK (app_comite_facilitator(comite_id) AND app_door(household_id)
                AND author_organisation_id = (SELECT app_org_id()));
CREATE POLICY door_reads ON comite_objections FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, 'partners'));
CREATE POLICY facilitator_records ON comite_objections FOR INSERT TO hub_app
    WITH CHECK (app_door(household_id) AND author_organisation_id = (SELECT app_org_id())
                AND EXISTS (SELECT 1 FROM agenda_items i WHERE i.id = item_id
                            AND app_comite_facilitator(i.comite_id)));
CREATE POLICY level_reads ON comite_actions FOR SELECT TO hub_app
    USING (app_comite_member(comite_id) AND app_may_read(household_id, author_organisation_id, level));
CREATE POLICY facilitator_records ON comite_actions FOR INSERT TO hub_app
    WITH CHECK (app_comite_facilitator(comite_id) AND app_door(household_id)
                AND author_organisation_id = (SELECT app_org_id()));
-- The owner organisation or the facilitator follows an action up.
CREATE POLICY owner_follows_up ON comite_actions FOR UPDATE TO hub_app
    USING (app_door(household_id)
           AND (owner_organisation_id = (SELECT app_org_id()) OR app_comite_facilitator(comite_id)))
    WITH CHECK (app_door(household_id));
CREATE POLICY level_reads ON comite_errata FOR SELECT TO hub_app
    USING (app_comite_member(comite_id)
           AND (household_id IS NULL OR app_may_read(household_id, author_organisation_id, level)));
CREATE POLICY facilitator_corrects ON comite_errata FOR INSERT TO hub_app
    WITH CHECK (app_comite_facilitator(comite_id) AND author_organisation_id = (SELECT app_org_id())
                AND (household_id IS NULL OR app_door(household_id)));

CREATE POLICY door_reads ON comite_requests FOR SELECT TO hub_app USING (app_door(household_id));
CREATE POLICY door_asks ON comite_requests FOR INSERT TO hub_app
    WITH CHECK (app_door(household_id) AND organisation_id = (SELECT app_org_id())
                AND user_id = (SELECT app_user_id()));

-- An end the comité adopted writes the household's outcome in the facilitator's name.
CREATE POLICY comite_ends ON outcomes FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_door(household_id)
                AND EXISTS (SELECT 1 FROM comite_decisions d WHERE d.outcome_id = outcomes.id
                            AND d.household_id = outcomes.household_id AND d.adopted
                            AND d.recorded_by = (SELECT app_user_id())));

GRANT SELECT, INSERT ON coordination_cells, cell_organisations, cell_people, comite_attendance, comite_decisions,
    comite_discussions, comite_objections, comite_errata, comite_requests TO hub_app;
GRANT SELECT, INSERT, UPDATE (removed_at, added_at, added_by_organisation_id) ON cell_situations TO hub_app;
GRANT SELECT, INSERT, UPDATE (status, published_at, held_at, validated_at, diffused_at, minutes_version)
    ON comites TO hub_app;
GRANT SELECT, INSERT, UPDATE (position), DELETE ON agenda_items TO hub_app;
GRANT SELECT ON summary_sheet_entries TO hub_app;
GRANT SELECT, INSERT, UPDATE (status, closed_at) ON comite_actions TO hub_app;
REVOKE ALL ON FUNCTION app_cell_member(uuid), app_cell_facilitator(uuid), app_comite_member(uuid),
    app_comite_facilitator(uuid), comite_situation_facts(uuid), comite_publish(uuid), notify_raise_actions_due(),
    comite_place_rule_items(uuid, uuid[], jsonb[]), comite_guard(), agenda_item_household() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_cell_member(uuid), app_cell_facilitator(uuid), app_comite_member(uuid),
    app_comite_facilitator(uuid), comite_situation_facts(uuid), comite_publish(uuid), notify_raise_actions_due(),
    comite_place_rule_items(uuid, uuid[], jsonb[]) TO hub_app;
