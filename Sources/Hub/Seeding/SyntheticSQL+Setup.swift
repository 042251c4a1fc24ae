import Foundation

extension SyntheticSQL {
    /// Every transaction of the generation: its settings, the partners and people by role.
    static let vocabulary: [SyntheticStatement] = [
        // The generation's statements are planned over temporary tables without statistics: the
        // JIT compiler would spend more time compiling them than running them.
        .init(
            "settings", [.all],
            """
            SET LOCAL jit = off
            """),
        .init(
            "memory", [.all],
            """
            SET LOCAL work_mem = '64MB'
            """),
        // The partners of every synthetic programme, found again by name on later runs: an
        // opérateur (porteur too), two bailleurs sharing Île-de-France, an orienteur and the
        // State's evaluator. Ids derived from the name, so a fresh database gets the same rows.
        .init(
            "organisations", [.all],
            """
            CREATE TEMP TABLE syn_orgs ON COMMIT DROP AS
            SELECT o.role, o.name, o.kind
            FROM (VALUES ('operator', 'Association Horizon Logement (synthétique)', 'supportOperator'),
                         ('landlordA', 'Habitat Francilien Sud (synthétique)', 'socialLandlord'),
                         ('landlordB', 'Résidences Seine-et-Oise (synthétique)', 'socialLandlord'),
                         ('referrer', 'Accueil Hébergement Orientation (synthétique)', 'shelterProvider'),
                         ('state', 'Direction régionale de l''hébergement et du logement (synthétique)', 'state'))
                 AS o (role, name, kind)
            """),
        // The people whose names sign the rows: six référentes, a cheffe de service and two
        // facilitators of the opérateur, a housing officer per bailleur, the orienteur's social
        // worker. One bcrypt hash of a random secret nobody kept: these accounts cannot sign in.
        .init(
            "users", [.all],
            """
            CREATE TEMP TABLE syn_users ON COMMIT DROP AS
            SELECT u.role, u.k, u.email, u.name, u.org, u.roles, u.bound
            FROM (VALUES ('worker', 1, 'camille.roux@horizon.synthetique.invalid', 'Camille Roux', 'operator',
                          ARRAY['socialWorker'], true),
                         ('worker', 2, 'ines.lefevre@horizon.synthetique.invalid', 'Inès Lefèvre', 'operator',
                          ARRAY['socialWorker'], true),
                         ('worker', 3, 'julien.moreau@horizon.synthetique.invalid', 'Julien Moreau', 'operator',
                          ARRAY['socialWorker'], true),
                         ('worker', 4, 'sarah.cohen@horizon.synthetique.invalid', 'Sarah Cohen', 'operator',
                          ARRAY['socialWorker'], true),
                         ('worker', 5, 'mehdi.belkacem@horizon.synthetique.invalid', 'Mehdi Belkacem', 'operator',
                          ARRAY['socialWorker'], true),
                         ('worker', 6, 'lea.fontaine@horizon.synthetique.invalid', 'Léa Fontaine', 'operator',
                          ARRAY['socialWorker'], true),
                         ('head', 1, 'helene.garnier@horizon.synthetique.invalid', 'Hélène Garnier', 'operator',
                          ARRAY['serviceHead'], true),
                         ('facilitator', 1, 'olivier.chevalier@horizon.synthetique.invalid', 'Olivier Chevalier', 'operator',
                          ARRAY['facilitator'], true),
                         ('facilitator', 2, 'nathalie.perrin@horizon.synthetique.invalid', 'Nathalie Perrin', 'operator',
                          ARRAY['facilitator'], true),
                         ('officer', 1, 'bruno.lemaire@habitat-sud.synthetique.invalid', 'Bruno Lemaire', 'landlordA',
                          ARRAY['housingOfficer'], false),
                         ('officer', 2, 'sandrine.faure@seine-et-oise.synthetique.invalid', 'Sandrine Faure', 'landlordB',
                          ARRAY['housingOfficer'], false),
                         ('referrer', 1, 'fatou.diop@accueil-orientation.synthetique.invalid', 'Fatou Diop', 'referrer',
                          ARRAY['socialWorker'], true))
                 AS u (role, k, email, name, org, roles, bound)
            """),
    ]

