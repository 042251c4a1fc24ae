import Foundation

extension SyntheticSQL {
    /// The versions of the diagnostic social partagé and their entries.
    static let diagnostics: [SyntheticStatement] = [
        // The diagnostic's versions: the first validated on the day the path moves to `diagnosed`;
        // a second 60–120 days after moving into the flat; the bilan de fin, validated on the day
        // of the end review; the reopened path's own, on its `diagnosed` day.
        .init(
            "diagnostics.plan", [.households, .heavy],
            """
            CREATE TEMP TABLE dplan ON COMMIT DROP AS
            SELECT v.n, v.kind, v.day, 'validated'::text AS status, 0 AS version
            FROM plan p,
                 LATERAL (VALUES (p.n, 1, CASE WHEN p.accepted AND p.d <= p.h THEN p.d END),
                                 (p.n, 2, CASE WHEN p.accepted AND p.e + pg_temp.r(p.n, 90, 60, 120) <= p.h
                                               THEN p.e + pg_temp.r(p.n, 90, 60, 120) END),
                                 (p.n, 3, CASE WHEN p.er <= p.h AND p.er > p.e + pg_temp.r(p.n, 90, 60, 120) + 30 THEN p.er END),
                                 (p.n, 4, CASE WHEN p.rd <= p.rh THEN p.rd END)) AS v (n, kind, day)
            WHERE v.day IS NOT NULL
            """),
        // One accompanied household in ten has a new version in draft, started in the last three
        // weeks, when its last validated one is more than 40 days old.
        .init(
            "diagnostics.drafts", [.households, .heavy],
            """
            INSERT INTO dplan (n, kind, day, status, version)
            SELECT p.n, 5, p.pos - pg_temp.r(p.n, 91, 0, 20), 'draft', 0
            FROM plan p JOIN (SELECT n, max(day) AS last FROM dplan GROUP BY n) l ON l.n = p.n
            WHERE p.open AND l.last < p.pos - 40 AND pg_temp.r(p.n, 92, 0, 9) = 0
            """),
        .init(
            "diagnostics.versions", [.households, .heavy],
            """
            UPDATE dplan d SET version = v.version
            FROM (SELECT n, kind, row_number() OVER (PARTITION BY n ORDER BY day, kind)::integer AS version FROM dplan) v
            WHERE v.n = d.n AND v.kind = d.kind
            """),
        .init(
            "diagnostics.index", [.households, .heavy],
            """
            CREATE UNIQUE INDEX ON dplan (n, kind)
            """),
        .init(
            "diagnostics.analyze", [.households, .heavy],
            """
            ANALYZE dplan
            """),
        // Drafted 5–15 days before, validated at 10:10 (the first one before the path's move at
        // 10:15), by the référente.
        .init(
            "diagnostics.insert", [.households],
            """
            INSERT INTO diagnostics (id, household_id, version, status, author_organisation_id, referent_name, revision,
                created_by, created_at, updated_at, validated_at, validated_by, validated_on)
            SELECT pg_temp.uid('diagnostic', d.n, d.kind), p.id, d.version, d.status, s.operator, p.referent_name,
                   pg_temp.r(d.n, 93 + d.kind, 1, 4), p.referent,
                   pg_temp.at(p.t0 + d.day - pg_temp.r(d.n, 98 + d.kind, 5, 15), 14 * 60),
                   CASE WHEN d.status = 'validated' THEN pg_temp.at(p.t0 + d.day, 9 * 60 + 70)
                        ELSE pg_temp.at(p.t0 + least(p.pos, d.day + pg_temp.r(d.n, 104, 0, 5)), 16 * 60) END,
                   CASE WHEN d.status = 'validated' THEN pg_temp.at(p.t0 + d.day, 9 * 60 + 70) END,
                   CASE WHEN d.status = 'validated' THEN p.referent END,
                   CASE WHEN d.status = 'validated' THEN p.t0 + d.day END
            FROM dplan d JOIN plan p ON p.n = d.n CROSS JOIN syn s
            ORDER BY d.n, d.version
            """),
        // The trame d'évaluation partagée (Tenancy's DiagnosticGrid): each item's comment when
        // support is needed, and the person's view of each section.
        .init(
            "diagnostics.items", [.heavy],
            """
            CREATE TEMP TABLE syn_items ON COMMIT DROP AS
            SELECT i.i, i.code, i.comment
            FROM (VALUES (1, 'PL-1', 'Titre de séjour en cours de renouvellement : rendez-vous en préfecture à suivre.'),
                         (2, 'PL-2', 'Séparation en cours : l''ordonnance de non-conciliation est attendue.'),
                         (3, 'PL-3', 'Droits CAF des enfants à ouvrir, dossier en cours d''instruction.'),
                         (4, 'SL-1', 'Aucune expérience de location autonome : préparer l''entrée dans les lieux.'),
                         (5, 'SL-2', 'Participation à l''hébergement payée de façon irrégulière ces derniers mois.'),
                         (6, 'SL-3', 'Importance de l''assurance habitation à retravailler avec le ménage.'),
                         (7, 'SL-4', 'Droits et devoirs du locataire à expliquer, motifs de résiliation du bail compris.'),
                         (8, 'SL-5', 'Frais d''installation non anticipés : FSL accès et Loca-Pass à solliciter.'),
                         (9, 'SL-6', 'Ressources instables : démarches d''insertion professionnelle engagées.'),
                         (10, 'SL-7', 'Dettes anciennes : dossier de surendettement à constituer.'),
                         (11, 'SH-1', 'Entretien du logement à accompagner : visites à domicile rapprochées.'),
                         (12, 'SH-2', 'Consommations d''énergie élevées : sensibilisation aux économies.'),
                         (13, 'SH-3', 'Budget logement non intégré : travail sur le reste à vivre et le prélèvement du loyer.'),
                         (14, 'SE-1', 'Relations de voisinage tendues : médiation proposée avec le bailleur.'),
                         (15, 'SE-2', 'Isolement : orientation vers les associations du quartier.'),
                         (16, 'SE-3', 'Services de proximité à repérer avec la personne (transports, mairie, école).'),
                         (17, 'BA-1', 'Typologie et secteur à ajuster au loyer supportable.'),
                         (18, 'BA-2', 'Accord collectif départemental et contingent Action Logement à mobiliser.'),
                         (19, 'BA-3', 'Accompagnement dans le logement nécessaire, AVDL de douze mois au moins.'),
                         (20, 'BA-4', 'Reconnaissance DALO à rappeler au bailleur lors de la candidature.'))
                 AS i (i, code, comment)
            """),
        // Every item assessed, evolving between versions: a starting assessment (soutien
        // nécessaire 40 %, en cours 35 %, acquis 20 %, not evaluated 5 % at the first version),
        // then at each later version one step better (40 %), the same (50 %) or one step worse
        // (10 %). A comment where support is needed: secret, or private for a separation or a
        // residence permit; the préconisations, secret; the person's own view of each section
        // (secret), at the first diagnostic and at a reopening, where the co-évaluation starts.
        .init(
            "diagnostics.entries", [.heavy], batched: true,
            """
            INSERT INTO diagnostic_entries (diagnostic_id, household_id, author_organisation_id, kind, code, value, level)
            SELECT pg_temp.uid('diagnostic', d.n, d.kind), p.id, s.operator, e.kind, e.code, e.value, e.level
            FROM dplan d
            JOIN plan p ON p.n = d.n
            CROSS JOIN syn s
            CROSS JOIN LATERAL (
                SELECT v.kind, i.code, v.value, v.level
                FROM syn_items i
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN d.version = 1 AND b.b0 < 0 THEN -1
                                ELSE least(2, greatest(0, greatest(b.b0, 0)
                                    + CASE WHEN d.version >= 2 THEN b.s2 ELSE 0 END + CASE WHEN d.version >= 3 THEN b.s3 ELSE 0 END
                                    + CASE WHEN d.version >= 4 THEN b.s4 ELSE 0 END + CASE WHEN d.version >= 5 THEN b.s5 ELSE 0 END))
                           END AS lvl
                    FROM (SELECT CASE WHEN q.r0 < 5 THEN -1 WHEN q.r0 < 45 THEN 0 WHEN q.r0 < 80 THEN 1 ELSE 2 END AS b0,
                                 CASE WHEN q.r2 < 40 THEN 1 WHEN q.r2 < 90 THEN 0 ELSE -1 END AS s2,
                                 CASE WHEN q.r3 < 40 THEN 1 WHEN q.r3 < 90 THEN 0 ELSE -1 END AS s3,
                                 CASE WHEN q.r4 < 40 THEN 1 WHEN q.r4 < 90 THEN 0 ELSE -1 END AS s4,
                                 CASE WHEN q.r5 < 40 THEN 1 WHEN q.r5 < 90 THEN 0 ELSE -1 END AS s5
                          FROM (SELECT pg_temp.r(d.n, 1000 + i.i, 0, 99) AS r0, pg_temp.r(d.n, 1100 + i.i * 10 + 2, 0, 99) AS r2,
                                       pg_temp.r(d.n, 1100 + i.i * 10 + 3, 0, 99) AS r3,
                                       pg_temp.r(d.n, 1100 + i.i * 10 + 4, 0, 99) AS r4,
                                       pg_temp.r(d.n, 1100 + i.i * 10 + 5, 0, 99) AS r5 OFFSET 0) q) b
                    -- OFFSET 0: computed once per item, not once per use of the level.
                    OFFSET 0) l
                CROSS JOIN LATERAL (
                    VALUES ('assessment', CASE l.lvl WHEN -1 THEN 'nonEvalue' WHEN 0 THEN 'soutienNecessaire' WHEN 1 THEN 'enCours'
                                                     ELSE 'acquis' END, 'partners', true),
                           ('comment', i.comment, CASE WHEN i.code IN ('PL-1', 'PL-2') THEN 'private' ELSE 'secret' END,
                            l.lvl = 0)
                ) AS v (kind, value, level, kept)
                WHERE v.kept
                UNION ALL
                SELECT 'view', v.code, v.value, 'secret'
                FROM (VALUES ('PL', 'La personne dit avoir rassemblé ses papiers et attend surtout une réponse rapide.'),
                             ('SL', 'La personne pense pouvoir payer le loyer si les aides à l''entrée sont accordées.'),
                             ('SH', 'La personne se sent prête à tenir un logement et demande des conseils pour le budget.'),
                             ('SE', 'La personne souhaite rester près de l''école des enfants et de son travail.'),
                             ('BA', 'La personne accepte l''accompagnement et souhaite qu''il se poursuive après l''entrée.'))
                     AS v (code, value)
                WHERE d.kind IN (1, 4)
                UNION ALL
                SELECT 'preconisations', '',
                       (ARRAY['Accompagnement AVDL de 12 mois, visites à domicile tous les quinze jours après l''entrée.',
                              'Mesure ASLL, travail budgétaire mensuel, lien avec le service contentieux du bailleur.',
                              'Accompagnement renforcé (MASP2) avec le département, point trimestriel en comité.'])
                           [1 + pg_temp.r(d.n, 1490 + d.kind, 0, 2)],
                       'secret'
            ) e
            WHERE d.n > (SELECT lo FROM syn_batch) AND d.n <= (SELECT hi FROM syn_batch)
            """),
    ]
}
