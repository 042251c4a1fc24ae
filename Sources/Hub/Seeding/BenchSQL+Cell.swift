import Foundation

extension BenchSQL {
    // The comité fixture of the agenda and minutes benchmarks (issue 6), on top of the generated
    // households (`households`): a coordination cell of the demo programme, run by ALFI
    // with Karim Haddad as its facilitator, following `--situations` situations (the first
    // generated households, by n, whose path is in accompaniment: the states
    // comite_situation_facts() looks at), and its four comités so far, on the cell's day of
    // the last four months. `hub seed-synthetic --bench cell --situations 500`, once, after the
    // households. bench/run.sh first removes an earlier cell (as the superuser: the lifecycle
    // triggers of sql/0008 refuse to delete a published agenda), so a changed cell is simply
    // made again.
    //
    // Dates. L, the last comité, was held 21 days ago; the comités before it fell on the same
    // day of the three months before (L - 1, 2, 3 months); the next one, whose agenda the
    // benchmark builds and publishes, falls one month after L (about ten days from today):
    // bench/run.sh creates its planned comités on that day, `next_comite_on` below.
    //
    //   L - 3 months  the cell's first comité: every situation on its agenda (the cell's first
    //                 review of what it takes up); minutes validated, diffused, and one erratum
    //                 (version 2). Its minutes are what the `minutes` section reads.
    //   L - 2 months, L - 1 month  about a third of the situations each (drawn from n), minutes
    //                 diffused
    //   L             about a third, held: minutes not validated yet
    //
    // So on the next comité's day the agenda rules find: six-month points falling since L, the
    // contract ends, the alerts and CAL decisions since L of the generated paths; the pending
    // requests below (partners' reviews, the référente's end proposals); and the situations
    // not reviewed at L, L - 1 and L - 2 months (about 0.65³ of those accompanied by then).
    //
    // Each held comité has the meeting a facilitator would record: the attendance of the
    // cell's five people; a decision on 96 % of its items (continue mostly; reorientation,
    // change of référent, referral to the veille, other; 2 % an end of accompaniment not
    // adopted after the bailleur's objection); a discussion on 60 % of them, 45 % of those at
    // `secret`; 0–2 actions per item (0.7 on average), 25 % at `secret`, owned by one of the
    // cell's organisations. Each agenda was published with comite_publish() (its summary
    // sheets frozen), as its facilitator.
    //
    // The partner reader: the Conseil départemental de l'Essonne is a member of the cell
    // (Thomas Leroy, ASE educator, socialWorker, bound by secret). It joins the care team of
    // the situations' young adults leaving the ASE (n % 3 = 1, a third of them) with a
    // `partners` consent: through the door of those households only, and only at `partners`.
    // These are the only rows this script adds to generated households (a care-team row and a
    // consent on about 170 of them); the household and timeline routes read other households'
    // facts the same way.
    /// The comités' cell, in one transaction, on the generated households.
    static let cell: [String] = [
        #"""
        CREATE TEMP TABLE ids AS
        SELECT (SELECT id FROM programmes WHERE name = 'Logements Hlm accompagnés 2024–2025') AS programme,
               (SELECT id FROM organisations WHERE name = 'ALFI') AS alfi,
               (SELECT id FROM organisations WHERE name = 'Croix-Rouge française') AS crf,
               (SELECT id FROM organisations WHERE name = 'Antin Résidences') AS antin,
               (SELECT id FROM organisations WHERE name = 'Conseil départemental de l''Essonne') AS dept,
               (SELECT id FROM users WHERE email = 'karim.haddad@alfi.demo') AS karim,
               (SELECT id FROM users WHERE email = 'claire.martin@alfi.demo') AS claire,
               (SELECT id FROM users WHERE email = 'nadia.benali@croix-rouge.demo') AS nadia,
               (SELECT id FROM users WHERE email = 'julie.moreau@antin.demo') AS julie,
               (SELECT id FROM users WHERE email = 'thomas.leroy@essonne.demo') AS thomas,
               md5('bench-cell')::uuid AS cell,
               current_date - 21 AS l
        """#,
        // The same deterministic draw as the households'.
        #"""
        CREATE FUNCTION pg_temp.r(n integer, k integer, lo integer, hi integer) RETURNS integer
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT lo + ((hashint8(n::bigint * 100003 + k) & 2147483647) % (hi - lo + 1)) $$
        """#,
        #"""
        SELECT set_config('bench.situations', (SELECT situations::text FROM bench_input), true)
        """#,
        #"""
        CREATE TEMP TABLE sit AS
        SELECT row_number() OVER (ORDER BY s.n)::integer AS k, s.n, s.household_id, md5('bench-situation-' || s.n)::uuid AS id,
               s.status
        FROM (SELECT g.n, h.id AS household_id, h.status
              FROM generate_series(1, (SELECT count(*) FROM households WHERE reference LIKE 'B-%')::integer) AS g (n)
              JOIN households h ON h.id = md5('bench-' || g.n)::uuid
              WHERE h.status IN ('accepted', 'diagnosed', 'candidate', 'calDecided', 'leaseSigned', 'accompaniedInFlat')
              ORDER BY g.n LIMIT (SELECT situations FROM bench_input)) s
        """#,
        #"""
        DO $$ BEGIN
            IF (SELECT count(*) FROM sit) <> current_setting('bench.situations')::integer THEN
                RAISE EXCEPTION 'comites.sql: only % generated households in accompaniment, not %',
                    (SELECT count(*) FROM sit), current_setting('bench.situations');
            END IF;
        END $$
        """#,
        #"""
        INSERT INTO coordination_cells (id, kind, programme_id, organisation_id, name, territory, facilitator_user_id,
            facilitator_name, comite_day, created_at)
        SELECT ids.cell, 'coordination', ids.programme, ids.alfi, 'Cellule de coordination Essonne (bench)', 'Essonne',
               ids.karim, 'Karim Haddad', least(extract(day FROM ids.l)::integer, 28), (ids.l - interval '4 months')::date
        FROM ids
        """#,
        #"""
        INSERT INTO cell_organisations (cell_id, organisation_id)
        SELECT ids.cell, o FROM ids, unnest(ARRAY[ids.alfi, ids.crf, ids.antin, ids.dept]) AS o
        """#,
        #"""
        INSERT INTO cell_people (cell_id, user_id, organisation_id, display_name, added_at)
        SELECT ids.cell, p.u, p.o, p.name, (ids.l - interval '4 months')::date
        FROM ids, LATERAL (VALUES (ids.karim, ids.alfi, 'Karim Haddad'), (ids.claire, ids.alfi, 'Claire Martin'),
                                  (ids.nadia, ids.crf, 'Nadia Benali'), (ids.julie, ids.antin, 'Julie Moreau'),
                                  (ids.thomas, ids.dept, 'Thomas Leroy')) AS p (u, o, name)
        """#,
        #"""
        INSERT INTO cell_situations (id, cell_id, household_id, added_by_organisation_id, added_at)
        SELECT s.id, ids.cell, s.household_id, ids.alfi, (ids.l - interval '4 months')::date + s.k % 7
        FROM sit s, ids
        """#,
        // The département's ASE educator follows the young adults leaving the ASE, at `partners`.
        #"""
        INSERT INTO care_team (household_id, organisation_id)
        SELECT s.household_id, ids.dept FROM sit s, ids WHERE s.n % 3 = 1
        ON CONFLICT (household_id, organisation_id) DO NOTHING
        """#,
        #"""
        INSERT INTO consents (id, household_id, recipient_organisation_id, level, purpose, obtained_how,
            informed_of_categories, informed_of_professionals, informed_of_medium, informed_of_protection,
            given_at, expires_at, recorded_by, recorded_by_organisation_id)
        SELECT md5('bench-consent-dept-' || s.n)::uuid, s.household_id, ids.dept, 'partners',
               'Suivi du jeune majeur sorti de l''ASE en cellule de coordination', 'writtenSigned', true, true, true, true,
               now() - interval '4 months', now() + interval '8 months', ids.nadia, ids.crf
        FROM sit s, ids WHERE s.n % 3 = 1
        ON CONFLICT (id) DO NOTHING
        """#,
        // The four comités so far: c = 3 (the first, L - 3 months) … 0 (L).
        #"""
        CREATE TEMP TABLE past AS
        SELECT c, md5('bench-comite-' || c)::uuid AS id, (ids.l - c * interval '1 month')::date AS held_on
        FROM ids, generate_series(0, 3) AS c
        """#,
        #"""
        INSERT INTO comites (id, cell_id, reference, kind, held_on, status, created_at)
        SELECT p.id, ids.cell, 'CS-BENCH0000' || p.c, 'monthly', p.held_on, 'planned', p.held_on - 40
        FROM past p, ids
        """#,
        #"""
        CREATE TEMP TABLE items AS
        SELECT p.c, p.id AS comite_id, p.held_on, s.n, s.id AS situation_id, s.household_id,
               md5('bench-item-' || p.c || '-' || s.n)::uuid AS id,
               row_number() OVER (PARTITION BY p.c ORDER BY s.n)::integer AS position
        FROM past p, sit s
        WHERE p.c = 3 OR pg_temp.r(s.n, 200 + p.c, 0, 99) < 35
        """#,
        #"""
        INSERT INTO agenda_items (id, comite_id, situation_id, household_id, position, reasons, added_by)
        SELECT i.id, i.comite_id, i.situation_id, i.household_id, i.position,
               CASE WHEN i.c = 3 THEN
                    jsonb_build_array(jsonb_build_object('kind', 'facilitator',
                                                         'detail', 'Première revue de la situation par la cellule.'))
               ELSE jsonb_build_array(jsonb_build_object('kind', r.kind, 'detail', r.detail)) END,
               CASE WHEN i.c = 3 THEN 'facilitator' ELSE 'rules' END
        FROM items i,
             LATERAL (SELECT (ARRAY['sixMonths', 'contractEnding', 'alert', 'calDecision', 'notReviewed'])[1 + x] AS kind,
                             (ARRAY['Point d''étape des six mois d''accompagnement.',
                                    'Le contrat d''accompagnement arrive à échéance.',
                                    'Une alerte du bailleur depuis le comité précédent.',
                                    'Une décision de la CAL depuis le comité précédent.',
                                    'Situation non examinée depuis 3 comités : personne n''est oublié.'])[1 + x] AS detail
                      FROM (SELECT pg_temp.r(i.n, 210 + i.c, 0, 4) AS x) x) r
        """#,
        // Publication, in order, as the facilitator would: comite_publish() freezes the summary
        // sheets (and would take up pending requests: there are none yet).
        #"""
        SELECT set_config('app.user_id', ids.karim::text, true), set_config('app.org_id', ids.alfi::text, true),
               set_config('app.roles', 'facilitator', true), set_config('app.bound', 'true', true)
        FROM ids
        """#,
        #"""
        SELECT comite_publish(p.id) FROM (SELECT id FROM past ORDER BY c DESC) p
        """#,
        #"""
        UPDATE comites c SET status = 'held', held_at = p.held_on + time '12:00' FROM past p WHERE c.id = p.id
        """#,
        #"""
        INSERT INTO comite_attendance (comite_id, user_id, organisation_id, display_name, present)
        SELECT p.id, cp.user_id, cp.organisation_id, cp.display_name,
               NOT (p.c = 1 AND cp.user_id = ids.nadia) AND NOT (p.c = 2 AND cp.user_id = ids.julie)
        FROM past p, ids, cell_people cp WHERE cp.cell_id = ids.cell
        """#,
        // Decisions: dr < 4 none; 4–5 an end of accompaniment, not adopted (the bailleur objects);
        // 6–9 reorientation, 10–14 change of référent, 15–17 referral to the veille, 18–22 other,
        // else continue.
        #"""
        CREATE TEMP TABLE decided AS
        SELECT i.*, pg_temp.r(i.n, 300 + i.c, 0, 99) AS dr FROM items i
        """#,
        #"""
        INSERT INTO comite_decisions (item_id, comite_id, household_id, decision, detail, adopted, author_organisation_id,
            recorded_by, recorded_at)
        SELECT d.id, d.comite_id, d.household_id,
               CASE WHEN d.dr < 6 THEN 'endAccompaniment' WHEN d.dr < 10 THEN 'reorient' WHEN d.dr < 15 THEN 'changeReferent'
                    WHEN d.dr < 18 THEN 'escalateToVeille' WHEN d.dr < 23 THEN 'other' ELSE 'continue' END,
               CASE WHEN d.dr BETWEEN 18 AND 22 THEN 'Point à revoir au prochain comité avec le bailleur.'
                    WHEN d.dr BETWEEN 10 AND 14 THEN 'La référente change de secteur ; passage de relais en binôme.'
                    WHEN d.dr % 4 = 0 THEN 'Poursuite de l''accompagnement, prochain point dans trois mois.' END,
               d.dr >= 6, ids.alfi, ids.karim, d.held_on + time '12:00' + d.position * interval '1 minute'
        FROM decided d, ids WHERE d.dr >= 4
        """#,
        #"""
        INSERT INTO comite_objections (item_id, comite_id, household_id, organisation_id, organisation_name, reason,
            author_organisation_id)
        SELECT d.id, d.comite_id, d.household_id, ids.antin, 'Antin Résidences',
               'Le bailleur souhaite le maintien de l''accompagnement tant que le plan d''apurement court.', ids.alfi
        FROM decided d, ids WHERE d.dr BETWEEN 4 AND 5
        """#,
        #"""
        INSERT INTO comite_discussions (item_id, comite_id, household_id, body, level, author_organisation_id)
        SELECT d.id, d.comite_id, d.household_id,
               CASE WHEN pg_temp.r(d.n, 410 + d.c, 0, 99) < 45 THEN
                    (ARRAY['La référente fait état de difficultés budgétaires et d''un suivi médical en cours ; '
                           || 'le ménage souhaite que ces éléments restent entre les professionnels tenus au secret.',
                           'Situation familiale tendue depuis la dernière visite à domicile ; une orientation vers le '
                           || 'centre médico-social est envisagée avec l''accord de la personne.'])[1 + d.n % 2]
               ELSE (ARRAY['Le ménage est bien installé, le loyer est réglé ; les partenaires n''ont pas d''inquiétude.',
                           'Le bailleur signale un retard de loyer en cours de régularisation ; un échéancier a été '
                           || 'proposé et la référente accompagnera le ménage au rendez-vous.',
                           'Les démarches d''ouverture de droits avancent ; point sur l''assurance habitation au '
                           || 'prochain comité.'])[1 + d.n % 3] END,
               CASE WHEN pg_temp.r(d.n, 410 + d.c, 0, 99) < 45 THEN 'secret' ELSE 'partners' END, ids.alfi
        FROM decided d, ids WHERE d.dr >= 4 AND pg_temp.r(d.n, 400 + d.c, 0, 99) < 60
        """#,
        // Actions: 0 (50 %), 1 (30 %) or 2 (20 %) per item, each owned by one of the cell's
        // organisations (the département only for its own households), half of them with a person.
        #"""
        INSERT INTO comite_actions (id, comite_id, item_id, household_id, description, owner_organisation_id, owner_user_id,
            owner_name, due_on, status, level, author_organisation_id, created_at, closed_at)
        SELECT md5('bench-action-' || a.c || '-' || a.n || '-' || a.j)::uuid, a.comite_id, a.id, a.household_id,
               (ARRAY['Constituer le dossier FSL maintien avec le ménage.', 'Vérifier l''attestation d''assurance habitation.',
                      'Organiser une visite conjointe bailleur – référente.', 'Relancer la CAF pour le rappel d''APL.',
                      'Proposer un rendez-vous au centre médico-social.'])[1 + (a.n + a.j) % 5],
               a.owner, CASE WHEN a.with_person THEN p.user_id END, CASE WHEN a.with_person THEN p.display_name END,
               a.held_on + 14 + pg_temp.r(a.n, 520 + a.c * 10 + a.j, 0, 46),
               CASE WHEN a.c >= 1 AND pg_temp.r(a.n, 540 + a.c * 10 + a.j, 0, 99) < 60 THEN 'done' ELSE 'open' END,
               CASE WHEN pg_temp.r(a.n, 560 + a.c * 10 + a.j, 0, 99) < 25 THEN 'secret' ELSE 'partners' END, ids.alfi,
               a.held_on + time '13:00', NULL
        FROM (SELECT i.*, j,
                     CASE WHEN o.x = 3 AND i.n % 3 <> 1 THEN ids.alfi
                          ELSE (ARRAY[ids.alfi, ids.antin, ids.crf, ids.dept])[1 + o.x] END AS owner,
                     pg_temp.r(i.n, 530 + i.c * 10 + j, 0, 1) = 0 AS with_person
              FROM items i, ids,
                   LATERAL generate_series(1, CASE WHEN pg_temp.r(i.n, 500 + i.c, 0, 9) < 5 THEN 0
                                                   WHEN pg_temp.r(i.n, 500 + i.c, 0, 9) < 8 THEN 1 ELSE 2 END) AS j,
                   LATERAL (SELECT pg_temp.r(i.n, 510 + i.c * 10 + j, 0, 3) AS x) o) a
        CROSS JOIN ids
        LEFT JOIN LATERAL (SELECT cp.user_id, cp.display_name FROM cell_people cp
                           WHERE cp.cell_id = ids.cell AND cp.organisation_id = a.owner
                           ORDER BY cp.display_name LIMIT 1) p ON true
        """#,
        #"""
        UPDATE comite_actions a SET closed_at = least(a.due_on - 3, current_date - 1) + time '17:00'
        FROM past p WHERE a.comite_id = p.id AND a.status = 'done'
        """#,
        // Minutes: validated and diffused a week after the comité, but L's (still a draft).
        #"""
        UPDATE comites c SET status = 'minutesValidated', validated_at = p.held_on + 7 + time '10:00', minutes_version = 1
        FROM past p WHERE c.id = p.id AND p.c > 0
        """#,
        #"""
        UPDATE comites c SET status = 'minutesDiffused', diffused_at = p.held_on + 7 + time '11:00'
        FROM past p WHERE c.id = p.id AND p.c > 0
        """#,
        // The first comité's erratum (version 2), on an item the département can read.
        #"""
        INSERT INTO comite_errata (id, comite_id, version, item_id, household_id, body, level, author_organisation_id,
            created_at)
        SELECT md5('bench-erratum-3')::uuid, i.comite_id, 2, i.id, i.household_id,
               'Erratum : l''action de visite conjointe est confiée au bailleur et non à l''opérateur.', 'partners', ids.alfi,
               i.held_on + 10 + time '09:00'
        FROM (SELECT * FROM items WHERE c = 3 AND n % 3 = 1 ORDER BY position LIMIT 1) i, ids
        """#,
        #"""
        UPDATE comites SET minutes_version = 2 WHERE id = md5('bench-comite-3')::uuid
        """#,
        // Pending requests since L, for the next agenda: reviews asked by Antin (4 %), the
        // département (6 % of its households), the Croix-Rouge (2 %); ends proposed by the
        // référente (3 % of the households in their flat). Two requests on one household are a few
        // minutes apart: comite_situation_facts() orders a household's requests by requested_at alone,
        // so a tie would order the agenda's reasons differently from one build to the next.
        #"""
        INSERT INTO comite_requests (id, household_id, kind, reason, organisation_id, user_id, requested_at)
        SELECT md5('bench-request-' || s.n || '-' || q.who)::uuid, s.household_id, q.kind, q.reason, q.org, q.usr,
               ids.l + 1 + pg_temp.r(s.n, 604, 0, 19) + time '10:00' + q.j * interval '17 minutes'
        FROM sit s, ids,
             LATERAL (VALUES ('antin', 'review', 'Retards de loyer répétés malgré l''échéancier.', ids.antin, ids.julie,
                              pg_temp.r(s.n, 600, 0, 99) < 4, 0),
                             ('dept', 'review', 'Fin de la prise en charge jeune majeur : faire le point sur les ressources.',
                              ids.dept, ids.thomas, s.n % 3 = 1 AND pg_temp.r(s.n, 601, 0, 99) < 6, 1),
                             ('crf', 'review', 'Le ménage a recontacté le service d''orientation.', ids.crf, ids.nadia,
                              pg_temp.r(s.n, 602, 0, 99) < 2, 2),
                             ('alfi', 'endProposal', 'Objectifs du contrat atteints, bilan de fin à tenir avec le ménage.',
                              ids.alfi, ids.claire, s.status = 'accompaniedInFlat' AND pg_temp.r(s.n, 603, 0, 99) < 3, 3))
                 AS q (who, kind, reason, org, usr, chosen, j)
        WHERE q.chosen
        """#,
    ]

    /// After the commit: the statistics the measured plans need.
    static let cellStatistics: [String] = [
        #"""
        ANALYZE coordination_cells, cell_organisations, cell_people, cell_situations, comites, agenda_items,
            summary_sheet_entries, comite_attendance, comite_decisions, comite_discussions, comite_objections, comite_actions,
            comite_errata, comite_requests, care_team, consents
        """#
    ]
}
