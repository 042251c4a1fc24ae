// Over 400 lines: one ordered list of SQL statements that build the benchmarks' households in
// one transaction; split, the order they depend on would be spread over several files.
import Foundation

extension BenchSQL {
    // Generated households for the benchmarks, on top of the demo data (hub seed-demo):
    // `--households` households of the demo programme, led by ALFI (référente Claire Martin),
    // oriented by the Croix-Rouge, followed by Antin Résidences (the programme's bailleur) with
    // a `partners` consent, each with 2–4 persons, a validated diagnostic (every item assessed
    // and commented, the person's view on each section, préconisations) and 5 notes at mixed
    // levels; and each with a path (sql/0007) over the last two years: its transitions, a
    // contract, meetings, aid, the bailleur's flats and proposals, the household's answers,
    // CAL decisions, a lease, alerts and the outcome, as far as its path went.
    // `hub seed-synthetic --bench households --households 10000`, as the owner.
    //
    // Everything is derived from n (1..N), so a rerun generates the same rows (dates are
    // relative to the day of the run): ids are md5('bench-…' || n …)::uuid, and the "random"
    // choices are pg_temp.r(n, k, lo, hi), a hash of (n, k). The rates are in bench/README.md.
    //
    // How a path is drawn. Each household has an ideal path, as days after its orientation:
    // accepted (7–30 days later), diagnostic validated (21–60), contract (0–21), a first
    // proposal (14–90), the household's answer (3–14), the CAL (10–35 after the accepted
    // proposal's answer), the lease (7–30), the entry inspection (3–21), the end (180–360 days
    // in the flat). Four scenarios lead from the first proposal to the lease:
    //   1 (70 %): proposal accepted, CAL attribution (1 in 10 conditional);
    //   2 (15 %): the household refuses the first flat, accepts a second one, attribution;
    //   3 (8 %):  CAL refusal (a reason from the fixed list), a second flat, attribution;
    //   4 (7 %):  CAL postponement, the same file back 4–9 weeks later, attribution.
    // Then the household's group says where "yesterday" falls on that path (the group's
    // share: 5 % diagnosed, 14 % candidate or CAL decided, 3 % lease signed, 40 % in the flat,
    // 27 % ended after the flat, 3 % ended before it (rehoused elsewhere), 8 % withdrawn at
    // some stage). Only what happened by then is written, and the household's status is the
    // last transition's state. Orientation is therefore 1 month to 2 years ago.
    //
    // The insert trigger of sql/0007 writes a transition (null → the status as inserted, at
    // now()) for each household: those rows are replaced by the generated transitions, with
    // their dates, organisations and users, each move one the update trigger would accept.
    //
    // The timeline route's audit levels follow from n: every generated row of the path is at
    // `partners` except aid (`secret`), and a household has (n / 7) % 4 aids, the first one requested
    // 5–20 days after acceptance (well inside the first page of 50 entries). So the first
    // page discloses {partners, secret} when (n / 7) % 4 > 0, {partners} otherwise, as
    // bench/timeline.pgbench assumes (bench/run.sh checks both cases against the hub).
    /// The households and their paths, in one transaction.
    static let households: [String] = [
        #"""
        CREATE TEMP TABLE ids AS
        SELECT (SELECT id FROM programmes WHERE name = 'Logements Hlm accompagnés 2024–2025') AS programme,
               (SELECT id FROM organisations WHERE name = 'ALFI') AS alfi,
               (SELECT id FROM organisations WHERE name = 'Croix-Rouge française') AS crf,
               (SELECT id FROM organisations WHERE name = 'Antin Résidences') AS antin,
               (SELECT id FROM users WHERE email = 'claire.martin@alfi.demo') AS claire,
               (SELECT id FROM users WHERE email = 'nadia.benali@croix-rouge.demo') AS nadia,
               (SELECT id FROM users WHERE email = 'julie.moreau@antin.demo') AS julie,
               -- Yesterday: the last day anything past happened; planned meetings come after today.
               current_date - 1 AS yesterday
        """#,
        // A deterministic draw in lo..hi for household n and purpose k (inlined: plain SQL).
        #"""
        CREATE FUNCTION pg_temp.r(n integer, k integer, lo integer, hi integer) RETURNS integer
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT lo + ((hashint8(n::bigint * 100003 + k) & 2147483647) % (hi - lo + 1)) $$
        """#,
        // The moment of an event: day `off` after t0, `minutes` after midnight, in UTC (the
        // timeline's days are UTC days).
        #"""
        CREATE FUNCTION pg_temp.at(t0 date, off integer, minutes integer) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT ((t0 + off)::timestamp + minutes * interval '1 minute') AT TIME ZONE 'UTC' $$
        """#,
        #"""
        CREATE TEMP TABLE generated AS
        -- Ids derived from n, so that the benchmark's clients (wrk and pgbench) can name any of them.
        SELECT md5('bench-' || n)::uuid AS id, n FROM generate_series(1, (SELECT households FROM bench_input)) AS n
        """#,
        // The ideal path (days after orientation), then where yesterday falls on it.
        #"""
        CREATE TEMP TABLE plan AS
        SELECT g.n, g.id, s.sc, s.a, s.d, s.c, s.p1, s.p1a, s.p2, s.p2 + pg_temp.r(g.n, 8, 3, 14) AS p2a, s.cal1, s.cal2,
               s.l, s.e, s.e + pg_temp.r(g.n, 13, 180, 360) AS x,
               CASE WHEN s.grp < 5 THEN 'diagnosed' WHEN s.grp < 19 THEN 'candidate' WHEN s.grp < 22 THEN 'leaseSigned'
                    WHEN s.grp < 62 THEN 'inFlat' WHEN s.grp < 89 THEN 'ended' WHEN s.grp < 92 THEN 'endedEarly'
                    ELSE 'withdrawn' END AS grp,
               pg_temp.r(g.n, 22, 0, 9) AS wsub, pg_temp.r(g.n, 20, 0, 999) / 1000.0 AS fr
        FROM generated g
        CROSS JOIN LATERAL (SELECT pg_temp.r(g.n, 1, 0, 99) AS grp, pg_temp.r(g.n, 2, 0, 99) AS sc_r,
                                   pg_temp.r(g.n, 3, 7, 30) AS a) s0
        CROSS JOIN LATERAL (SELECT s0.a + pg_temp.r(g.n, 4, 21, 60) AS d) s1
        CROSS JOIN LATERAL (SELECT s1.d + pg_temp.r(g.n, 5, 0, 21) AS c) s2
        CROSS JOIN LATERAL (SELECT s2.c + pg_temp.r(g.n, 6, 14, 90) AS p1,
                                   CASE WHEN s0.sc_r < 70 THEN 1 WHEN s0.sc_r < 85 THEN 2 WHEN s0.sc_r < 93 THEN 3 ELSE 4 END AS sc)
             s3
        CROSS JOIN LATERAL (SELECT s3.p1 + pg_temp.r(g.n, 7, 3, 14) AS p1a) s4
        -- Scenario 2: the second proposal follows the refusal; the CAL examines the second flat.
        CROSS JOIN LATERAL (SELECT CASE s3.sc WHEN 2 THEN s4.p1a + pg_temp.r(g.n, 9, 20, 60) + pg_temp.r(g.n, 8, 3, 14)
                                              ELSE s4.p1a END + pg_temp.r(g.n, 10, 10, 35) AS cal1) s5
        CROSS JOIN LATERAL (SELECT CASE s3.sc WHEN 2 THEN s4.p1a + pg_temp.r(g.n, 9, 20, 60)
                                              WHEN 3 THEN s5.cal1 + pg_temp.r(g.n, 9, 20, 60) END AS p2) s6
        CROSS JOIN LATERAL (SELECT CASE s3.sc WHEN 3 THEN s6.p2 + pg_temp.r(g.n, 8, 3, 14) + pg_temp.r(g.n, 11, 10, 35)
                                              WHEN 4 THEN s5.cal1 + pg_temp.r(g.n, 11, 28, 63) END AS cal2) s7
        CROSS JOIN LATERAL (SELECT coalesce(s7.cal2, s5.cal1) + pg_temp.r(g.n, 12, 7, 30) AS l) s8
        CROSS JOIN LATERAL (SELECT s8.l + pg_temp.r(g.n, 14, 3, 21) AS e) s9
        CROSS JOIN LATERAL (SELECT s0.grp, s0.a, s1.d, s2.c, s3.p1, s3.sc, s4.p1a, s5.cal1, s6.p2, s7.cal2, s8.l, s9.e) s
        """#,
        // cut: the last day of the path that is written (the end or the withdrawal for a closed
        // path); pos: yesterday, as days after orientation; t0: the day of orientation.
        #"""
        ALTER TABLE plan ADD COLUMN cut integer, ADD COLUMN pos integer, ADD COLUMN terminal text, ADD COLUMN t0 date
        """#,
        #"""
        UPDATE plan SET cut = CASE grp
                WHEN 'diagnosed' THEN d + floor(fr * (p1 - d))
                WHEN 'candidate' THEN p1 + floor(fr * (l - p1))
                WHEN 'leaseSigned' THEN l + floor(fr * (e - l))
                WHEN 'inFlat' THEN e + floor(fr * (least(360, greatest(30, 730 - e)) + 1))
                WHEN 'ended' THEN x
                WHEN 'endedEarly' THEN p1 + 1 + floor(fr * (l - p1 - 1))
                ELSE CASE WHEN wsub < 4 THEN d + 1 + floor(fr * (p1 - d - 1))
                          WHEN wsub < 7 THEN p1 + 1 + floor(fr * (l - p1 - 1))
                          ELSE e + 1 + floor(fr * 300) END
            END,
            terminal = CASE grp WHEN 'ended' THEN 'ended' WHEN 'endedEarly' THEN 'ended' WHEN 'withdrawn' THEN 'withdrawn' END
        """#,
        #"""
        UPDATE plan SET pos = CASE grp
                WHEN 'ended' THEN x + 1 + floor(fr * greatest(30, 730 - x))
                WHEN 'endedEarly' THEN cut + pg_temp.r(n, 21, 1, 200)
                WHEN 'withdrawn' THEN cut + pg_temp.r(n, 21, 1, 150)
                ELSE cut
            END
        """#,
        #"""
        UPDATE plan SET t0 = (SELECT yesterday FROM ids) - pos
        """#,
        // The moves, as the trigger would have recorded them (the terminal one last, on its day).
        #"""
        CREATE TEMP TABLE steps AS
        SELECT p.n, p.id, p.t0, s.seq, s.off, s.to_state, s.org, s.usr
        FROM plan p, ids,
             LATERAL (VALUES (1, 0, 'oriented', ids.crf, ids.nadia),
                             (2, p.a, 'accepted', ids.alfi, ids.claire),
                             (3, p.d, 'diagnosed', ids.alfi, ids.claire),
                             (4, p.p1, 'candidate', ids.antin, ids.julie),
                             (5, p.cal1, 'calDecided', ids.antin, ids.julie),
                             (6, CASE WHEN p.sc = 3 THEN p.p2 END, 'candidate', ids.antin, ids.julie),
                             (7, CASE WHEN p.sc = 3 THEN p.cal2 END, 'calDecided', ids.antin, ids.julie),
                             (8, p.l, 'leaseSigned', ids.alfi, ids.claire),
                             (9, p.e, 'accompaniedInFlat', ids.alfi, ids.claire),
                             (20, CASE WHEN p.terminal IS NOT NULL THEN p.cut END, p.terminal, ids.alfi, ids.claire))
                 AS s(seq, off, to_state, org, usr)
        WHERE s.off IS NOT NULL AND s.off <= p.cut
        """#,
        #"""
        INSERT INTO households (id, reference, programme_id, status, oriented_by, lead_organisation_id, referent_user_id,
            referent_name, single_parent, current_situation, situation_since, public, dalo_recognised_on, dalo_departement,
            action_logement_employee, resources_category, created_at, last_contact_at)
        SELECT g.id, 'B-' || lpad(g.n::text, 8, '0'), ids.programme, f.to_state, ids.crf, ids.alfi, ids.claire,
               'Claire Martin', g.n % 3 = 0,
               (ARRAY['hotel', 'socialResidence', 'chrs', 'hostedByThirdParty'])[1 + g.n % 4],
               p.t0 - 200 - (g.n % 1300), (ARRAY['hotelFamily', 'youngAdultLeavingAse', 'greatPrecarity'])[1 + g.n % 3],
               CASE WHEN g.n % 2 = 0 THEN p.t0 - 100 - (g.n % 900) END, CASE WHEN g.n % 2 = 0 THEN '91' END,
               g.n % 5 = 0, (ARRAY['employment', 'transferIncome', 'minimaSociaux'])[1 + g.n % 3],
               pg_temp.at(p.t0, 0, 9 * 60 + 25 + g.n % 20), pg_temp.at(p.t0, p.cut, 17 * 60)
        FROM generated g JOIN plan p USING (id)
        JOIN (SELECT DISTINCT ON (id) id, to_state FROM steps ORDER BY id, seq DESC) f USING (id), ids
        """#,
        // The insert trigger recorded "null → <status> now" for each: replaced by the real path.
        #"""
        DELETE FROM path_transitions WHERE household_id IN (SELECT id FROM generated)
        """#,
        #"""
        INSERT INTO path_transitions (id, household_id, from_state, to_state, organisation_id, user_id, at)
        SELECT md5('bench-path-' || n || '-' || seq)::uuid, id,
               lag(to_state) OVER (PARTITION BY id ORDER BY seq), to_state, org, usr,
               pg_temp.at(t0, off, 9 * 60 + seq * 25 + n % 20)
        FROM steps
        """#,
        #"""
        INSERT INTO household_persons (id, household_id, position, first_name, last_name, birth_date, relation)
        SELECT gen_random_uuid(), g.id, p, 'Prénom' || p, 'Nom' || g.n,
               CASE WHEN p = 0 THEN date '1975-01-01' + (g.n % 8000) ELSE date '2008-01-01' + ((g.n * p) % 5000) END,
               CASE WHEN p = 0 THEN 'applicant' ELSE 'child' END
        FROM generated g, generate_series(0, 1 + g.n % 3) AS p
        """#,
        #"""
        INSERT INTO care_team (household_id, organisation_id)
        SELECT g.id, o FROM generated g, ids, unnest(ARRAY[ids.alfi, ids.crf, ids.antin]) AS o
        """#,
        #"""
        INSERT INTO consents (id, household_id, recipient_organisation_id, level, purpose, obtained_how,
            informed_of_categories, informed_of_professionals, informed_of_medium, informed_of_protection,
            given_at, expires_at, recorded_by, recorded_by_organisation_id)
        SELECT gen_random_uuid(), g.id, r.org, r.level, 'Accompagnement vers et dans le logement', 'writtenSigned',
               true, true, true, true, now() - interval '1 month', now() + interval '11 months', ids.nadia, ids.crf
        FROM generated g, ids,
             LATERAL (VALUES (ids.crf, 'secret'), (ids.alfi, 'secret'), (ids.antin, 'partners')) AS r(org, level)
        """#,
        // Drafted after acceptance, validated the day the path moves to `diagnosed`.
        #"""
        INSERT INTO diagnostics (id, household_id, version, status, author_organisation_id, referent_name, created_by,
            created_at, updated_at, validated_at, validated_by, validated_on)
        SELECT gen_random_uuid(), p.id, 1, 'validated', ids.alfi, 'Claire Martin', ids.claire,
               pg_temp.at(p.t0, p.a + 5, 14 * 60), pg_temp.at(p.t0, p.d, 9 * 60 + 70),
               pg_temp.at(p.t0, p.d, 9 * 60 + 70), ids.claire,
               (pg_temp.at(p.t0, p.d, 9 * 60 + 70) AT TIME ZONE 'UTC')::date
        FROM plan p, ids
        """#,
        #"""
        CREATE TEMP TABLE items (code text, n int)
        """#,
        #"""
        INSERT INTO items VALUES ('PL-1', 1), ('PL-2', 2), ('PL-3', 3), ('SL-1', 4), ('SL-2', 5), ('SL-3', 6), ('SL-4', 7),
            ('SL-5', 8), ('SL-6', 9), ('SL-7', 10), ('SH-1', 11), ('SH-2', 12), ('SH-3', 13), ('SE-1', 14), ('SE-2', 15),
            ('SE-3', 16), ('BA-1', 17), ('BA-2', 18), ('BA-3', 19), ('BA-4', 20)
        """#,
        #"""
        INSERT INTO diagnostic_entries (diagnostic_id, household_id, author_organisation_id, kind, code, value, level)
        SELECT d.id, d.household_id, d.author_organisation_id, e.kind, e.code, e.value, e.level
        FROM diagnostics d, ids,
             LATERAL (
                 SELECT 'assessment', i.code,
                        (ARRAY['acquis', 'enCours', 'soutienNecessaire', 'nonEvalue'])[1 + (i.n + length(d.id::text)) % 4],
                        'partners'
                 FROM items i
                 UNION ALL
                 SELECT 'comment', i.code, 'Commentaire de la référente sur ' || i.code || ', appuyé sur les entretiens.',
                        CASE WHEN i.n % 7 = 0 THEN 'private' ELSE 'secret' END
                 FROM items i
                 UNION ALL
                 SELECT 'view', s, 'Point de vue de la personne sur cette section.', 'secret'
                 FROM unnest(ARRAY['PL', 'SL', 'SH', 'SE', 'BA']) AS s
                 UNION ALL
                 SELECT 'preconisations', '', 'Accompagnement ASLL de 12 mois, visites à domicile tous les quinze jours.', 'secret'
             ) AS e(kind, code, value, level)
        WHERE d.household_id IN (SELECT id FROM generated)
        """#,
        // Spread over the accompaniment so far.
        #"""
        INSERT INTO notes (id, household_id, author_organisation_id, author_user_id, author_name, written_at, body, level)
        SELECT gen_random_uuid(), p.id, ids.alfi, ids.claire, 'Claire Martin',
               pg_temp.at(p.t0, p.a + (k * (p.cut - p.a)) / 6, 16 * 60 + k),
               'Entretien au bureau : point sur le budget et les démarches en cours.',
               (ARRAY['partners', 'secret', 'secret', 'private', 'partners'])[k]
        FROM plan p, ids, generate_series(1, 5) AS k
        """#,
        // Contract: AVDL mostly (80 %), MASP2 (10 %, tripartite: signed by the département),
        // ASLL (10 %); 12 months (MASP2: 12–24), and at least 7 months past the entry into the
        // flat (the lease and the entry need 6 months of coverage). A renewal (a new contract of
        // the same kind, 12 months) is signed 15 days before the end when the path goes on.
        // Objectives: axes of the diagnostic grid that sql/0005's CHECK also accepts.
        #"""
        CREATE TEMP TABLE contract_plan AS
        SELECT p.n, p.id, p.t0, p.c, p.cut,
               CASE WHEN k.r < 80 THEN 'avdl' WHEN k.r < 90 THEN 'masp2' ELSE 'asll' END AS kind,
               greatest(p.t0 + p.c + CASE WHEN k.r BETWEEN 80 AND 89 THEN pg_temp.r(p.n, 31, 12, 24) ELSE 12 END
                                     * interval '1 month',
                        p.t0 + p.e + interval '7 months')::date AS end1,
               CASE pg_temp.r(p.n, 32, 0, 3) WHEN 0 THEN ARRAY['SL', 'SH'] WHEN 1 THEN ARRAY['PL', 'SL', 'SH']
                                             WHEN 2 THEN ARRAY['SL', 'SH', 'BA'] ELSE ARRAY['PL', 'SL'] END AS objectives
        FROM plan p, LATERAL (SELECT pg_temp.r(p.n, 30, 0, 99) AS r) k
        WHERE p.c <= p.cut
        """#,
        #"""
        INSERT INTO contracts (id, household_id, author_organisation_id, author_user_id, kind, objectives, starts_on,
            planned_end_on, signed_on, signed_by_household, signed_by_operator, signed_by_departement, level, created_at)
        SELECT md5('bench-contract-' || c.n || '-' || v.k)::uuid, c.id, ids.alfi, ids.claire, c.kind, c.objectives,
               v.starts_on, v.planned_end_on, v.signed_on, true, true, c.kind = 'masp2', 'partners',
               pg_temp.at(v.signed_on, 0, 11 * 60 + c.n % 30)
        FROM contract_plan c, ids,
             LATERAL (VALUES (1, c.t0 + c.c, c.t0 + c.c, c.end1),
                             (2, c.end1 - 15, c.end1, (c.end1 + interval '12 months')::date)) AS v(k, signed_on, starts_on,
                                                                                                  planned_end_on)
        WHERE v.signed_on <= c.t0 + c.cut
        """#,
        // Meetings: from 3 days after acceptance, every week (40 % of households) or every two
        // weeks, until the end, the withdrawal or yesterday; 90 % held (with a duration), 10 %
        // missed; an end review on the day an accompaniment in the flat ends; two planned ones
        // ahead for the households still accompanied. The kind follows the stage: office,
        // phone, accompaniment to appointments and workshops before the flat, home visits in it.
        // A held meeting has a note 30 % of the time, at the secret level (the default).
        #"""
        CREATE TEMP TABLE meeting_plan AS
        SELECT p.n, p.id, p.t0, p.pos, m.i, m.off,
               CASE WHEN m.i = 999 THEN 'endReview'
                    WHEN m.off >= p.e AND p.e <= p.cut THEN
                         CASE WHEN m.kr < 50 THEN 'homeVisit' WHEN m.kr < 70 THEN 'office' WHEN m.kr < 90 THEN 'phone'
                              ELSE 'accompanying' END
                    ELSE CASE WHEN m.kr < 45 THEN 'office' WHEN m.kr < 65 THEN 'phone' WHEN m.kr < 85 THEN 'accompanying'
                              ELSE 'workshop' END END AS kind,
               CASE WHEN m.i >= 900 AND m.i < 999 THEN 'planned' WHEN m.i = 999 THEN 'held'
                    WHEN pg_temp.r(p.n, 2000 + m.i, 0, 99) < 10 THEN 'missed' ELSE 'held' END AS status,
               pg_temp.r(p.n, 3000 + m.i, 0, 99) AS dr
        FROM plan p,
             LATERAL (SELECT CASE WHEN pg_temp.r(p.n, 40, 0, 9) < 4 THEN 7 ELSE 14 END AS iv) iv,
             LATERAL (SELECT i, p.a + 3 + i * iv.iv AS off, pg_temp.r(p.n, 1000 + i, 0, 99) AS kr
                      FROM generate_series(0, (p.cut - 1 - p.a - 3) / iv.iv) AS i
                      UNION ALL
                      SELECT 900 + j, p.pos + 2 + j * iv.iv, pg_temp.r(p.n, 1900 + j, 0, 99)
                      FROM generate_series(0, 1) AS j WHERE p.terminal IS NULL
                      UNION ALL
                      SELECT 999, p.cut, 0 WHERE p.grp = 'ended') m
        """#,
        #"""
        INSERT INTO meetings (id, household_id, author_organisation_id, author_user_id, kind, status, starts_at,
            duration_minutes, level, created_at)
        SELECT md5('bench-meeting-' || m.n || '-' || m.i)::uuid, m.id, ids.alfi, ids.claire, m.kind, m.status,
               pg_temp.at(m.t0, m.off, (9 + m.dr % 8) * 60 + 30 * (m.dr % 2)),
               CASE WHEN m.status = 'held' THEN
                    CASE m.kind WHEN 'office' THEN 45 + 15 * (m.dr % 2) WHEN 'homeVisit' THEN 60 + 30 * (m.dr % 2)
                                WHEN 'phone' THEN 15 + 5 * (m.dr % 3) WHEN 'accompanying' THEN 120 + 60 * (m.dr % 2)
                                WHEN 'workshop' THEN 120 ELSE 60 END END,
               'partners',
               CASE WHEN m.status = 'planned' THEN pg_temp.at(m.t0, m.pos, 17 * 60)
                    ELSE pg_temp.at(m.t0, m.off, 18 * 60) END
        FROM meeting_plan m, ids
        """#,
        #"""
        INSERT INTO meeting_notes (meeting_id, household_id, author_organisation_id, body, level)
        SELECT md5('bench-meeting-' || m.n || '-' || m.i)::uuid, m.id, ids.alfi,
               (ARRAY['Point budget : loyer résiduel, échéancier de la dette, ouverture des droits.',
                      'Démarches : dossier CAF à compléter, rendez-vous pris avec le fournisseur d''énergie.',
                      'Installation dans le logement : assurance, compteurs, repérage du quartier et de l''école.',
                      'La personne exprime une inquiétude sur sa santé ; orientation vers le centre médico-social.'])
                   [1 + m.dr % 4],
               'secret'
        FROM meeting_plan m, ids
        WHERE m.status = 'held' AND pg_temp.r(m.n, 4000 + m.i, 0, 99) < 30
        """#,
        // Aid: (n / 7) % 4 per household (0–3). The first one 5–20 days after acceptance (food,
        // energy, APL recovery or other); the second at the lease (FSL accès or Loca-Pass) or half
        // way through; the third in the flat (FSL énergie) or two thirds of the way. Decided 7–45
        // days later (80 % granted, 20 % refused), still requested when that is after yesterday.
        // Secret, the default level for budget details.
        #"""
        CREATE TEMP TABLE aid_plan AS
        SELECT p.n, p.id, p.t0, p.pos, k,
               CASE k WHEN 1 THEN p.a + pg_temp.r(p.n, 41, 5, 20)
                      WHEN 2 THEN CASE WHEN p.l <= p.cut THEN p.l - pg_temp.r(p.n, 42, 3, 14) ELSE p.a + (p.cut - p.a) / 2 END
                      ELSE CASE WHEN p.e + pg_temp.r(p.n, 43, 30, 120) <= p.cut THEN p.e + pg_temp.r(p.n, 43, 30, 120)
                                ELSE p.a + 2 * (p.cut - p.a) / 3 END END AS off,
               pg_temp.r(p.n, 44 + k, 0, 99) AS kr, p.l <= p.cut AS leased, p.e + pg_temp.r(p.n, 43, 30, 120) <= p.cut AS housed
        FROM plan p, generate_series(1, (p.n / 7) % 4) AS k
        """#,
        #"""
        INSERT INTO aids (id, household_id, author_organisation_id, author_user_id, kind, amount_cents, status,
            requested_on, decided_on, level, created_at)
        SELECT md5('bench-aid-' || a.n || '-' || a.k)::uuid, a.id, ids.alfi, ids.claire, a.kind,
               100 * CASE a.kind WHEN 'foodAid' THEN pg_temp.r(a.n, 50 + a.k, 50, 300)
                                 WHEN 'fslEnergyWater' THEN pg_temp.r(a.n, 50 + a.k, 150, 800)
                                 WHEN 'aplRecovery' THEN pg_temp.r(a.n, 50 + a.k, 200, 1500)
                                 WHEN 'fslAccess' THEN pg_temp.r(a.n, 50 + a.k, 500, 2000)
                                 WHEN 'locaPass' THEN pg_temp.r(a.n, 50 + a.k, 400, 1200)
                                 ELSE pg_temp.r(a.n, 50 + a.k, 50, 500) END,
               CASE WHEN a.decided > a.pos THEN 'requested' WHEN pg_temp.r(a.n, 55 + a.k, 0, 99) < 80 THEN 'granted'
                    ELSE 'refused' END,
               a.t0 + a.off, CASE WHEN a.decided <= a.pos THEN a.t0 + a.decided END, 'secret',
               pg_temp.at(a.t0, a.off, 15 * 60 + a.k)
        FROM (SELECT ap.*, ap.off + pg_temp.r(ap.n, 60 + ap.k, 7, 45) AS decided,
                     CASE WHEN ap.k = 1 THEN CASE WHEN ap.kr < 40 THEN 'foodAid' WHEN ap.kr < 65 THEN 'fslEnergyWater'
                                                  WHEN ap.kr < 85 THEN 'aplRecovery' ELSE 'other' END
                          WHEN ap.k = 2 AND ap.leased THEN CASE WHEN ap.kr < 60 THEN 'fslAccess' ELSE 'locaPass' END
                          WHEN ap.k = 3 AND ap.housed THEN 'fslEnergyWater'
                          ELSE CASE WHEN ap.kr < 60 THEN 'foodAid' ELSE 'other' END END AS kind
              FROM aid_plan ap) a, ids
        """#,
        // Proposals: one flat of Antin Résidences each (a flat proposed once: its own reference),
        // in the Essonne, with as many rooms as persons (one more 1 time in 5); the second flat
        // in scenarios 2 and 3.
        #"""
        CREATE TEMP TABLE proposal_plan AS
        SELECT p.n, p.id, p.t0, p.cut, v.k, v.off, v.answered, v.refused
        FROM plan p,
             LATERAL (VALUES (1, p.p1, p.p1a, p.sc = 2), (2, p.p2, p.p2a, false)) AS v(k, off, answered, refused)
        WHERE v.off IS NOT NULL AND v.off <= p.cut
        """#,
        #"""
        INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement, flat_type, rent_cents,
            charges_cents, contingent, available_from, created_at)
        SELECT md5('bench-flat-' || f.n || '-' || f.k)::uuid, ids.antin, ids.julie,
               'B-' || lpad(f.n::text, 8, '0') || '-' || f.k,
               (ARRAY['Évry-Courcouronnes', 'Corbeil-Essonnes', 'Massy', 'Savigny-sur-Orge', 'Palaiseau', 'Grigny',
                      'Ris-Orangis', 'Athis-Mons', 'Viry-Châtillon', 'Draveil'])[1 + pg_temp.r(f.n, 70 + f.k, 0, 9)],
               '91', 'T' || f.rooms, 100 * (250 + 100 * f.rooms + pg_temp.r(f.n, 72 + f.k, 0, 150)),
               100 * pg_temp.r(f.n, 74 + f.k, 60, 150),
               CASE WHEN f.cr < 60 THEN 'landlord' WHEN f.cr < 85 THEN 'prefecture' ELSE 'actionLogement' END,
               f.t0 + f.off - pg_temp.r(f.n, 78 + f.k, 0, 30),
               pg_temp.at(f.t0 + f.off - pg_temp.r(f.n, 78 + f.k, 0, 30), 0, 10 * 60)
        FROM (SELECT pp.*, (2 + pp.n % 3) + CASE WHEN pg_temp.r(pp.n, 76 + pp.k, 0, 9) < 2 THEN 1 ELSE 0 END AS rooms,
                     pg_temp.r(pp.n, 80 + pp.k, 0, 99) AS cr
              FROM proposal_plan pp) f, ids
        """#,
        #"""
        INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id, proposed_on, level,
            created_at)
        SELECT md5('bench-proposal-' || pp.n || '-' || pp.k)::uuid, pp.id, md5('bench-flat-' || pp.n || '-' || pp.k)::uuid,
               ids.antin, ids.julie, pp.t0 + pp.off, 'partners', pg_temp.at(pp.t0, pp.off, 9 * 60 + 90 + pp.n % 20)
        FROM proposal_plan pp, ids
        """#,
        // The household's answer, recorded by its référente: the first flat refused in scenario 2
        // (a reason, and a comment), every other one accepted.
        #"""
        INSERT INTO proposal_answers (proposal_id, household_id, author_organisation_id, author_user_id, answer,
            refusal_reason, comment, answered_on, level, created_at)
        SELECT md5('bench-proposal-' || pp.n || '-' || pp.k)::uuid, pp.id, ids.alfi, ids.claire,
               CASE WHEN pp.refused THEN 'refused' ELSE 'accepted' END,
               CASE WHEN pp.refused THEN (ARRAY['location', 'flatType', 'rent', 'condition', 'personal', 'other'])
                                         [1 + pg_temp.r(pp.n, 82, 0, 5)] END,
               CASE WHEN pp.refused THEN 'Le ménage a visité le logement et ne donne pas suite.' END,
               pp.t0 + pp.answered, 'partners', pg_temp.at(pp.t0, pp.answered, 16 * 60)
        FROM proposal_plan pp, ids
        WHERE pp.answered <= pp.cut
        """#,
        // The CAL: on the first flat, or the second one in scenario 2; in scenario 3 a refusal,
        // then an attribution of the second flat; in scenario 4 a postponement, then an
        // attribution of the same flat.
        #"""
        INSERT INTO cal_decisions (id, household_id, proposal_id, author_organisation_id, author_user_id, decided_on,
            decision, refusal_reason, condition, level, created_at)
        SELECT md5('bench-cal-' || p.n || '-' || v.k)::uuid, p.id,
               md5('bench-proposal-' || p.n || '-' || v.proposal)::uuid, ids.antin, ids.julie, p.t0 + v.off, v.decision,
               CASE WHEN v.decision = 'refusal' THEN
                    (ARRAY['insufficientResources', 'incompleteFile', 'unsuitableType', 'rentArrearsHistory', 'overOccupancy',
                           'otherCandidatePreferred', 'other'])[1 + pg_temp.r(p.n, 84, 0, 6)] END,
               CASE WHEN v.decision = 'conditionalAttribution' THEN
                    'Ouverture des droits APL et mise en place du prélèvement du loyer avant l''entrée.' END,
               'partners', pg_temp.at(p.t0, v.off, 9 * 60 + 5 * 25 + p.n % 20 - 5)
        FROM plan p, ids,
             LATERAL (VALUES (1, p.cal1, CASE WHEN p.sc = 2 THEN 2 ELSE 1 END,
                              CASE p.sc WHEN 3 THEN 'refusal' WHEN 4 THEN 'postponement'
                                        ELSE CASE WHEN pg_temp.r(p.n, 83, 0, 9) = 0 THEN 'conditionalAttribution'
                                                  ELSE 'attribution' END END),
                             (2, p.cal2, CASE WHEN p.sc = 3 THEN 2 ELSE 1 END, 'attribution')) AS v(k, off, proposal, decision)
        WHERE v.off IS NOT NULL AND v.off <= p.cut
        """#,
        // The lease of the attributed flat: direct (80 %) or sliding (20 %: it slides to the
        // household 6–18 months after the entry, when that has happened); the référente attends
        // 85 % of signatures.
        #"""
        INSERT INTO leases (id, household_id, proposal_id, author_organisation_id, author_user_id, kind, signed_on,
            referent_attended, entry_inspection_on, slid_on, level, created_at)
        SELECT md5('bench-lease-' || p.n)::uuid, p.id,
               md5('bench-proposal-' || p.n || '-' || CASE WHEN p.sc IN (2, 3) THEN 2 ELSE 1 END)::uuid, ids.alfi, ids.claire,
               CASE WHEN v.sliding THEN 'sliding' ELSE 'direct' END, p.t0 + p.l, pg_temp.r(p.n, 86, 0, 99) < 85,
               CASE WHEN p.e <= p.cut THEN p.t0 + p.e END,
               CASE WHEN v.sliding AND v.slide <= p.cut THEN p.t0 + v.slide END,
               'partners', pg_temp.at(p.t0, p.l, 9 * 60 + 8 * 25 + p.n % 20 - 5)
        FROM plan p, ids,
             LATERAL (SELECT pg_temp.r(p.n, 87, 0, 99) < 20 AS sliding, p.e + pg_temp.r(p.n, 88, 180, 540) AS slide) v
        WHERE p.l <= p.cut
        """#,
        // Alerts from the bailleur, for households that entered their flat at least a month
        // before the end of what is written: rent arrears 15 % (1–6 months, 150–600 € a month),
        // missing insurance 5 %, neighbourhood 4 %, upkeep 3 %; three in four are resolved 2–17
        // weeks later, when that is before yesterday (about half of them by now).
        #"""
        INSERT INTO alerts (id, household_id, author_organisation_id, author_user_id, kind, reported_on, arrears_cents,
            arrears_months, comment, resolved_on, resolution, level, created_at)
        SELECT md5('bench-alert-' || a.n || '-' || a.kind)::uuid, a.id, ids.antin, ids.julie, a.kind, a.t0 + a.off,
               CASE WHEN a.kind = 'rentArrears' THEN a.months * 100 * pg_temp.r(a.n, 91, 150, 600) + pg_temp.r(a.n, 92, 0, 99) END,
               CASE WHEN a.kind = 'rentArrears' THEN a.months END,
               CASE a.kind WHEN 'rentArrears' THEN 'Loyers impayés signalés par le service contentieux.'
                           WHEN 'missingInsurance' THEN 'Attestation d''assurance habitation non transmise.'
                           WHEN 'neighbourhood' THEN 'Plaintes de voisinage pour bruit.'
                           ELSE 'Défaut d''entretien constaté lors d''une visite technique.' END,
               CASE WHEN a.resolved THEN a.t0 + a.solved END,
               CASE WHEN a.resolved THEN
                    CASE a.kind WHEN 'rentArrears' THEN 'Plan d''apurement signé, FSL maintien accordé.'
                                WHEN 'missingInsurance' THEN 'Attestation reçue.'
                                WHEN 'neighbourhood' THEN 'Médiation avec le voisinage, plus de plainte.'
                                ELSE 'Travaux d''entretien réalisés, contre-visite satisfaisante.' END END,
               'partners', pg_temp.at(a.t0, a.off, 11 * 60 + a.j)
        FROM (SELECT p.n, p.id, p.t0, v.kind, v.j, pg_temp.r(p.n, 90, 1, 6) AS months,
                     p.e + 30 + floor(pg_temp.r(p.n, 93 + v.j, 0, 999) / 1000.0 * (p.cut - p.e - 30))::int AS off,
                     pg_temp.r(p.n, 97 + v.j, 0, 99) < 75
                         AND p.e + 30 + floor(pg_temp.r(p.n, 93 + v.j, 0, 999) / 1000.0 * (p.cut - p.e - 30))::int
                             + pg_temp.r(p.n, 101 + v.j, 15, 120) <= p.pos AS resolved,
                     p.e + 30 + floor(pg_temp.r(p.n, 93 + v.j, 0, 999) / 1000.0 * (p.cut - p.e - 30))::int
                         + pg_temp.r(p.n, 101 + v.j, 15, 120) AS solved
              FROM plan p,
                   LATERAL (VALUES ('rentArrears', 0, 15), ('missingInsurance', 1, 5), ('neighbourhood', 2, 4),
                                   ('upkeep', 3, 3)) AS v(kind, j, percent)
              WHERE p.e + 30 <= p.cut AND pg_temp.r(p.n, 105 + v.j, 0, 99) < v.percent) a, ids
        """#,
        // The sortie of an ended accompaniment: after the flat, rehoused in the programme's stock
        // mostly (a slid lease: slidingLease); before it, rehoused by another bailleur or other.
        // The stay at 6 and 12 months is known once that time has passed (93 % and 85 % still in
        // the flat).
        #"""
        INSERT INTO outcomes (id, household_id, author_organisation_id, author_user_id, kind, ended_on, in_flat_at_6_months,
            in_flat_at_12_months, level, created_at)
        SELECT md5('bench-outcome-' || p.n)::uuid, p.id, ids.alfi, ids.claire,
               CASE WHEN p.grp = 'endedEarly' THEN CASE WHEN k.r < 70 THEN 'rehousedOtherLandlord' ELSE 'other' END
                    WHEN l.slid_on IS NOT NULL THEN 'slidingLease'
                    WHEN k.r < 82 THEN 'rehousedInProgrammeStock' WHEN k.r < 88 THEN 'associativeManager'
                    WHEN k.r < 95 THEN 'voluntaryDeparture' ELSE 'other' END,
               p.t0 + p.cut,
               CASE WHEN p.grp = 'ended' AND p.cut + 183 <= p.pos THEN k.s6 < 93 END,
               CASE WHEN p.grp = 'ended' AND p.cut + 365 <= p.pos THEN k.s6 < 93 AND k.s12 < 92 END,
               'partners', pg_temp.at(p.t0, p.cut, 9 * 60 + 20 * 25 + p.n % 20 + 5)
        FROM plan p JOIN ids ON true
        LEFT JOIN leases l ON l.id = md5('bench-lease-' || p.n)::uuid,
             LATERAL (SELECT pg_temp.r(p.n, 110, 0, 99) AS r, pg_temp.r(p.n, 111, 0, 99) AS s6,
                             pg_temp.r(p.n, 112, 0, 99) AS s12) k
        WHERE p.terminal = 'ended'
        """#,
    ]

    /// After the commit: the statistics the measured plans need.
    static let householdsStatistics: [String] = [
        #"""
        VACUUM (ANALYZE) path_transitions
        """#,
        #"""
        ANALYZE households, household_persons, care_team, consents, diagnostics, diagnostic_entries, notes, contracts,
            meetings, meeting_notes, aids, flats, proposals, proposal_answers, cal_decisions, leases, alerts, outcomes
        """#,
    ]
}
