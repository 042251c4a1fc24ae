-- The seeds' indicators still missing (issue 22, item 4).
--
-- 1. Collective workshops and permanences (ALFI's « approche collective »): sessions per
--    programme, held by an organisation on the day they happened, of a kind and a theme from
--    fixed vocabularies, with a number of participants and never a name. Recorded and listed
--    by the persons who work on households for an organisation that works with the
--    programme's households (holder, operator, referrer, landlord: not a funder nor an
--    evaluator, who read the indicators only, R9); each organisation records its own.
-- 2. Satisfaction at the end of accompaniment: the household's answer on its outcome, or none.
-- 3. The roll-up of events made again (as in sql/0017) with: a proposal's and an attribution's
--    flat's landlord as their detail (flats proposed and attributed per landlord), the
--    satisfaction answers, and the collective sessions.
CREATE TABLE collective_sessions (
    id uuid PRIMARY KEY,
    programme_id uuid NOT NULL REFERENCES programmes (id),
    -- The organisation that held it, and the person who recorded it.
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    recorded_by uuid NOT NULL REFERENCES users (id),
    held_on date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('workshop', 'permanence')),
    theme text NOT NULL CHECK (theme IN ('tenantsRights', 'energySavings', 'rehousing', 'housingBudget', 'other')),
    participants integer NOT NULL CHECK (participants BETWEEN 0 AND 500),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX collective_sessions_programme ON collective_sessions (programme_id, held_on DESC, id DESC);

