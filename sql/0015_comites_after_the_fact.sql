-- Comités recorded after they were held (issue 18, DOMAIN.md "Time"): the agenda's rules read
-- the facts as they stood on the comité's own day, on the days those facts happened. As in
-- sql/0008, with: a situation is on the rules' list when its household was accompanied that
-- day (its latest move by then), the accompaniment's start is its acceptance's day, the
-- contract is the latest signed by then, alerts and CAL decisions are those up to that day,
-- and only the cell's comités held before it count as earlier reviews.
CREATE OR REPLACE FUNCTION comite_situation_facts(p_comite uuid)
RETURNS TABLE (situation_id uuid, accompanied_since date, contract_ends_on date, alerts_on date[],
               cal_decisions_on date[], end_proposed_on date, requests jsonb, reviewed_on date[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    SELECT s.id,
           (SELECT max(t.occurred_on) FROM path_transitions t WHERE t.household_id = x.id AND t.to_state = 'accepted'
              AND t.occurred_on <= c.held_on),
           (SELECT k.planned_end_on FROM contracts k WHERE k.household_id = x.id AND k.signed_on <= c.held_on
            ORDER BY k.signed_on DESC, k.created_at DESC LIMIT 1),
           ARRAY(SELECT a.reported_on FROM alerts a WHERE a.household_id = x.id
                 AND a.reported_on > c.held_on - 400 AND a.reported_on <= c.held_on),
           ARRAY(SELECT d.decided_on FROM cal_decisions d WHERE d.household_id = x.id
                 AND d.decided_on > c.held_on - 400 AND d.decided_on <= c.held_on),
           (SELECT min(r.requested_at)::date FROM comite_requests r WHERE r.household_id = x.id
            AND r.comite_id IS NULL AND r.kind = 'endProposal' AND r.requested_at::date <= c.held_on),
           coalesce((SELECT jsonb_agg(jsonb_build_object('organisationId', r.organisation_id, 'reason', r.reason)
                                      ORDER BY r.requested_at, r.id)
                     FROM comite_requests r WHERE r.household_id = x.id AND r.comite_id IS NULL
                       AND r.kind = 'review' AND r.requested_at::date <= c.held_on), '[]'::jsonb),
           ARRAY(SELECT e.held_on FROM agenda_items i JOIN comites e ON e.id = i.comite_id
                 WHERE i.household_id = x.id AND e.cell_id = c.cell_id AND e.id <> c.id AND e.held_on < c.held_on
                   AND e.status IN ('held', 'minutesValidated', 'minutesDiffused'))
    FROM comites c
    JOIN cell_situations s ON s.cell_id = c.cell_id AND s.removed_at IS NULL
    JOIN households x ON x.id = s.household_id
    WHERE c.id = p_comite AND c.status = 'planned' AND app_cell_facilitator(c.cell_id)
      AND (SELECT t.to_state FROM path_transitions t WHERE t.household_id = x.id AND t.occurred_on <= c.held_on
           ORDER BY t.occurred_on DESC, t.at DESC LIMIT 1)
          IN ('accepted', 'diagnosed', 'candidate', 'calDecided', 'leaseSigned', 'accompaniedInFlat')
$$;