    /// The partners, their people and the programme, found again by name on later runs.
    static let setup: [SyntheticStatement] = [
        .init(
            "organisations.insert", [.setup],
            """
            INSERT INTO organisations (id, name, kind, created_at)
            SELECT md5('synthetic-organisation:' || o.name)::uuid, o.name, o.kind, timestamptz '2023-12-01 09:00:00+00'
            FROM syn_orgs o
            ORDER BY o.role
            ON CONFLICT (name) DO NOTHING
            """),
        .init(
            "users.insert", [.setup],
            """
            INSERT INTO users (id, email, display_name, password_hash, created_at)
            SELECT md5('synthetic-user:' || u.email)::uuid, u.email, u.name,
                   '$2b$12$.TM2nIr9ujhLNmJQuzgiSemtRFg3zcVe7CEMfwPqYdbfMZDQGsd.y', timestamptz '2023-12-01 09:30:00+00'
            FROM syn_users u
            ORDER BY u.email
            ON CONFLICT (email) DO NOTHING
            """),
        .init(
            "memberships.insert", [.setup],
            """
            INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret, created_at)
            SELECT x.id, o.id, u.roles, u.bound, timestamptz '2023-12-01 09:30:00+00'
            FROM syn_users u
            JOIN users x ON x.email = u.email
            JOIN syn_orgs so ON so.role = u.org
            JOIN organisations o ON o.name = so.name
            ORDER BY u.email
            ON CONFLICT (user_id, organisation_id) DO NOTHING
            """),
        // Budget: the « 10 000 logements accompagnés » cost, 65,000 € a year for 30 households,
        // scaled to the population; target: the orientations of a year.
        .init(
            "programme.insert", [.setup],
            """
            INSERT INTO programmes (id, name, starts_on, ends_on, yearly_budget_euros, target_households, created_at)
            SELECT md5('synthetic-programme:' || i.programme_name)::uuid, i.programme_name, date '2024-01-01',
                   date '2025-12-31', (i.households * 2170)::numeric(12, 2), greatest(1, i.households / 2),
                   timestamptz '2023-12-15 09:00:00+00'
            FROM syn_input i
            ON CONFLICT (name) DO NOTHING
            """),
        .init(
            "programme.partners", [.setup],
            """
            INSERT INTO programme_partners (programme_id, organisation_id, part)
            SELECT p.id, o.id, v.part
            FROM syn_input i
            JOIN programmes p ON p.name = i.programme_name
            CROSS JOIN (VALUES ('operator', 'holder'), ('operator', 'operator'), ('landlordA', 'landlord'),
                               ('landlordB', 'landlord'), ('referrer', 'referrer'), ('state', 'funder'),
                               ('state', 'evaluator')) AS v (role, part)
            JOIN syn_orgs so ON so.role = v.role
            JOIN organisations o ON o.name = so.name
            ORDER BY v.role, v.part
            ON CONFLICT DO NOTHING
            """),
    ]

