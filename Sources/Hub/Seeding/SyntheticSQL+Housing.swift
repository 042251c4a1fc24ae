import Foundation

extension SyntheticSQL {
    /// The bailleurs' flats, proposals and answers, CAL decisions, leases, alerts and outcomes.
    static let housing: [SyntheticStatement] = [
        // Proposals: one flat of the département's bailleur each (its own reference), with as many
        // rooms as the household needs (one more, one time in five); the second flat of
        // scenarios 2 and 3.
        .init(
            "proposals.plan", [.households],
            """
            CREATE TEMP TABLE pplan ON COMMIT DROP AS
            SELECT p.n, p.id, p.t0, p.h, p.dept, p.dk, p.landlord, p.officer, p.referent, v.k, v.off, v.answered, v.refused,
                   least(6, CASE WHEN p.persons <= 1 THEN 1 WHEN p.persons = 2 THEN 2 WHEN p.persons <= 4 THEN 3
                                 WHEN p.persons = 5 THEN 4 ELSE 5 END
                            + CASE WHEN pg_temp.r(p.n, 140 + v.k, 0, 9) < 2 THEN 1 ELSE 0 END) AS rooms
            FROM plan p,
                 LATERAL (VALUES (1, p.p1, p.p1a, p.sc = 2), (2, p.p2, p.p2a, false)) AS v (k, off, answered, refused)
            WHERE p.accepted AND v.off IS NOT NULL AND v.off <= p.h
            """),
        .init(
            "flats.insert", [.households],
            """
            INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement, flat_type, rent_cents,
                charges_cents, contingent, available_from, created_at)
            SELECT pg_temp.uid('flat', f.n, f.k), f.landlord, f.officer, 'L' || s.prefix || '-' || lpad(f.n::text, 7, '0') || '-' || f.k,
                   d.communes[1 + pg_temp.r(f.n, 144 + f.k, 0, cardinality(d.communes) - 1)], f.dept, 'T' || f.rooms,
                   100 * (220 + 90 * f.rooms + pg_temp.r(f.n, 146 + f.k, 0, 150)), 100 * pg_temp.r(f.n, 148 + f.k, 60, 150),
                   CASE WHEN f.cr < 55 THEN 'landlord' WHEN f.cr < 80 THEN 'prefecture' ELSE 'actionLogement' END,
                   f.t0 + f.off - pg_temp.r(f.n, 150 + f.k, 0, 30), pg_temp.at(f.t0 + f.off - pg_temp.r(f.n, 150 + f.k, 0, 30), 10 * 60)
            FROM (SELECT pp.*, pg_temp.r(pp.n, 152 + pp.k, 0, 99) AS cr FROM pplan pp) f
            JOIN syn_depts d ON d.k = f.dk
            CROSS JOIN syn s
            ORDER BY f.n, f.k
            """),
        .init(
            "proposals.insert", [.households],
            """
            INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id, proposed_on, level,
                created_at)
            SELECT pg_temp.uid('proposal', pp.n, pp.k), pp.id, pg_temp.uid('flat', pp.n, pp.k), pp.landlord, pp.officer,
                   pp.t0 + pp.off, 'partners', pg_temp.at(pp.t0 + pp.off, 9 * 60 + 90 + pp.n % 20)
            FROM pplan pp
            ORDER BY pp.n, pp.k
            """),
        // The household's answer, recorded by its référente: the first flat refused in scenario 2
        // (a reason, and a comment), every other one accepted.
        .init(
            "answers.insert", [.households],
            """
            INSERT INTO proposal_answers (proposal_id, household_id, author_organisation_id, author_user_id, answer,
                refusal_reason, comment, answered_on, level, created_at)
            SELECT pg_temp.uid('proposal', pp.n, pp.k), pp.id, s.operator, pp.referent,
                   CASE WHEN pp.refused THEN 'refused' ELSE 'accepted' END,
                   CASE WHEN pp.refused THEN (ARRAY['location', 'flatType', 'rent', 'condition', 'personal', 'other'])
                                             [1 + pg_temp.r(pp.n, 155, 0, 5)] END,
                   CASE WHEN pp.refused THEN 'Le ménage a visité le logement et ne donne pas suite.' END,
                   pp.t0 + pp.answered, 'partners', pg_temp.at(pp.t0 + pp.answered, 16 * 60)
            FROM pplan pp CROSS JOIN syn s
            WHERE pp.answered <= pp.h
            ORDER BY pp.n, pp.k
            """),
        // The CAL: on the first flat, or the second one in scenario 2; in scenario 3 a refusal
        // (one of the seven reasons), then an attribution of the second flat; in scenario 4 a
        // postponement, then an attribution of the same flat. One attribution in ten is
        // conditional.
        .init(
            "cal.insert", [.households],
            """
            INSERT INTO cal_decisions (id, household_id, proposal_id, author_organisation_id, author_user_id, decided_on,
                decision, refusal_reason, condition, level, created_at)
            SELECT pg_temp.uid('cal', p.n, v.k), p.id, pg_temp.uid('proposal', p.n, v.proposal), p.landlord, p.officer,
                   p.t0 + v.off, v.decision,
                   CASE WHEN v.decision = 'refusal' THEN
                        (ARRAY['insufficientResources', 'incompleteFile', 'unsuitableType', 'rentArrearsHistory', 'overOccupancy',
                               'otherCandidatePreferred', 'other'])[1 + pg_temp.r(p.n, 156, 0, 6)] END,
                   CASE WHEN v.decision = 'conditionalAttribution' THEN
                        'Ouverture des droits APL et mise en place du prélèvement du loyer avant l''entrée.' END,
                   'partners', pg_temp.at(p.t0 + v.off, 9 * 60 + 5 * 25 + p.n % 20 - 5)
            FROM plan p,
                 LATERAL (VALUES (1, p.cal1, CASE WHEN p.sc = 2 THEN 2 ELSE 1 END,
                                  CASE p.sc WHEN 3 THEN 'refusal' WHEN 4 THEN 'postponement'
                                            ELSE CASE WHEN pg_temp.r(p.n, 157, 0, 9) = 0 THEN 'conditionalAttribution'
                                                      ELSE 'attribution' END END),
                                 (2, p.cal2, CASE WHEN p.sc = 3 THEN 2 ELSE 1 END,
                                  CASE WHEN pg_temp.r(p.n, 158, 0, 9) = 0 THEN 'conditionalAttribution' ELSE 'attribution' END))
                     AS v (k, off, proposal, decision)
            WHERE p.accepted AND v.off IS NOT NULL AND v.off <= p.h
            ORDER BY p.n, v.k
            """),
        // The lease of the attributed flat: direct (80 %) or sliding (20 %: it slides to the
        // household 6–18 months after the entry, when that is before the close); the référente
        // attends 85 % of signatures.
        .init(
            "leases.insert", [.households],
            """
            INSERT INTO leases (id, household_id, proposal_id, author_organisation_id, author_user_id, kind, signed_on,
                referent_attended, entry_inspection_on, slid_on, level, created_at)
            SELECT pg_temp.uid('lease', p.n, 1), p.id, pg_temp.uid('proposal', p.n, CASE WHEN p.sc IN (2, 3) THEN 2 ELSE 1 END),
                   s.operator, p.referent, CASE WHEN v.sliding THEN 'sliding' ELSE 'direct' END, p.t0 + p.l,
                   pg_temp.r(p.n, 160, 0, 99) < 85, CASE WHEN p.e <= p.h THEN p.t0 + p.e END,
                   CASE WHEN v.sliding AND v.slide <= p.h THEN p.t0 + v.slide END,
                   'partners', pg_temp.at(p.t0 + p.l, 9 * 60 + 8 * 25 + p.n % 20 - 5)
            FROM plan p CROSS JOIN syn s,
                 LATERAL (SELECT pg_temp.r(p.n, 161, 0, 99) < 20 AS sliding, p.e + pg_temp.r(p.n, 162, 180, 540) AS slide) v
            WHERE p.accepted AND p.l <= p.h
            ORDER BY p.n
            """),
        // The bailleur's alerts, for households in their flat for a month at least: rent arrears
        // 15 % (1–6 months, 150–600 € a month), missing insurance 5 %, neighbourhood 4 %, upkeep
        // 3 %; three in four resolved 2–17 weeks later (when that is before the as-of day). A
        // reopened accompaniment follows an arrears alert reported in the 20 days before.
        .init(
            "alerts.insert", [.households],
            """
            INSERT INTO alerts (id, household_id, author_organisation_id, author_user_id, kind, reported_on, arrears_cents,
                arrears_months, comment, resolved_on, resolution, level, created_at)
            SELECT pg_temp.uid('alert', a.n, a.j), a.id, a.landlord, a.officer, a.kind, a.t0 + a.off,
                   CASE WHEN a.kind = 'rentArrears' THEN a.months * 100 * pg_temp.r(a.n, 171 + a.j, 150, 600)
                                                         + pg_temp.r(a.n, 176 + a.j, 0, 99) END,
                   CASE WHEN a.kind = 'rentArrears' THEN a.months END,
                   CASE a.kind WHEN 'rentArrears' THEN 'Loyers impayés signalés par le service contentieux.'
                               WHEN 'missingInsurance' THEN 'Attestation d''assurance habitation non transmise.'
                               WHEN 'neighbourhood' THEN 'Plaintes de voisinage pour bruit.'
                               ELSE 'Défaut d''entretien constaté lors d''une visite technique.' END,
                   CASE WHEN a.solved <= a.pos THEN a.t0 + a.solved END,
                   CASE WHEN a.solved <= a.pos THEN
                        CASE a.kind WHEN 'rentArrears' THEN 'Plan d''apurement signé, FSL maintien accordé.'
                                    WHEN 'missingInsurance' THEN 'Attestation reçue.'
                                    WHEN 'neighbourhood' THEN 'Médiation avec le voisinage, plus de plainte.'
                                    ELSE 'Travaux d''entretien réalisés, contre-visite satisfaisante.' END END,
                   'partners', pg_temp.at(a.t0 + a.off, 11 * 60 + a.j)
            FROM (SELECT r.*, CASE WHEN pg_temp.r(r.n, 185 + r.j, 0, 99) < 75 THEN r.off + pg_temp.r(r.n, 190 + r.j, 15, 120)
                              END AS solved
                  FROM (SELECT p.n, p.id, p.t0, p.pos, p.landlord, p.officer, v.kind, v.j, pg_temp.r(p.n, 170, 1, 6) AS months,
                               p.e + 30 + floor(pg_temp.r(p.n, 180 + v.j, 0, 999) / 1000.0 * (p.h - p.e - 30))::integer AS off
                        FROM plan p,
                             LATERAL (VALUES ('rentArrears', 0, 15), ('missingInsurance', 1, 5), ('neighbourhood', 2, 4),
                                             ('upkeep', 3, 3)) AS v (kind, j, percent)
                        WHERE p.accepted AND p.e + 30 <= p.h AND pg_temp.r(p.n, 195 + v.j, 0, 99) < v.percent
                        UNION ALL
                        SELECT p.n, p.id, p.t0, p.pos, p.landlord, p.officer, 'rentArrears', 4, pg_temp.r(p.n, 170, 1, 6),
                               p.ro - pg_temp.r(p.n, 184, 0, 20)
                        FROM plan p WHERE p.ro IS NOT NULL) r) a
            ORDER BY a.n, a.j
            """),
        // The sortie of an ended accompaniment: after the flat, staying in the programme's stock
        // mostly (a slid lease: slidingLease); before it, rehoused by another bailleur or other.
        // Recorded by the facilitator when the comité decided it, else by the référente. The stay
        // at 6 and 12 months is known once that time has passed (93 % and 85 % still in the flat).
        .init(
            "outcomes.insert", [.households],
            """
            INSERT INTO outcomes (id, household_id, author_organisation_id, author_user_id, kind, ended_on, in_flat_at_6_months,
                in_flat_at_12_months, level, created_at)
            SELECT pg_temp.uid('outcome', o.n, o.k), o.id, s.operator, o.author, o.kind, o.t0 + o.off,
                   CASE WHEN o.after_flat AND (o.t0 + o.off + interval '6 months')::date <= s.asof THEN o.s6 < 93 END,
                   CASE WHEN o.after_flat AND (o.t0 + o.off + interval '12 months')::date <= s.asof THEN o.s6 < 93 AND o.s12 < 92 END,
                   'partners', pg_temp.at(o.t0 + o.off, 9 * 60 + 20 * 25 + o.n % 20 + 5)
            FROM (SELECT p.n, p.id, p.t0, 1 AS k, p.t AS off, p.fate = 'ended' AS after_flat,
                         CASE WHEN p.by_comite THEN p.facilitator ELSE p.referent END AS author,
                         CASE WHEN p.fate = 'endedEarly' THEN CASE WHEN q.r < 70 THEN 'rehousedOtherLandlord' ELSE 'other' END
                              -- The lease slid (leases.insert's draws).
                              WHEN pg_temp.r(p.n, 161, 0, 99) < 20 AND p.e + pg_temp.r(p.n, 162, 180, 540) <= p.h
                                  THEN 'slidingLease'
                              WHEN q.r < 82 THEN 'rehousedInProgrammeStock' WHEN q.r < 88 THEN 'associativeManager'
                              WHEN q.r < 95 THEN 'voluntaryDeparture' ELSE 'other' END AS kind,
                         pg_temp.r(p.n, 201, 0, 99) AS s6, pg_temp.r(p.n, 202, 0, 99) AS s12
                  FROM plan p, LATERAL (SELECT pg_temp.r(p.n, 200, 0, 99) AS r) q
                  WHERE p.terminal = 'ended' AND p.closed
                  UNION ALL
                  SELECT p.n, p.id, p.t0, 2, p.rx, true, p.facilitator,
                         CASE WHEN pg_temp.r(p.n, 203, 0, 99) < 85 THEN 'rehousedInProgrammeStock' ELSE 'voluntaryDeparture' END,
                         pg_temp.r(p.n, 204, 0, 99), pg_temp.r(p.n, 205, 0, 99)
                  FROM plan p WHERE p.rx <= p.pos) o
            CROSS JOIN syn s
            ORDER BY o.n, o.k
            """),
    ]
}
