// Over 400 lines: one ordered list of SQL statements (cells, comités, agendas, decisions,
// actions, minutes) that depend on each other in this order; split, it would read out of order.
import Foundation

extension SyntheticSQL {
    /// Coordination cells, their monthly comités, agendas, decisions and follow-ups.
    static let comites: [SyntheticStatement] = [
        // The households' rows are committed by now, but the planner knows them only once
        // analysed: the comités' statements join these.
        .init(
            "comites.analyze.households", [.comites],
            """
            ANALYZE households, contracts, cal_decisions, alerts
            """),
        // A coordination cell per département, run by the opérateur with one of its two
        // facilitators, its members the opérateur, the orienteur and the département's bailleur;
        // its monthly comité on the département's day.
        .init(
            "cells.plan", [.comites],
            """
            CREATE TEMP TABLE cplan ON COMMIT DROP AS
            SELECT d.k, pg_temp.uid('cell', d.k, 0) AS id, d.code, d.name, d.comite_day,
                   s.facilitators[1 + d.k % 2] AS facilitator, s.facilitator_names[1 + d.k % 2] AS facilitator_name,
                   CASE d.landlord WHEN 1 THEN s.landlord_a ELSE s.landlord_b END AS landlord,
                   CASE d.landlord WHEN 1 THEN s.landlord_a_name ELSE s.landlord_b_name END AS landlord_name,
                   s.officers[d.landlord] AS officer, s.officer_names[d.landlord] AS officer_name,
                   1 + d.k % 6 AS w1, 1 + (d.k + 1) % 6 AS w2,
                   -- The last comité on or before the as-of day.
                   pg_temp.cidx(s.asof + 1, d.comite_day) - 1 AS last_held
            FROM syn_depts d CROSS JOIN syn s
            """),
        .init(
            "cells.insert", [.comites],
            """
            INSERT INTO coordination_cells (id, kind, programme_id, organisation_id, name, territory, facilitator_user_id,
                facilitator_name, comite_day, created_at)
            SELECT c.id, 'coordination', s.programme, s.operator, left('Cellule ' || c.name || ' — ' || i.programme_name, 200),
                   c.name || ' (' || c.code || ')', c.facilitator, c.facilitator_name, c.comite_day,
                   pg_temp.at(s.start - 20, 10 * 60)
            FROM cplan c CROSS JOIN syn s CROSS JOIN syn_input i
            ORDER BY c.k
            """),
        .init(
            "cells.organisations", [.comites],
            """
            INSERT INTO cell_organisations (cell_id, organisation_id)
            SELECT c.id, o.org
            FROM cplan c CROSS JOIN syn s, LATERAL (VALUES (s.operator), (s.referrer), (c.landlord)) AS o (org)
            ORDER BY c.k, o.org
            """),
        // Invited: the facilitator, the cheffe de service and two référentes of the opérateur, the
        // bailleur's housing officer, the orienteur's social worker.
        .init(
            "cells.people", [.comites],
            """
            INSERT INTO cell_people (cell_id, user_id, organisation_id, display_name, added_at)
            SELECT c.id, v.usr, v.org, v.name, pg_temp.at(s.start - 20, 10 * 60 + 5)
            FROM cplan c CROSS JOIN syn s,
                 LATERAL (VALUES (c.facilitator, s.operator, c.facilitator_name),
                                 (s.head, s.operator, (SELECT u.name FROM syn_users u WHERE u.role = 'head')),
                                 (s.workers[c.w1], s.operator, s.worker_names[c.w1]),
                                 (s.workers[c.w2], s.operator, s.worker_names[c.w2]),
                                 (c.officer, c.landlord, c.officer_name),
                                 (s.referrer_worker, s.referrer, s.referrer_worker_name)) AS v (usr, org, name)
            ORDER BY c.k, v.usr
            """),
        // Every monthly comité from the programme's first month to three ahead of the as-of day;
        // those on or before it were held.
        .init(
            "comites.plan", [.comites],
            """
            CREATE TEMP TABLE kplan ON COMMIT DROP AS
            SELECT c.k AS ck, c.id AS cell, m.m, pg_temp.uid('comite', c.k, m.m) AS id, pg_temp.cday(m.m, c.comite_day) AS held_on,
                   m.m <= c.last_held AS held, c.facilitator, c.landlord, c.officer
            FROM cplan c CROSS JOIN syn s,
                 LATERAL generate_series(pg_temp.cidx(s.start, c.comite_day), c.last_held + 3) AS m (m)
            """),
        .init(
            "comites.insert", [.comites],
            """
            INSERT INTO comites (id, cell_id, reference, kind, held_on, status, created_at)
            SELECT k.id, k.cell, 'CS-' || upper(left(md5(s.key || ':comite:' || k.ck::text || ':' || k.m::text), 10)), 'monthly',
                   k.held_on, 'planned', pg_temp.at(k.held_on - 40, 9 * 60)
            FROM kplan k CROSS JOIN syn s
            ORDER BY k.ck, k.m
            """),
        // Every accepted household is a situation of its département's cell from its acceptance.
        .init(
            "situations.insert", [.comites],
            """
            INSERT INTO cell_situations (id, cell_id, household_id, added_by_organisation_id, added_at)
            SELECT pg_temp.uid('situation', p.n, 0), c.id, p.id, s.operator, pg_temp.at(p.t0 + p.a, 14 * 60)
            FROM plan p JOIN cplan c ON c.k = p.dk CROSS JOIN syn s
            WHERE p.accepted AND p.a <= p.pos
            ORDER BY p.n
            """),
        // The accompaniments (from acceptance or reopening to the end or withdrawal, open on the
        // as-of day) and the comités of the cell that fell in each.
        .init(
            "spans", [.comites],
            """
            CREATE TEMP TABLE spans ON COMMIT DROP AS
            SELECT p.n, p.id, p.dk, 1 AS span, p.t0 + p.a AS starts, CASE WHEN p.closed THEN p.t0 + p.t END AS ends,
                   p.t0 + p.t AS end_day, p.by_comite AS comite_end, p.objection
            FROM plan p
            WHERE p.accepted AND p.a <= p.pos
            UNION ALL
            SELECT p.n, p.id, p.dk, 2, p.t0 + p.ro, CASE WHEN p.rx <= p.pos THEN p.t0 + p.rx END, p.t0 + p.rx, true, false
            FROM plan p
            WHERE p.ro IS NOT NULL
            """),
        .init(
            "active", [.comites],
            """
            CREATE TEMP TABLE active ON COMMIT DROP AS
            SELECT sp.n, sp.id, sp.span, sp.dk, m.m, pg_temp.cidx(sp.starts, c.comite_day) AS first_m, sp.starts,
                   sp.comite_end AND sp.end_day = pg_temp.cday(m.m, c.comite_day) AS ending,
                   sp.objection AND (sp.end_day - interval '1 month')::date = pg_temp.cday(m.m, c.comite_day) AS objected
            FROM spans sp
            JOIN cplan c ON c.k = sp.dk
            CROSS JOIN LATERAL generate_series(pg_temp.cidx(sp.starts, c.comite_day),
                                               least(c.last_held, pg_temp.cidx(coalesce(sp.ends, date '9999-12-30') + 1,
                                                                               c.comite_day) - 1)) AS m (m)
            """),
        .init(
            "active.index", [.comites],
            """
            CREATE UNIQUE INDEX ON active (n, m)
            """),
        .init(
            "active.month", [.comites],
            """
            CREATE INDEX ON active (m)
            """),
        .init(
            "active.analyze", [.comites],
            """
            ANALYZE active
            """),
        // The référente's end proposals (after the bilan de fin; again after an objection), and
        // the bailleur's review requests after three arrears alerts in ten. Taken up by the comité
        // that reviewed them, pending when they come after the last comité.
        .init(
            "requests.plan", [.comites],
            """
            CREATE TEMP TABLE rplan ON COMMIT DROP AS
            SELECT r.*, pg_temp.cidx(r.day, c.comite_day) AS m
            FROM (SELECT p.n, p.id, p.dk, v.j, v.kind, v.day, v.org, v.usr, v.reason
                  FROM plan p CROSS JOIN syn s,
                       LATERAL (VALUES (1, 'endProposal', CASE WHEN p.by_comite THEN p.t0 + p.er + pg_temp.r(p.n, 210, 1, 2) END,
                                        s.operator, p.referent,
                                        'Objectifs du contrat atteints : bilan de fin tenu avec le ménage, fin proposée.'),
                                       (2, 'endProposal', CASE WHEN p.objection
                                                               THEN (p.t0 + p.t - interval '1 month')::date
                                                                    + pg_temp.r(p.n, 211, 3, 20) END,
                                        s.operator, p.referent,
                                        'Le plan d''apurement est respecté : la fin de l''accompagnement est proposée à nouveau.'),
                                       (3, 'endProposal', p.t0 + p.rer + pg_temp.r(p.n, 212, 1, 2), s.operator, p.referent,
                                        'Accompagnement rouvert : objectifs atteints, bilan de fin tenu avec le ménage.'))
                           AS v (j, kind, day, org, usr, reason)
                  WHERE v.day IS NOT NULL AND v.day <= s.asof AND (v.j = 3 OR v.day <= p.t0 + p.h)
                  UNION ALL
                  SELECT a.n, a.id, a.dk, 10 + a.j, 'review', a.reported_on + pg_temp.r(a.n, 215 + a.j, 1, 10), a.org, a.usr,
                         'Impayés de loyer : le bailleur demande un point sur le plan d''apurement.'
                  FROM (SELECT p.n, p.id, p.dk, al.reported_on, al.author_organisation_id AS org, al.author_user_id AS usr,
                               row_number() OVER (PARTITION BY p.n ORDER BY al.reported_on, al.created_at)::integer AS j
                        FROM plan p JOIN alerts al ON al.household_id = p.id
                        WHERE al.kind = 'rentArrears') a
                  CROSS JOIN syn s
                  WHERE pg_temp.r(a.n, 220 + a.j, 0, 9) < 3 AND a.reported_on + pg_temp.r(a.n, 215 + a.j, 1, 10) <= s.asof) r
            JOIN cplan c ON c.k = r.dk
            """),
        .init(
            "requests.insert", [.comites],
            """
            INSERT INTO comite_requests (id, household_id, kind, reason, organisation_id, user_id, requested_at, level, comite_id)
            SELECT pg_temp.uid('request', r.n, r.j), r.id, r.kind, r.reason, r.org, r.usr,
                   pg_temp.at(r.day, 10 * 60 + r.j * 7), 'partners',
                   CASE WHEN a.n IS NOT NULL THEN pg_temp.uid('comite', r.dk, r.m) END
            FROM rplan r
            LEFT JOIN active a ON a.n = r.n AND a.m = r.m
            WHERE a.n IS NOT NULL OR r.m > (SELECT c.last_held FROM cplan c WHERE c.k = r.dk)
            ORDER BY r.n, r.j
            """),
        // Why each situation is on an agenda, as AgendaRules would say it (Tenancy/AgendaRules):
        // six months of accompaniment, the contract's end, alerts and CAL decisions since the
        // previous comité, the référente's end proposal, a partner's request; "personne n'est
        // oublié" is decided month by month below. A new accompaniment is presented by its
        // référente at the cell's first comité after its acceptance (a facilitator's item).
        .init(
            "reasons", [.comites],
            """
            CREATE TEMP TABLE reasons ON COMMIT DROP AS
            SELECT e.n, e.m, e.ord, e.reason
            FROM (SELECT a.n, a.m, 1 AS ord,
                         jsonb_build_object('kind', 'sixMonths', 'detail',
                                            (6 * g.k)::text || ' mois d''accompagnement le '
                                            || to_char((a.starts + g.k * interval '6 months')::date, 'DD/MM/YYYY') || '.') AS reason
                  FROM active a JOIN cplan c ON c.k = a.dk, generate_series(1, 4) AS g (k)
                  WHERE (a.starts + g.k * interval '6 months')::date > pg_temp.cday(a.m - 1, c.comite_day)
                    AND (a.starts + g.k * interval '6 months')::date <= pg_temp.cday(a.m, c.comite_day)
                  UNION ALL
                  SELECT p.n, pg_temp.cidx(k.planned_end_on, c.comite_day), 2,
                         jsonb_build_object('kind', 'contractEnding', 'detail',
                                            'Le contrat d''accompagnement arrive à échéance le '
                                            || to_char(k.planned_end_on, 'DD/MM/YYYY') || '.')
                  FROM plan p JOIN contracts k ON k.household_id = p.id JOIN cplan c ON c.k = p.dk
                  UNION ALL
                  SELECT x.n, x.m, 3, jsonb_build_object('kind', 'alert', 'detail',
                                                        CASE WHEN count(*) = 1 THEN 'Une alerte du bailleur depuis le comité précédent.'
                                                             ELSE count(*)::text || ' alertes du bailleur depuis le comité précédent.' END)
                  FROM (SELECT p.n, pg_temp.cidx(al.reported_on, c.comite_day) AS m
                        FROM plan p JOIN alerts al ON al.household_id = p.id JOIN cplan c ON c.k = p.dk) x
                  GROUP BY x.n, x.m
                  UNION ALL
                  SELECT x.n, x.m, 4, jsonb_build_object('kind', 'calDecision', 'detail',
                                                        CASE WHEN count(*) = 1 THEN 'Une décision de la CAL depuis le comité précédent.'
                                                             ELSE count(*)::text || ' décisions de la CAL depuis le comité précédent.' END)
                  FROM (SELECT p.n, pg_temp.cidx(d.decided_on, c.comite_day) AS m
                        FROM plan p JOIN cal_decisions d ON d.household_id = p.id JOIN cplan c ON c.k = p.dk) x
                  GROUP BY x.n, x.m
                  UNION ALL
                  SELECT r.n, r.m, 5, jsonb_build_object('kind', 'endProposed', 'detail',
                                                        'Le référent propose la fin de l''accompagnement ('
                                                        || to_char(r.day, 'DD/MM/YYYY') || ').')
                  FROM rplan r WHERE r.kind = 'endProposal'
                  UNION ALL
                  SELECT r.n, r.m, 6, jsonb_build_object('kind', 'partnerRequest', 'detail', 'Demande d''un partenaire : ' || r.reason,
                                                        'organisationId', r.org)
                  FROM rplan r WHERE r.kind = 'review') e
            """),
        .init(
            "reasons.index", [.comites],
            """
            CREATE INDEX ON reasons (n, m)
            """),
        .init(
            "reasons.analyze", [.comites],
            """
            ANALYZE reasons
            """),
        // The comités that reviewed each situation: its presentation, those where a rule above
        // applies, and those where it had not been reviewed at the last three comités while
        // followed since the first of them (AgendaRules' « personne n'est oublié »), which depends
        // on the reviews before: decided one month after the other.
        .init(
            "reviews", [.comites],
            """
            CREATE TEMP TABLE reviewed (n integer, m integer, forgotten boolean, PRIMARY KEY (n, m)) ON COMMIT DROP
            """),
        .init(
            "reviews.months", [.comites],
            """
            DO $$
            DECLARE
                month integer;
            BEGIN
                FOR month IN SELECT DISTINCT a.m FROM active a ORDER BY 1 LOOP
                    INSERT INTO reviewed (n, m, forgotten)
                    SELECT a.n, a.m, f.forgotten
                    FROM active a
                    CROSS JOIN LATERAL (
                        SELECT a.m - 3 >= a.first_m
                               AND NOT EXISTS (SELECT 1 FROM reviewed v WHERE v.n = a.n AND v.m BETWEEN a.m - 3 AND a.m - 1)
                                   AS forgotten) f
                    WHERE a.m = month
                      AND (a.m = a.first_m OR f.forgotten OR EXISTS (SELECT 1 FROM reasons r WHERE r.n = a.n AND r.m = a.m));
                END LOOP;
            END
            $$
            """),
        .init(
            "items.plan", [.comites],
            """
            CREATE TEMP TABLE iplan ON COMMIT DROP AS
            SELECT a.n, a.id AS household, a.dk, a.m, a.span, a.ending, a.objected, pg_temp.uid('item', a.n, a.m) AS id,
                   pg_temp.uid('comite', a.dk, a.m) AS comite, a.m = a.first_m AS presented,
                   CASE WHEN a.m = a.first_m THEN
                            jsonb_build_array(jsonb_build_object('kind', 'facilitator', 'detail',
                                CASE WHEN a.span = 1 THEN 'Présentation de la situation au comité par la référente.'
                                     ELSE 'Réouverture de l''accompagnement : présentation de la situation au comité.' END))
                        ELSE coalesce(g.reasons, '[]'::jsonb)
                             || CASE WHEN v.forgotten THEN
                                    jsonb_build_array(jsonb_build_object('kind', 'notReviewed', 'detail',
                                        'Situation non examinée depuis 3 comités : personne n''est oublié.'))
                                ELSE '[]'::jsonb END END AS reasons
            FROM reviewed v
            JOIN active a ON a.n = v.n AND a.m = v.m
            LEFT JOIN (SELECT r.n, r.m, jsonb_agg(r.reason ORDER BY r.ord, r.reason::text) AS reasons FROM reasons r
                       GROUP BY r.n, r.m) g ON g.n = a.n AND g.m = a.m
            """),
        .init(
            "items.position", [.comites],
            """
            ALTER TABLE iplan ADD COLUMN position integer, ADD COLUMN mi integer
            """),
        // The facilitator's items first, then the rules' in the order of the situations.
        .init(
            "items.order", [.comites],
            """
            UPDATE iplan i SET position = o.position, mi = i.m - 24288
            FROM (SELECT id, row_number() OVER (PARTITION BY comite ORDER BY presented DESC, n)::integer AS position FROM iplan) o
            WHERE o.id = i.id
            """),
        .init(
            "items.analyze", [.comites],
            """
            ANALYZE iplan
            """),
        // The agenda's triggers look its situation and comité up (agenda_item_household(),
        // comite_guard()): analysed first, their plans use the indexes.
        .init(
            "items.analyze.tables", [.comites],
            """
            ANALYZE coordination_cells, cell_organisations, cell_people, cell_situations, comites, agenda_items, comite_requests
            """),
        .init(
            "items.insert", [.comites],
            """
            INSERT INTO agenda_items (id, comite_id, situation_id, household_id, position, reasons, added_by)
            SELECT i.id, i.comite, pg_temp.uid('situation', i.n, 0), i.household, i.position, i.reasons,
                   CASE WHEN i.presented THEN 'facilitator' ELSE 'rules' END
            FROM iplan i
            ORDER BY i.comite, i.position
            """),
        // Published a week before, without frozen fiches de synthèse: comite_publish() copies what
        // each household holds now, not what it held on the comité's day, and for every agenda of
        // two years at national scale it would write tens of millions of rows.
        .init(
            "comites.published", [.comites],
            """
            UPDATE comites c SET status = 'agendaPublished', published_at = pg_temp.at(k.held_on - 7, 18 * 60)
            FROM kplan k WHERE c.id = k.id AND k.held
            """),
        .init(
            "comites.held", [.comites],
            """
            UPDATE comites c SET status = 'held', held_at = pg_temp.at(k.held_on, 12 * 60)
            FROM kplan k WHERE c.id = k.id AND k.held
            """),
        // The invited people of the cell: the facilitator always there, the bailleur whenever it
        // objects to an end, the others nine times in ten.
        .init(
            "comites.attendance", [.comites],
            """
            INSERT INTO comite_attendance (comite_id, user_id, organisation_id, display_name, present)
            SELECT k.id, cp.user_id, cp.organisation_id, cp.display_name,
                   cp.user_id = k.facilitator
                   OR (cp.user_id = k.officer AND k.id IN (SELECT i.comite FROM iplan i WHERE i.objected))
                   OR pg_temp.r(k.ck * 1000 + k.m - 24288, 99100 + cp.j, 0, 9) <> 0
            FROM kplan k
            JOIN (SELECT p.*, row_number() OVER (PARTITION BY p.cell_id ORDER BY p.user_id)::integer AS j FROM cell_people p) cp
                ON cp.cell_id = k.cell
            WHERE k.held
            ORDER BY k.ck, k.m, cp.user_id
            """),
        .init(
            "decisions.plan", [.comites],
            """
            CREATE TEMP TABLE dec ON COMMIT DROP AS
            SELECT i.*, k.held_on, k.facilitator, k.landlord, c.landlord_name, pg_temp.r(i.n, 10000 + i.mi * 10, 0, 99) AS dr,
                   CASE WHEN i.ending THEN 'endAccompaniment' WHEN i.objected THEN 'endAccompaniment'
                        WHEN pg_temp.r(i.n, 10000 + i.mi * 10, 0, 99) < 3 THEN NULL
                        WHEN pg_temp.r(i.n, 10000 + i.mi * 10, 0, 99) < 5 THEN 'reorient'
                        WHEN pg_temp.r(i.n, 10000 + i.mi * 10, 0, 99) < 8 THEN 'changeReferent'
                        WHEN pg_temp.r(i.n, 10000 + i.mi * 10, 0, 99) < 9 THEN 'escalateToVeille'
                        WHEN pg_temp.r(i.n, 10000 + i.mi * 10, 0, 99) < 13 THEN 'other'
                        ELSE 'continue' END AS decision
            FROM iplan i JOIN kplan k ON k.id = i.comite JOIN cplan c ON c.k = k.ck
            """),
        // An end is adopted at the comité of its day (it wrote the outcome); one in sixteen was
        // proposed the month before and not adopted, the bailleur objecting.
        .init(
            "decisions.insert", [.comites],
            """
            INSERT INTO comite_decisions (item_id, comite_id, household_id, decision, detail, adopted, outcome_id,
                author_organisation_id, recorded_by, recorded_at, level)
            SELECT d.id, d.comite, d.household, d.decision,
                   CASE WHEN d.ending THEN 'Fin de l''accompagnement après le bilan de fin tenu avec le ménage.'
                        WHEN d.objected THEN 'Fin proposée par la référente ; le bailleur s''y oppose tant que le plan d''apurement court.'
                        WHEN d.decision = 'reorient' THEN 'Réorientation vers un accompagnement renforcé (ASLL).'
                        WHEN d.decision = 'changeReferent' THEN 'Changement de référente : passage de relais en binôme.'
                        WHEN d.decision = 'escalateToVeille' THEN 'Situation portée en veille sociale de l''opérateur.'
                        WHEN d.decision = 'other' THEN 'Point à revoir au prochain comité avec le bailleur.'
                        WHEN d.dr % 4 = 0 THEN 'Poursuite de l''accompagnement, prochain point dans trois mois.' END,
                   NOT d.objected OR d.ending, CASE WHEN d.ending THEN pg_temp.uid('outcome', d.n, d.span) END, s.operator,
                   d.facilitator, pg_temp.at(d.held_on, 10 * 60 + d.position % 120), 'partners'
            FROM dec d CROSS JOIN syn s
            WHERE d.decision IS NOT NULL
            ORDER BY d.comite, d.position
            """),
        .init(
            "objections.insert", [.comites],
            """
            INSERT INTO comite_objections (item_id, comite_id, household_id, organisation_id, organisation_name, reason,
                author_organisation_id)
            SELECT d.id, d.comite, d.household, d.landlord, d.landlord_name,
                   'Le bailleur souhaite le maintien de l''accompagnement tant que le plan d''apurement court.', s.operator
            FROM dec d CROSS JOIN syn s
            WHERE d.objected AND NOT d.ending
            ORDER BY d.comite, d.position
            """),
        // The discussion's summary on half of the decided items, 40 % of them at `secret`.
        .init(
            "discussions.insert", [.comites],
            """
            INSERT INTO comite_discussions (item_id, comite_id, household_id, body, level, author_organisation_id)
            SELECT d.id, d.comite, d.household,
                   CASE WHEN q.secret THEN
                        (ARRAY['La référente fait état de difficultés budgétaires et d''un suivi médical en cours ; '
                               || 'le ménage souhaite que ces éléments restent entre les professionnels tenus au secret.',
                               'Situation familiale tendue depuis la dernière visite à domicile ; une orientation vers le '
                               || 'centre médico-social est envisagée avec l''accord de la personne.'])[1 + d.n % 2]
                   ELSE (ARRAY['Le ménage est bien installé, le loyer est réglé ; les partenaires n''ont pas d''inquiétude.',
                               'Le bailleur signale un retard de loyer en cours de régularisation ; un échéancier a été '
                               || 'proposé et la référente accompagnera le ménage au rendez-vous.',
                               'Les démarches d''ouverture de droits avancent ; point sur l''assurance habitation au '
                               || 'prochain comité.'])[1 + d.n % 3] END,
                   CASE WHEN q.secret THEN 'secret' ELSE 'partners' END, s.operator
            FROM dec d CROSS JOIN syn s,
                 LATERAL (SELECT pg_temp.r(d.n, 10000 + d.mi * 10 + 2, 0, 99) < 40 AS secret) q
            WHERE d.decision IS NOT NULL AND pg_temp.r(d.n, 10000 + d.mi * 10 + 1, 0, 99) < 50
            ORDER BY d.comite, d.position
            """),
        // Follow-up actions: none (55 %), one (30 %) or two (15 %) per item, owned by one of the
        // cell's organisations (half of them by a named person), due 2–6 weeks after the comité;
        // done (75 %), cancelled (5 %) or still open when due before the as-of day; 20 % secret.
        .init(
            "actions.insert", [.comites],
            """
            INSERT INTO comite_actions (id, comite_id, item_id, household_id, description, owner_organisation_id, owner_user_id,
                owner_name, due_on, status, level, author_organisation_id, created_at, closed_at)
            SELECT pg_temp.uid('action', a.n, a.m * 10 + a.j), a.comite, a.id, a.household,
                   (ARRAY['Constituer le dossier FSL maintien avec le ménage.', 'Vérifier l''attestation d''assurance habitation.',
                          'Organiser une visite conjointe bailleur – référente.', 'Relancer la CAF pour le rappel d''APL.',
                          'Proposer un rendez-vous au centre médico-social.'])[1 + (a.n + a.j) % 5],
                   a.owner, CASE WHEN a.named THEN a.owner_user END, CASE WHEN a.named THEN a.owner_name END,
                   a.due_on, a.status, CASE WHEN pg_temp.r(a.n, 10000 + a.mi * 10 + 9, 0, 99) < 20 THEN 'secret' ELSE 'partners' END,
                   s.operator, pg_temp.at(a.held_on, 13 * 60),
                   CASE WHEN a.status <> 'open' THEN pg_temp.at(least(a.due_on - pg_temp.r(a.n, 10000 + a.mi * 10 + 8, 0, 10), s.asof),
                                                                17 * 60) END
            FROM (SELECT d.*, j, o.owner, o.owner_user, o.owner_name, pg_temp.r(d.n, 10000 + d.mi * 10 + 4 + j, 0, 1) = 0 AS named,
                         d.held_on + pg_temp.r(d.n, 10000 + d.mi * 10 + 5 + j, 14, 45) AS due_on,
                         CASE WHEN d.held_on + pg_temp.r(d.n, 10000 + d.mi * 10 + 5 + j, 14, 45) > s.asof THEN 'open'
                              WHEN pg_temp.r(d.n, 10000 + d.mi * 10 + 7 + j, 0, 99) < 75 THEN 'done'
                              WHEN pg_temp.r(d.n, 10000 + d.mi * 10 + 7 + j, 0, 99) < 80 THEN 'cancelled'
                              ELSE 'open' END AS status
                  FROM dec d CROSS JOIN syn s JOIN cplan c ON c.k = d.dk,
                       LATERAL generate_series(1, CASE WHEN pg_temp.r(d.n, 10000 + d.mi * 10 + 3, 0, 99) < 55 THEN 0
                                                       WHEN pg_temp.r(d.n, 10000 + d.mi * 10 + 3, 0, 99) < 85 THEN 1
                                                       ELSE 2 END) AS j,
                       LATERAL (SELECT (ARRAY[s.operator, s.referrer, c.landlord])[1 + pg_temp.r(d.n, 10000 + d.mi * 10 + 6, 0, 2)]
                                           AS owner,
                                       (ARRAY[s.workers[c.w1], s.referrer_worker, c.officer])
                                           [1 + pg_temp.r(d.n, 10000 + d.mi * 10 + 6, 0, 2)] AS owner_user,
                                       (ARRAY[s.worker_names[c.w1], s.referrer_worker_name, c.officer_name])
                                           [1 + pg_temp.r(d.n, 10000 + d.mi * 10 + 6, 0, 2)] AS owner_name) o
                  WHERE d.decision IS NOT NULL) a
            CROSS JOIN syn s
            ORDER BY a.comite, a.position, a.j
            """),
        // Minutes validated six days after the comité and diffused the day after, but for the
        // comités of the last two weeks (held, minutes pending).
        .init(
            "comites.validated", [.comites],
            """
            UPDATE comites c SET status = 'minutesValidated', validated_at = pg_temp.at(k.held_on + 6, 10 * 60), minutes_version = 1
            FROM kplan k CROSS JOIN syn s WHERE c.id = k.id AND k.held AND k.held_on <= s.asof - 14
            """),
        .init(
            "comites.diffused", [.comites],
            """
            UPDATE comites c SET status = 'minutesDiffused', diffused_at = pg_temp.at(k.held_on + 7, 11 * 60)
            FROM kplan k CROSS JOIN syn s WHERE c.id = k.id AND k.held AND k.held_on <= s.asof - 14
            """),
        // One diffused comité in thirty gets an erratum (version 2 of its minutes).
        .init(
            "errata.insert", [.comites],
            """
            INSERT INTO comite_errata (id, comite_id, version, body, level, author_organisation_id, created_at)
            SELECT pg_temp.uid('erratum', k.ck, k.m), k.id, 2,
                   'Erratum : la visite conjointe est confiée au bailleur et non à l''opérateur ; la date du prochain point '
                   || 'est corrigée.', 'partners', s.operator, pg_temp.at(k.held_on + 10, 9 * 60)
            FROM kplan k CROSS JOIN syn s
            WHERE k.held AND k.held_on <= s.asof - 14 AND pg_temp.r(k.ck * 1000 + k.m - 24288, 99000, 0, 29) = 0
            ORDER BY k.ck, k.m
            """),
        .init(
            "errata.version", [.comites],
            """
            UPDATE comites c SET minutes_version = 2 FROM comite_errata e WHERE e.comite_id = c.id
              AND c.id IN (SELECT id FROM kplan)
            """),
    ]
}
