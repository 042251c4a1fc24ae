-- A comité recorded after it was held (issue 18) publishes the summary sheets of its day:
-- each piece as the household's file stood on the comité's day, on the days the facts
-- happened (the path's stage by then, the last proposal, CAL decision, lease and contract by
-- then, an entry, slide, answer, aid decision or alert resolution only if it came by then,
-- the diagnostic validated by then). For a comité of today or ahead nothing changes: no fact
-- is dated after today. Otherwise as in sql/0008.
CREATE OR REPLACE FUNCTION comite_publish(p_comite uuid) RETURNS integer
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
        WHERE d.status = 'validated' AND d.validated_on <= c.held_on ORDER BY d.household_id, d.version DESC
    ), pieces AS (
        -- Rehousing: where the path stood, the last proposal, CAL decision and lease by then.
        -- (No stage when the household had not yet been oriented on that day.)
        SELECT i.item_id, i.household_id, 1 AS rank, 'rehousing' AS section, 'status' AS code,
               jsonb_build_object('status', s.to_state) AS value, 'partners' AS level,
               x.lead_organisation_id AS author
        FROM items i JOIN households x ON x.id = i.household_id
        JOIN LATERAL (SELECT t.to_state FROM path_transitions t WHERE t.household_id = x.id
                        AND t.occurred_on <= c.held_on ORDER BY t.occurred_on DESC, t.at DESC LIMIT 1) s ON true
        UNION ALL
        SELECT i.item_id, i.household_id, 2, 'rehousing', 'proposal',
               jsonb_build_object('proposedOn', p.proposed_on, 'flatType', f.flat_type, 'commune', f.commune,
                                  'answer', a.answer),
               p.level, p.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM proposals p WHERE p.household_id = i.household_id AND p.proposed_on <= c.held_on
                      ORDER BY p.proposed_on DESC, p.created_at DESC LIMIT 1) p ON true
        JOIN flats f ON f.id = p.flat_id
        LEFT JOIN proposal_answers a ON a.proposal_id = p.id AND a.answered_on <= c.held_on
        UNION ALL
        SELECT i.item_id, i.household_id, 3, 'rehousing', 'calDecision',
               jsonb_build_object('decidedOn', d.decided_on, 'decision', d.decision,
                                  'refusalReason', d.refusal_reason),
               d.level, d.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM cal_decisions d WHERE d.household_id = i.household_id AND d.decided_on <= c.held_on
                      ORDER BY d.decided_on DESC, d.created_at DESC LIMIT 1) d ON true
        UNION ALL
        SELECT i.item_id, i.household_id, 4, 'rehousing', 'lease',
               jsonb_build_object('kind', l.kind, 'signedOn', l.signed_on,
                                  'enteredOn', CASE WHEN l.entry_inspection_on <= c.held_on THEN l.entry_inspection_on END,
                                  'slidOn', CASE WHEN l.slid_on <= c.held_on THEN l.slid_on END),
               l.level, l.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM leases l WHERE l.household_id = i.household_id AND l.signed_on <= c.held_on
                      ORDER BY l.signed_on DESC, l.created_at DESC LIMIT 1) l ON true
        -- Follow-ups: the contract in force, the last three months' meetings per organisation, aid.
        UNION ALL
        SELECT i.item_id, i.household_id, 10, 'followUps', 'contract',
               jsonb_build_object('kind', k.kind, 'startsOn', k.starts_on, 'plannedEndOn', k.planned_end_on,
                                  'objectives', k.objectives),
               k.level, k.author_organisation_id
        FROM items i
        JOIN LATERAL (SELECT * FROM contracts k WHERE k.household_id = i.household_id AND k.signed_on <= c.held_on
                      ORDER BY k.signed_on DESC, k.created_at DESC LIMIT 1) k ON true
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
               jsonb_build_object('kind', a.kind,
                                  'status', CASE WHEN a.decided_on <= c.held_on THEN a.status ELSE 'requested' END,
                                  'amountCents', a.amount_cents,
                                  'requestedOn', a.requested_on),
               a.level, a.author_organisation_id
        FROM items i JOIN aids a ON a.household_id = i.household_id AND a.requested_on <= c.held_on
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
                                  'arrearsMonths', a.arrears_months,
                                  'resolvedOn', CASE WHEN a.resolved_on <= c.held_on THEN a.resolved_on END),
               a.level, a.author_organisation_id
        FROM items i JOIN alerts a ON a.household_id = i.household_id
        WHERE a.reported_on <= c.held_on
          AND (a.resolved_on IS NULL OR a.resolved_on > c.held_on OR a.reported_on > c.held_on - 183)
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
