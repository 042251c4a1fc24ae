-- The indicators on the days things happened (issue 18, DOMAIN.md "Time"): every roll-up of
-- sql/0009 made again from the facts' own days (path_transitions.occurred_on,
-- diagnostics.validated_on) instead of the moments they were recorded, with the shared
-- definitions:
--   * a household is followed in a period when its accompaniment (acceptance to end)
--     overlaps it (indicator_spans, unchanged but for its days);
--   * an end and its outcome are one event, on the end's day: the end's move now carries
--     the outcome's `ended_on`;
--   * the stays at 6 and 12 months run from the entry into the flat;
--   * a reopening is not a new acceptance;
--   * the prior hotel stay runs to the orientation's day.
DROP MATERIALIZED VIEW indicator_stock_cells, indicator_evolutions, indicator_spans, indicator_cells,
    indicator_events;

-- An outcome with the entry into the flat of the household's latest lease before its end.
CREATE VIEW outcome_entries AS
    SELECT o.*, (SELECT max(l.entry_inspection_on) FROM leases l
                 WHERE l.household_id = o.household_id AND l.entry_inspection_on <= o.ended_on) AS entered_on
    FROM outcomes o;
REVOKE ALL ON outcome_entries FROM PUBLIC;

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

CREATE MATERIALIZED VIEW indicator_spans AS
    SELECT x.programme_id, a.id AS source_id, x.id AS household_id, x.public,
           x.dalo_recognised_on IS NOT NULL AS dalo, x.action_logement_employee AS action_logement,
           a.occurred_on AS started_on,
           (SELECT e.occurred_on FROM path_transitions e WHERE e.household_id = a.household_id
              AND e.to_state IN ('ended', 'withdrawn') AND e.at > a.at ORDER BY e.at LIMIT 1) AS ended_on
    FROM path_transitions a JOIN households x ON x.id = a.household_id
    WHERE a.to_state = 'accepted';
CREATE UNIQUE INDEX indicator_spans_source ON indicator_spans (source_id);
CREATE INDEX indicator_spans_programme ON indicator_spans (programme_id, started_on);

CREATE MATERIALIZED VIEW indicator_evolutions AS
    WITH validated AS (
        SELECT d.id, d.household_id, d.validated_on,
               row_number() OVER (PARTITION BY d.household_id ORDER BY d.version) AS first_rank,
               row_number() OVER (PARTITION BY d.household_id ORDER BY d.version DESC) AS last_rank
        FROM diagnostics d WHERE d.status = 'validated'
    )
    SELECT x.programme_id, l.id AS source_id, x.id AS household_id, x.public, l.validated_on AS on_day,
           e.code AS item,
           CASE WHEN assessment_rank(e.value) > assessment_rank(f.value) THEN 'improved'
                WHEN assessment_rank(e.value) < assessment_rank(f.value) THEN 'worsened'
                ELSE 'stable' END AS evolution
    FROM validated l
    JOIN validated v ON v.household_id = l.household_id AND v.first_rank = 1 AND v.id <> l.id
    JOIN households x ON x.id = l.household_id
    JOIN diagnostic_entries e ON e.diagnostic_id = l.id AND e.kind = 'assessment'
    JOIN diagnostic_entries f ON f.diagnostic_id = v.id AND f.kind = 'assessment' AND f.code = e.code
    WHERE l.last_rank = 1 AND e.code IN ('SH-3', 'SH-1', 'SE-1')
      AND e.value <> 'nonEvalue' AND f.value <> 'nonEvalue';
CREATE UNIQUE INDEX indicator_evolutions_source ON indicator_evolutions (source_id, item);
CREATE INDEX indicator_evolutions_programme ON indicator_evolutions (programme_id, on_day);

CREATE MATERIALIZED VIEW indicator_stock_cells AS
    WITH years AS (
        SELECT generate_series(extract(year FROM min(started_on))::integer,
                               extract(year FROM greatest(max(started_on), current_date))::integer) AS y
        FROM indicator_spans
    ), periods AS (
        SELECT y AS year, y::text AS period, make_date(y, 1, 1) AS from_day, make_date(y + 1, 1, 1) AS to_day
        FROM years
        UNION ALL
        SELECT y, y || '-Q' || q, make_date(y, 3 * q - 2, 1), (make_date(y, 3 * q - 2, 1) + interval '3 months')::date
        FROM years, generate_series(1, 4) q
        UNION ALL
        SELECT y, y || '-' || lpad(m::text, 2, '0'), make_date(y, m, 1), (make_date(y, m, 1) + interval '1 month')::date
        FROM years, generate_series(1, 12) m
    ), followed AS (
        SELECT p.period, s.programme_id, s.household_id, s.public, s.dalo, s.action_logement,
               sum(least(coalesce(s.ended_on, p.to_day), p.to_day) - greatest(s.started_on, p.from_day)) AS days
        FROM periods p JOIN indicator_spans s ON s.started_on < p.to_day AND (s.ended_on IS NULL OR s.ended_on >= p.from_day)
        GROUP BY p.period, s.programme_id, s.household_id, s.public, s.dalo, s.action_logement
    )
    SELECT programme_id, period, 'followed' AS indicator, public, '' AS detail, count(*) AS households,
           sum(days) AS days
    FROM followed GROUP BY programme_id, period, public
    UNION ALL
    SELECT programme_id, period, 'daloFollowed', public, '', count(*), NULL FROM followed WHERE dalo
    GROUP BY programme_id, period, public
    UNION ALL
    SELECT programme_id, period, 'actionLogementFollowed', public, '', count(*), NULL FROM followed WHERE action_logement
    GROUP BY programme_id, period, public
    UNION ALL
    SELECT v.programme_id, p.period,
           CASE v.item WHEN 'SH-3' THEN 'budgetManagement' WHEN 'SH-1' THEN 'upkeep' ELSE 'neighbourhood' END,
           v.public, v.evolution, count(DISTINCT v.household_id), NULL
    FROM periods p JOIN indicator_evolutions v ON v.on_day >= p.from_day AND v.on_day < p.to_day
    GROUP BY v.programme_id, p.period, v.item, v.public, v.evolution;
CREATE UNIQUE INDEX indicator_stock_cells_key ON indicator_stock_cells (programme_id, period, indicator, public, detail);

REVOKE ALL ON indicator_events, indicator_cells, indicator_spans, indicator_evolutions, indicator_stock_cells FROM PUBLIC;