-- The acting person works on households, for an organisation that works with this
-- programme's households. SECURITY DEFINER: programme_partners' own policy is not consulted.
CREATE FUNCTION app_works_with_programme(p_programme uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT app_works_on_households() AND EXISTS (
       SELECT 1 FROM programme_partners pp
       WHERE pp.programme_id = p_programme AND pp.organisation_id = app_org_id()
         AND pp.part IN ('holder', 'operator', 'referrer', 'landlord')) $$;
REVOKE ALL ON FUNCTION app_works_with_programme(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_works_with_programme(uuid) TO hub_app;

ALTER TABLE collective_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE collective_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON collective_sessions TO hub_owner USING (true) WITH CHECK (true);
-- Sessions name nobody: the programme's partners who work with its households read them all.
CREATE POLICY partners_read ON collective_sessions FOR SELECT TO hub_app
    USING (app_works_with_programme(programme_id));
-- R6: each organisation records its own sessions, in its own name.
CREATE POLICY own_records ON collective_sessions FOR INSERT TO hub_app
    WITH CHECK (organisation_id = app_org_id() AND recorded_by = app_user_id()
                AND app_works_with_programme(programme_id));
GRANT SELECT, INSERT ON collective_sessions TO hub_app;

-- The household's answer when its accompaniment ends; null when it did not answer.
ALTER TABLE outcomes ADD COLUMN satisfaction text
    CHECK (satisfaction IN ('verySatisfied', 'ratherSatisfied', 'ratherNotSatisfied', 'notAtAllSatisfied'));

DROP MATERIALIZED VIEW indicator_cells, indicator_events;

CREATE MATERIALIZED VIEW indicator_events AS
    SELECT x.programme_id, t.id AS source_id, t.occurred_on AS on_day, 'oriented' AS indicator, x.id AS household_id,
           x.public, NULL::text AS departement, NULL::text AS detail, 0::bigint AS amount, 0 AS months
    FROM path_transitions t JOIN households x ON x.id = t.household_id WHERE t.to_state = 'oriented'
    UNION ALL
    -- A reopening (from ended or withdrawn) is not a new acceptance.
    SELECT x.programme_id, t.id, t.occurred_on, 'accepted', x.id, x.public, NULL, NULL, 0, 0
    FROM path_transitions t JOIN households x ON x.id = t.household_id
    WHERE t.to_state = 'accepted' AND t.from_state = 'oriented'
    UNION ALL
    -- The days from the last acceptance to the end: the accompaniment's duration.
    SELECT x.programme_id, t.id, t.occurred_on, 'ended', x.id, x.public, NULL, NULL,
           (t.occurred_on - (SELECT max(a.occurred_on) FROM path_transitions a WHERE a.household_id = t.household_id
                             AND a.to_state = 'accepted' AND a.at <= t.at))::bigint, 0
    FROM path_transitions t JOIN households x ON x.id = t.household_id WHERE t.to_state = 'ended'
    UNION ALL
    -- The days from the entry into the flat to the end, for households that entered one during
    -- the accompaniment that ends (not before a reopening): the accompaniment in the flat.
    SELECT x.programme_id, t.id, t.occurred_on, 'endedInFlat', x.id, x.public, NULL, NULL,
           (t.occurred_on - e.entered_on)::bigint, 0
    FROM path_transitions t JOIN households x ON x.id = t.household_id
    CROSS JOIN LATERAL (SELECT max(l.entry_inspection_on) AS entered_on FROM leases l
                        WHERE l.household_id = t.household_id AND l.entry_inspection_on <= t.occurred_on
                          AND l.entry_inspection_on >= (SELECT max(a.occurred_on) FROM path_transitions a
                                                        WHERE a.household_id = t.household_id
                                                          AND a.to_state = 'accepted' AND a.at <= t.at)) e
    WHERE t.to_state = 'ended' AND e.entered_on IS NOT NULL
    UNION ALL
    -- Days at the hotel up to the orientation, for households oriented from a hotel.
    SELECT x.programme_id, t.id, t.occurred_on, 'priorHotelStay', x.id, x.public, NULL, NULL,
           greatest(t.occurred_on - x.situation_since, 0)::bigint, 0
    FROM path_transitions t JOIN households x ON x.id = t.household_id
    WHERE t.to_state = 'oriented' AND x.current_situation = 'hotel' AND x.situation_since IS NOT NULL
    UNION ALL
    -- A proposal's detail is its flat's landlord (issue 22): flats proposed per landlord.
    SELECT x.programme_id, p.id, p.proposed_on, 'flatsProposed', x.id, x.public, f.departement,
           f.landlord_organisation_id::text, 0, 0
    FROM proposals p JOIN households x ON x.id = p.household_id JOIN flats f ON f.id = p.flat_id
    UNION ALL
    SELECT x.programme_id, d.id, d.decided_on,
           CASE WHEN d.decision = 'refusal' THEN 'calRefusals' ELSE 'flatsAttributed' END,
           -- A refusal's detail is its reason; an attribution's, the flat's landlord (issue 22).
           x.id, x.public, f.departement,
           CASE WHEN d.decision = 'refusal' THEN d.refusal_reason ELSE f.landlord_organisation_id::text END, 0, 0
    FROM cal_decisions d JOIN households x ON x.id = d.household_id
    JOIN proposals p ON p.id = d.proposal_id JOIN flats f ON f.id = p.flat_id
    WHERE d.decision IN ('attribution', 'conditionalAttribution', 'refusal')
    UNION ALL
    SELECT x.programme_id, l.id, l.signed_on, 'rehoused', x.id, x.public, f.departement, NULL, 0, 0
    FROM leases l JOIN households x ON x.id = l.household_id
    JOIN proposals p ON p.id = l.proposal_id JOIN flats f ON f.id = p.flat_id
    UNION ALL
    SELECT x.programme_id, a.id, a.reported_on, 'rentArrears', x.id, x.public, NULL, NULL, a.arrears_cents,
           a.arrears_months
    FROM alerts a JOIN households x ON x.id = a.household_id WHERE a.kind = 'rentArrears'
    UNION ALL
    SELECT x.programme_id, a.id, a.resolved_on, 'rentArrearsResolved', x.id, x.public, NULL, NULL, a.arrears_cents,
           a.arrears_months
    FROM alerts a JOIN households x ON x.id = a.household_id WHERE a.kind = 'rentArrears' AND a.resolved_on IS NOT NULL
    UNION ALL
    SELECT x.programme_id, a.id, a.decided_on, 'aidObtained', x.id, x.public, NULL, a.kind, a.amount_cents, 0
    FROM aids a JOIN households x ON x.id = a.household_id WHERE a.status = 'granted'
    UNION ALL
    SELECT x.programme_id, o.id, o.ended_on, 'outcomes', x.id, x.public, NULL, o.kind, 0, 0
    FROM outcomes o JOIN households x ON x.id = o.household_id
    UNION ALL
    -- The answer at the end, on the end's day, as the top two answers or the others: what
    -- SatisfactionShare needs, and never published as such.
    SELECT x.programme_id, o.id, o.ended_on, 'satisfaction', x.id, x.public, NULL,
           CASE WHEN o.satisfaction IN ('verySatisfied', 'ratherSatisfied') THEN 'satisfied' ELSE 'notSatisfied' END,
           0, 0
    FROM outcomes o JOIN households x ON x.id = o.household_id WHERE o.satisfaction IS NOT NULL
    UNION ALL
    -- Staying in the flat, counted when the 6 or 12 months from the entry are reached (the
    -- entry of the latest lease before the end; the end's day when none was recorded).
    SELECT x.programme_id, o.id, (coalesce(o.entered_on, o.ended_on) + interval '6 months')::date, 'stayAt6Months',
           x.id, x.public, NULL, CASE WHEN o.in_flat_at_6_months THEN 'inFlat' ELSE 'left' END, 0, 0
    FROM outcome_entries o JOIN households x ON x.id = o.household_id WHERE o.in_flat_at_6_months IS NOT NULL
    UNION ALL
    SELECT x.programme_id, o.id, (coalesce(o.entered_on, o.ended_on) + interval '12 months')::date, 'stayAt12Months',
           x.id, x.public, NULL, CASE WHEN o.in_flat_at_12_months THEN 'inFlat' ELSE 'left' END, 0, 0
    FROM outcome_entries o JOIN households x ON x.id = o.household_id WHERE o.in_flat_at_12_months IS NOT NULL
    UNION ALL
    SELECT x.programme_id, d.item_id, c.held_on, 'endsDecidedInComite', x.id, x.public, NULL, NULL, 0, 0
    FROM comite_decisions d JOIN comites c ON c.id = d.comite_id JOIN households x ON x.id = d.household_id
    WHERE d.decision = 'endAccompaniment' AND d.adopted
    UNION ALL
    SELECT x.programme_id, m.id, (m.starts_at AT TIME ZONE 'UTC')::date, 'meetingsHeld', x.id, x.public, NULL, NULL,
           0, 0
    FROM meetings m JOIN households x ON x.id = m.household_id WHERE m.status = 'held'
    UNION ALL
    -- Collective sessions: no household behind them (and no public: 'nonRenseigne' keeps the
    -- cells' keys free of nulls); the amount is the participants.
    SELECT s.programme_id, s.id, s.held_on, 'collectiveSessions', NULL::uuid, 'nonRenseigne', NULL, s.kind,
           s.participants::bigint, 0
    FROM collective_sessions s;
CREATE UNIQUE INDEX indicator_events_source ON indicator_events (indicator, source_id);

CREATE MATERIALIZED VIEW indicator_cells AS
    WITH e AS (
        SELECT programme_id, extract(year FROM on_day)::integer AS year, indicator, household_id, public,
               departement, detail, amount, months,
               to_char(on_day, 'YYYY-MM') AS m, to_char(on_day, 'YYYY-"Q"Q') AS q, to_char(on_day, 'YYYY') AS y
        FROM indicator_events
    )
    SELECT programme_id, year, indicator, coalesce(m, q, y) AS period,
           CASE WHEN GROUPING(public) = 0 THEN 'public' WHEN GROUPING(departement) = 0 THEN 'departement'
                WHEN GROUPING(detail) = 0 THEN 'detail' ELSE 'total' END AS dimension,
           CASE WHEN GROUPING(public) = 0 THEN public
                WHEN GROUPING(departement) = 0 THEN coalesce(departement, 'nonRenseigne')
                WHEN GROUPING(detail) = 0 THEN coalesce(detail, 'nonRenseigne') ELSE '' END AS category,
           count(*) AS events, count(DISTINCT household_id) AS households, sum(amount)::bigint AS amount,
           sum(months)::bigint AS months
    FROM e
    GROUP BY GROUPING SETS (
        (programme_id, year, indicator, m), (programme_id, year, indicator, m, public),
        (programme_id, year, indicator, m, departement), (programme_id, year, indicator, m, detail),
        (programme_id, year, indicator, q), (programme_id, year, indicator, q, public),
        (programme_id, year, indicator, q, departement), (programme_id, year, indicator, q, detail),
        (programme_id, year, indicator, y), (programme_id, year, indicator, y, public),
        (programme_id, year, indicator, y, departement), (programme_id, year, indicator, y, detail));
CREATE UNIQUE INDEX indicator_cells_key ON indicator_cells (programme_id, year, indicator, period, dimension, category);

REVOKE ALL ON indicator_events, indicator_cells FROM PUBLIC;
-- sql/0025's index, gone with the view.
CREATE INDEX indicator_events_programme ON indicator_events (programme_id, indicator, on_day);

-- Reports stored before this migration lack the new figures and the cells' labels: the next
-- reader computes them again.
DELETE FROM indicator_reports;
