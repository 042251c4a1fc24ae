-- The duration of accompaniment in the flat runs from the entry into the flat (issue 18,
-- DOMAIN.md "Time"): a new event, `endedInFlat`, for each end of a household that entered a
-- flat, its amount the days from that entry to the end. The event roll-up and its cells are
-- those of sql/0014 with that one branch more; the other roll-ups do not read them.
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
    SELECT x.programme_id, p.id, p.proposed_on, 'flatsProposed', x.id, x.public, f.departement, NULL, 0, 0
    FROM proposals p JOIN households x ON x.id = p.household_id JOIN flats f ON f.id = p.flat_id
    UNION ALL
    SELECT x.programme_id, d.id, d.decided_on,
           CASE WHEN d.decision = 'refusal' THEN 'calRefusals' ELSE 'flatsAttributed' END,
           x.id, x.public, f.departement, d.refusal_reason, 0, 0
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
    FROM meetings m JOIN households x ON x.id = m.household_id WHERE m.status = 'held';
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