    /// The parameters of a generation transaction and its deterministic helpers.
    static let session: [SyntheticStatement] = [
        // Everything the generation reads: the programme, the seed, the ids of its partners and
        // people. `key` makes every generated id (pg_temp.uid) and reference; the as-of date is the
        // programme's last day, so that nothing depends on the day of the run.
        .init(
            "parameters", [.work],
            """
            CREATE TEMP TABLE syn ON COMMIT DROP AS
            SELECT p.id AS programme, i.seed, i.households, p.id::text || ':' || i.seed::text AS key,
                   'S' || upper(left(md5(p.id::text || ':' || i.seed::text), 5)) AS prefix,
                   date '2024-01-01' AS start, date '2025-12-31' AS asof,
                   (SELECT x.id FROM organisations x JOIN syn_orgs o ON o.name = x.name WHERE o.role = 'operator') AS operator,
                   (SELECT x.id FROM organisations x JOIN syn_orgs o ON o.name = x.name WHERE o.role = 'landlordA') AS landlord_a,
                   (SELECT x.id FROM organisations x JOIN syn_orgs o ON o.name = x.name WHERE o.role = 'landlordB') AS landlord_b,
                   (SELECT x.id FROM organisations x JOIN syn_orgs o ON o.name = x.name WHERE o.role = 'referrer') AS referrer,
                   (SELECT x.id FROM organisations x JOIN syn_orgs o ON o.name = x.name WHERE o.role = 'state') AS state,
                   (SELECT o.name FROM syn_orgs o WHERE o.role = 'landlordA') AS landlord_a_name,
                   (SELECT o.name FROM syn_orgs o WHERE o.role = 'landlordB') AS landlord_b_name,
                   ARRAY(SELECT x.id FROM users x JOIN syn_users u ON u.email = x.email WHERE u.role = 'worker' ORDER BY u.k)
                       AS workers,
                   ARRAY(SELECT u.name FROM syn_users u WHERE u.role = 'worker' ORDER BY u.k) AS worker_names,
                   (SELECT x.id FROM users x JOIN syn_users u ON u.email = x.email WHERE u.role = 'head') AS head,
                   ARRAY(SELECT x.id FROM users x JOIN syn_users u ON u.email = x.email WHERE u.role = 'facilitator'
                         ORDER BY u.k) AS facilitators,
                   ARRAY(SELECT u.name FROM syn_users u WHERE u.role = 'facilitator' ORDER BY u.k) AS facilitator_names,
                   ARRAY(SELECT x.id FROM users x JOIN syn_users u ON u.email = x.email WHERE u.role = 'officer' ORDER BY u.k)
                       AS officers,
                   ARRAY(SELECT u.name FROM syn_users u WHERE u.role = 'officer' ORDER BY u.k) AS officer_names,
                   (SELECT x.id FROM users x JOIN syn_users u ON u.email = x.email WHERE u.role = 'referrer') AS referrer_worker,
                   (SELECT u.name FROM syn_users u WHERE u.role = 'referrer') AS referrer_worker_name
            FROM syn_input i JOIN programmes p ON p.name = i.programme_name
            """),
        // Deterministic draws and ids, from the seed and the key alone. r(n, k, lo, hi): a draw in
        // lo..hi for household n and purpose k (k < 100003); uid(kind, n, i): the id of the i-th
        // row of a kind for household n: the programme's prefix, then n, then a hash, so that the
        // rows of a run are inserted in the order of their primary keys (random ids would scatter
        // the inserts over every page of indexes larger than the shared buffers). Plain SQL
        // functions with the seed and key as literals, so that the planner inlines them.
        .init(
            "functions", [.work],
            """
            DO $$
            DECLARE
                s syn;
            BEGIN
                SELECT * INTO s FROM syn;
                EXECUTE format($f$CREATE FUNCTION pg_temp.r(n integer, k integer, lo integer, hi integer) RETURNS integer
                    LANGUAGE sql IMMUTABLE AS %L$f$,
                    format('SELECT (lo + ((hashint8extended(n::bigint * 100003 + k, %s) & 2147483647) %% (hi - lo + 1)))::integer',
                           s.seed));
                EXECUTE format($f$CREATE FUNCTION pg_temp.uid(kind text, n integer, i integer) RETURNS uuid
                    LANGUAGE sql IMMUTABLE AS %L$f$,
                    format('SELECT (%L || lpad(to_hex(n), 8, ''0'') || left(md5(%L || '':'' || kind || '':'' || n::text || '':'' || i::text), 18))::uuid',
                           left(md5(s.key), 6), s.key));
            END
            $$
            """),
        // The moment of an event: `minutes` after midnight (UTC) of `day`.
        .init(
            "functions.at", [.work],
            """
            CREATE FUNCTION pg_temp.at(day date, minutes integer) RETURNS timestamptz
            LANGUAGE sql IMMUTABLE AS
            $$ SELECT (day::timestamp + minutes * interval '1 minute') AT TIME ZONE 'UTC' $$
            """),
        // Comités fall monthly on day `d`: the index (year * 12 + month - 1) of the first comité on
        // or after `day`, and the day of the comité of an index.
        .init(
            "functions.cidx", [.work],
            """
            CREATE FUNCTION pg_temp.cidx(day date, d integer) RETURNS integer
            LANGUAGE sql IMMUTABLE AS
            $$ SELECT (extract(year FROM day) * 12 + extract(month FROM day) - 1)::integer
                      + CASE WHEN extract(day FROM day) > d THEN 1 ELSE 0 END $$
            """),
        .init(
            "functions.cday", [.work],
            """
            CREATE FUNCTION pg_temp.cday(m integer, d integer) RETURNS date
            LANGUAGE sql IMMUTABLE AS
            $$ SELECT make_date(m / 12, m % 12 + 1, d) $$
            """),
        // Where the households are rehoused: the eight départements of Île-de-France, shared
        // between the two bailleurs, with their share of the households (lo ≤ draw < hi), the
        // coordination cell's comité day and a few communes.
        .init(
            "departements", [.work],
            """
            CREATE TEMP TABLE syn_depts ON COMMIT DROP AS
            SELECT d.k, d.code, d.name, d.landlord, d.lo, d.hi, d.communes, 4 + 2 * d.k AS comite_day
            FROM (VALUES (1, '75', 'Paris', 1, 0, 10, ARRAY['Paris 13e', 'Paris 18e', 'Paris 19e', 'Paris 20e']),
                         (2, '77', 'Seine-et-Marne', 1, 10, 20, ARRAY['Meaux', 'Melun', 'Chelles', 'Torcy', 'Pontault-Combault']),
                         (3, '78', 'Yvelines', 2, 20, 30, ARRAY['Mantes-la-Jolie', 'Trappes', 'Les Mureaux', 'Sartrouville',
                                                                'Poissy']),
                         (4, '91', 'Essonne', 1, 30, 44, ARRAY['Évry-Courcouronnes', 'Corbeil-Essonnes', 'Grigny', 'Massy',
                                                               'Ris-Orangis']),
                         (5, '92', 'Hauts-de-Seine', 2, 44, 54, ARRAY['Nanterre', 'Gennevilliers', 'Colombes', 'Bagneux',
                                                                      'Clichy']),
                         (6, '93', 'Seine-Saint-Denis', 2, 54, 72, ARRAY['Saint-Denis', 'Aubervilliers', 'Bobigny', 'Montreuil',
                                                                         'Aulnay-sous-Bois', 'Sevran']),
                         (7, '94', 'Val-de-Marne', 1, 72, 84, ARRAY['Créteil', 'Vitry-sur-Seine', 'Champigny-sur-Marne',
                                                                    'Ivry-sur-Seine', 'Villejuif']),
                         (8, '95', 'Val-d''Oise', 2, 84, 100, ARRAY['Cergy', 'Sarcelles', 'Garges-lès-Gonesse', 'Argenteuil',
                                                                    'Villiers-le-Bel']))
                 AS d (k, code, name, landlord, lo, hi, communes)
            """),
    ]
}
