import Foundation

extension SyntheticSQL {
    /// Contracts, meetings (with their notes) and aid.
    static let accompaniment: [SyntheticStatement] = [
        // The contrat d'accompagnement, signed after the diagnostic and before any proposal: AVDL
        // mostly (80 %), MASP2 (10 %, tripartite: 12–24 months), ASLL (10 %); 12 months, and at
        // least 7 past the entry into the flat (the lease and the move need 6 months of coverage).
        // Renewed (a new contract, 12 months) 15 days before its end while the path goes on; a
        // reopened accompaniment signs its own (6–12 months). Objectives: sections of the grid.
        .init(
            "contracts.insert", [.households],
            """
            INSERT INTO contracts (id, household_id, author_organisation_id, author_user_id, kind, objectives, starts_on,
                planned_end_on, signed_on, signed_by_household, signed_by_operator, signed_by_departement, level, created_at)
            SELECT pg_temp.uid('contract', c.n, v.k), c.id, s.operator, c.referent, v.kind, c.objectives, v.starts_on,
                   v.planned_end_on, v.signed_on, true, true, v.kind = 'masp2', 'partners',
                   pg_temp.at(v.signed_on, 11 * 60 + c.n % 30)
            FROM (SELECT p.n, p.id, p.t0, p.c, p.h, p.ro, p.rh, p.referent,
                         CASE WHEN k.r < 80 THEN 'avdl' WHEN k.r < 90 THEN 'masp2' ELSE 'asll' END AS kind,
                         greatest(p.t0 + p.c + CASE WHEN k.r BETWEEN 80 AND 89 THEN pg_temp.r(p.n, 101, 12, 24) ELSE 12 END
                                               * interval '1 month',
                                  p.t0 + p.e + interval '7 months')::date AS end1,
                         CASE pg_temp.r(p.n, 102, 0, 4) WHEN 0 THEN ARRAY['SL', 'SH'] WHEN 1 THEN ARRAY['PL', 'SL', 'SH']
                                                        WHEN 2 THEN ARRAY['SL', 'SH', 'BA'] WHEN 3 THEN ARRAY['SL', 'SH', 'SE']
                                                        ELSE ARRAY['PL', 'SL'] END AS objectives
                  FROM plan p, LATERAL (SELECT pg_temp.r(p.n, 100, 0, 99) AS r) k
                  WHERE p.accepted AND p.c <= p.h
                  -- OFFSET 0: each contract's end computed once, not once per use below.
                  OFFSET 0) c
            CROSS JOIN syn s
            CROSS JOIN LATERAL (
                VALUES (1, c.kind, c.t0 + c.c, c.t0 + c.c, c.end1),
                       (2, c.kind, c.end1 - 15, c.end1, (c.end1 + interval '12 months')::date),
                       (3, c.kind, (c.end1 + interval '12 months')::date - 15, (c.end1 + interval '12 months')::date,
                        (c.end1 + interval '24 months')::date),
                       (4, 'avdl', c.t0 + c.ro + pg_temp.r(c.n, 103, 0, 10), c.t0 + c.ro + pg_temp.r(c.n, 103, 0, 10),
                        (c.t0 + c.ro + pg_temp.r(c.n, 103, 0, 10) + pg_temp.r(c.n, 105, 6, 12) * interval '1 month')::date))
                AS v (k, kind, signed_on, starts_on, planned_end_on)
            WHERE (v.k < 4 AND v.signed_on <= c.t0 + c.h) OR (v.k = 4 AND v.signed_on <= c.t0 + c.rh)
            ORDER BY c.n, v.k
            """),
        // Meetings: from 3 days after acceptance, every two, three or four weeks until the entry
        // into the flat, then every week (30 %) or every two weeks until the close or the as-of
        // day, and so again in a reopened accompaniment; 90 % held (with a duration), 10 % missed;
        // the bilan de fin (endReview) with the household before an end; two planned ahead for
        // the households still accompanied. Office, phone, accompaniment to appointments and
        // workshops before the flat; home visits mostly once in it. A held meeting has a note one
        // time in five (secret, the default).
        .init(
            "meetings.insert", [.heavy], batched: true,
            """
            WITH plan_batch AS (
                SELECT p.* FROM plan p
                WHERE p.accepted AND p.n > (SELECT lo FROM syn_batch) AND p.n <= (SELECT hi FROM syn_batch)
            ), slots AS (
                SELECT p.n, p.id, p.t0, p.referent, m.mi, m.off, m.in_flat, m.planned, m.review
                FROM plan_batch p,
                     LATERAL (SELECT i AS mi, p.a + 3 + i * p.iv1 AS off, false AS in_flat, false AS planned, false AS review
                              FROM generate_series(0, (least(p.h, p.e) - 1 - p.a - 3) / p.iv1) AS i
                              WHERE least(p.h, p.e) - 1 >= p.a + 3
                              UNION ALL
                              SELECT 500 + i, p.e + 2 + i * p.iv, true, false, false
                              FROM generate_series(0, (p.h - 1 - p.e - 2) / p.iv) AS i
                              WHERE p.h - 1 >= p.e + 2
                              UNION ALL
                              SELECT 1000 + i, p.ro + 3 + i * p.iv, true, false, false
                              FROM generate_series(0, (p.rh - 1 - p.ro - 3) / p.iv) AS i
                              WHERE p.ro IS NOT NULL AND p.rh - 1 >= p.ro + 3
                              UNION ALL
                              SELECT 2000 + j, p.pos + 2 + j * CASE WHEN p.e <= p.pos OR p.ro IS NOT NULL THEN p.iv ELSE p.iv1 END,
                                     p.e <= p.pos OR p.ro IS NOT NULL, true, false
                              FROM generate_series(0, 1) AS j
                              WHERE p.open AND p.a <= p.pos
                              UNION ALL
                              SELECT 3000 + v.k, v.off, true, false, true
                              FROM (VALUES (1, CASE WHEN p.er <= p.h THEN p.er END),
                                           (2, CASE WHEN p.rer <= p.rh THEN p.rer END)) AS v (k, off)
                              WHERE v.off IS NOT NULL) m
            ), drawn AS MATERIALIZED (
                -- One draw per meeting, split into its digits (materialized: drawn once, not per use).
                SELECT sl.*, pg_temp.r(sl.n, 60000 + sl.mi, 0, 99999999) AS draw FROM slots sl
            ), made AS (
                INSERT INTO meetings (id, household_id, author_organisation_id, author_user_id, kind, status, starts_at,
                    duration_minutes, level, created_at)
                SELECT pg_temp.uid('meeting', w.n, w.mi), w.id, s.operator, w.referent, k.kind, k.status,
                       pg_temp.at(w.t0 + w.off, (9 + k.dr % 8) * 60 + 30 * (k.dr % 2)),
                       CASE WHEN k.status = 'held' THEN
                            CASE k.kind WHEN 'office' THEN 45 + 15 * (k.dr % 2) WHEN 'homeVisit' THEN 60 + 30 * (k.dr % 2)
                                        WHEN 'phone' THEN 15 + 5 * (k.dr % 3) WHEN 'accompanying' THEN 120 + 60 * (k.dr % 2)
                                        WHEN 'workshop' THEN 120 ELSE 75 END END,
                       'partners',
                       CASE WHEN k.status = 'planned' THEN pg_temp.at(s.asof, 17 * 60 + w.mi % 60)
                            ELSE pg_temp.at(w.t0 + w.off, 18 * 60) END
                FROM drawn w CROSS JOIN syn s,
                     LATERAL (SELECT w.draw % 100 AS kr, (w.draw / 100) % 100 AS mr, (w.draw / 10000) % 100 AS dr) q,
                     LATERAL (SELECT CASE WHEN w.review THEN 'endReview'
                                          WHEN w.in_flat THEN CASE WHEN q.kr < 50 THEN 'homeVisit' WHEN q.kr < 70 THEN 'office'
                                                                    WHEN q.kr < 90 THEN 'phone' ELSE 'accompanying' END
                                          ELSE CASE WHEN q.kr < 45 THEN 'office' WHEN q.kr < 65 THEN 'phone'
                                                    WHEN q.kr < 85 THEN 'accompanying' ELSE 'workshop' END END AS kind,
                                     CASE WHEN w.planned THEN 'planned' WHEN w.review THEN 'held'
                                          WHEN q.mr < 10 THEN 'missed' ELSE 'held' END AS status,
                                     q.dr) k
                ORDER BY w.n, w.mi
                RETURNING id, household_id, author_organisation_id, status
            )
            INSERT INTO meeting_notes (meeting_id, household_id, author_organisation_id, body, level)
            SELECT m.id, m.household_id, m.author_organisation_id,
                   (ARRAY['Point budget : loyer résiduel, échéancier de la dette, ouverture des droits.',
                          'Démarches : dossier CAF à compléter, rendez-vous pris avec le fournisseur d''énergie.',
                          'Installation dans le logement : assurance, compteurs, repérage du quartier et de l''école.',
                          'La personne exprime une inquiétude sur sa santé ; orientation vers le centre médico-social.'])
                       [1 + (w.draw / 1000000) % 4],
                   'secret'
            FROM drawn w JOIN made m ON m.id = pg_temp.uid('meeting', w.n, w.mi)
            WHERE m.status = 'held' AND (w.draw / 1000000) % 100 < 20
            """),
        // Aid: 0–3 per accompaniment (bench/households.sql's pattern). The first 5–20 days after
        // acceptance (food, energy, APL recovery or other); the second at the lease (FSL accès or
        // Loca-Pass) or half way; the third in the flat (FSL énergie) or two thirds of the way; a
        // reopened accompaniment asks one more (FSL or APL recovery). Decided 7–45 days later
        // (80 % granted, 20 % refused), still requested when that is after the as-of day.
        // Secret, the default level for budget details.
        .init(
            "aids.insert", [.households],
            """
            INSERT INTO aids (id, household_id, author_organisation_id, author_user_id, kind, amount_cents, status,
                requested_on, decided_on, level, created_at)
            SELECT pg_temp.uid('aid', a.n, a.k), a.id, s.operator, a.referent, a.kind,
                   100 * CASE a.kind WHEN 'foodAid' THEN pg_temp.r(a.n, 120 + a.k, 50, 300)
                                     WHEN 'fslEnergyWater' THEN pg_temp.r(a.n, 120 + a.k, 150, 800)
                                     WHEN 'aplRecovery' THEN pg_temp.r(a.n, 120 + a.k, 200, 1500)
                                     WHEN 'fslAccess' THEN pg_temp.r(a.n, 120 + a.k, 500, 2000)
                                     WHEN 'locaPass' THEN pg_temp.r(a.n, 120 + a.k, 400, 1200)
                                     ELSE pg_temp.r(a.n, 120 + a.k, 50, 500) END,
                   CASE WHEN a.decided > a.pos THEN 'requested' WHEN pg_temp.r(a.n, 125 + a.k, 0, 99) < 80 THEN 'granted'
                        ELSE 'refused' END,
                   a.t0 + a.off, CASE WHEN a.decided <= a.pos THEN a.t0 + a.decided END, 'secret',
                   pg_temp.at(a.t0 + a.off, 15 * 60 + a.k)
            FROM (SELECT ap.*, ap.off + pg_temp.r(ap.n, 130 + ap.k, 7, 45) AS decided,
                         CASE WHEN ap.k = 1 THEN CASE WHEN ap.kr < 40 THEN 'foodAid' WHEN ap.kr < 65 THEN 'fslEnergyWater'
                                                      WHEN ap.kr < 85 THEN 'aplRecovery' ELSE 'other' END
                              WHEN ap.k = 2 AND ap.leased THEN CASE WHEN ap.kr < 60 THEN 'fslAccess' ELSE 'locaPass' END
                              WHEN ap.k = 3 AND ap.housed THEN 'fslEnergyWater'
                              WHEN ap.k = 4 THEN CASE WHEN ap.kr < 50 THEN 'fslEnergyWater' ELSE 'aplRecovery' END
                              ELSE CASE WHEN ap.kr < 60 THEN 'foodAid' ELSE 'other' END END AS kind
                  FROM (SELECT p.n, p.id, p.t0, p.pos, p.referent, v.k, v.off, pg_temp.r(p.n, 114 + v.k, 0, 99) AS kr,
                               p.l <= p.h AS leased, p.e + pg_temp.r(p.n, 113, 30, 120) <= p.h AS housed
                        FROM plan p,
                             LATERAL (VALUES (1, p.a + pg_temp.r(p.n, 111, 5, 20)),
                                             (2, CASE WHEN p.l <= p.h THEN p.l - pg_temp.r(p.n, 112, 3, 14)
                                                      ELSE p.a + (p.h - p.a) / 2 END),
                                             (3, CASE WHEN p.e + pg_temp.r(p.n, 113, 30, 120) <= p.h
                                                      THEN p.e + pg_temp.r(p.n, 113, 30, 120)
                                                      ELSE p.a + 2 * (p.h - p.a) / 3 END)) AS v (k, off)
                        WHERE p.accepted AND v.k <= pg_temp.r(p.n, 110, 0, 3) AND v.off > p.a AND v.off <= p.h
                        UNION ALL
                        SELECT p.n, p.id, p.t0, p.pos, p.referent, 4, p.ro + pg_temp.r(p.n, 118, 5, 30),
                               pg_temp.r(p.n, 119, 0, 99), true, true
                        FROM plan p
                        WHERE p.ro IS NOT NULL AND p.ro + pg_temp.r(p.n, 118, 5, 30) <= p.rh) ap) a
            CROSS JOIN syn s
            ORDER BY a.n, a.k
            """),
    ]
}
