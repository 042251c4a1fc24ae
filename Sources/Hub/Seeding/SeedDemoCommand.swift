import ArgumentParser
import Foundation
import Logging
import Notify
import PostgresNIO
import Tenancy

/// The demo partners of DOMAIN.md: the organisations of the seeds, the programme
/// « Logements Hlm accompagnés 2024–2025 » and one user per role, bound and not bound.
/// Demo accounts share one published password: they exist only in demo mode.
enum DemoData {
    static let password = "demo-hub-2025!"

    struct DemoUser {
        let email: String
        let name: String
        let organisation: String
        let roles: Set<Role>
        let bound: Bool
        let note: String
        /// A person may act for several organisations, one at a time, chosen at sign-in.
        var alsoMemberOf: [(organisation: String, roles: Set<Role>, bound: Bool)] = []
    }

    static let organisations: [(String, OrganisationKind)] = [
        ("ALFI", .supportOperator),
        ("Antin Résidences", .socialLandlord),
        ("Croix-Rouge française", .shelterProvider),
        ("Conseil départemental de l'Essonne", .departement),
        ("Action Logement Services", .actionLogement),
        ("DRIHL Île-de-France", .state),
    ]

    static let programme = "Logements Hlm accompagnés 2024–2025"
    /// Croix-Rouge and the ASE services orient, ALFI carries and accompanies, Antin houses,
    /// the département and Action Logement fund, the DRIHL funds and evaluates (seed 001).
    static let partners: [(String, ProgrammePart)] = [
        ("ALFI", .holder), ("ALFI", .operator),
        ("Croix-Rouge française", .referrer),
        ("Conseil départemental de l'Essonne", .referrer), ("Conseil départemental de l'Essonne", .funder),
        ("Antin Résidences", .landlord),
        ("Action Logement Services", .funder),
        ("DRIHL Île-de-France", .funder), ("DRIHL Île-de-France", .evaluator),
    ]

    static let users: [DemoUser] = [
        .init(
            email: "claire.martin@alfi.demo", name: "Claire Martin", organisation: "ALFI",
            roles: [.socialWorker], bound: true, note: "CESF, référente sociale"),
        .init(
            email: "lucas.petit@alfi.demo", name: "Lucas Petit", organisation: "ALFI",
            roles: [.socialWorker], bound: false, note: "intervenant non tenu au secret"),
        .init(
            email: "sophie.bernard@alfi.demo", name: "Sophie Bernard", organisation: "ALFI",
            roles: [.serviceHead], bound: true, note: "cheffe de service"),
        .init(
            email: "karim.haddad@alfi.demo", name: "Karim Haddad", organisation: "ALFI",
            roles: [.facilitator], bound: true, note: "anime la cellule et le comité"),
        .init(
            email: "admin@alfi.demo", name: "Administration ALFI", organisation: "ALFI",
            roles: [.orgAdmin], bound: false, note: "administratrice des comptes ALFI"),
        .init(
            email: "julie.moreau@antin.demo", name: "Julie Moreau", organisation: "Antin Résidences",
            roles: [.housingOfficer], bound: false, note: "chargée de gestion locative"),
        .init(
            email: "admin@antin.demo", name: "Administration Antin", organisation: "Antin Résidences",
            roles: [.orgAdmin], bound: false, note: "administrateur des comptes Antin"),
        .init(
            email: "nadia.benali@croix-rouge.demo", name: "Nadia Benali", organisation: "Croix-Rouge française",
            roles: [.socialWorker], bound: true, note: "assistante de service social, orientatrice"),
        .init(
            email: "marc.dubois@croix-rouge.demo", name: "Marc Dubois", organisation: "Croix-Rouge française",
            roles: [.serviceHead], bound: false, note: "chef de service non tenu au secret"),
        .init(
            email: "thomas.leroy@essonne.demo", name: "Thomas Leroy",
            organisation: "Conseil départemental de l'Essonne",
            roles: [.socialWorker], bound: true, note: "éducateur ASE"),
        .init(
            email: "amina.kone@essonne.demo", name: "Amina Koné", organisation: "Conseil départemental de l'Essonne",
            roles: [.socialWorker], bound: true,
            note: "assistante sociale du département, aussi à la Croix-Rouge : choisit à la connexion",
            alsoMemberOf: [("Croix-Rouge française", [.socialWorker], true)]),
        .init(
            email: "ines.garcia@actionlogement.demo", name: "Inès Garcia", organisation: "Action Logement Services",
            roles: [.housingOfficer], bound: false, note: "conseillère Action Logement"),
        .init(
            email: "paul.lambert@drihl.demo", name: "Paul Lambert", organisation: "DRIHL Île-de-France",
            roles: [.evaluator], bound: false, note: "évaluateur de l'État"),
    ]

    /// Idempotent: a second run finds everything in place and changes nothing.
    static func load(on connection: PostgresConnection, logger: Logger) async throws {
        var ids: [String: UUID] = [:]
        for (name, kind) in organisations {
            ids[name] = try await Operator.createOrganisation(name: name, kind: kind, on: connection, logger: logger)
        }
        _ = try await Operator.createProgramme(
            // Running until the end of next year: the demo takes new orientations whenever it is tried.
            name: programme, startsOn: "2024-01-01", endsOn: "\(Day.today().parts.year + 1)-12-31",
            yearlyBudgetEuros: "65000.00",
            targetHouseholds: 30, partners: partners.map { (ids[$0.0]!, $0.1) }, on: connection, logger: logger)
        // One hash for all demo accounts: they share the published demo password anyway.
        let hash = try await Credentials.hashPassword(password)
        for user in users {
            _ = try await Operator.createUser(
                email: user.email, displayName: user.name, passwordHash: hash,
                memberships: [
                    .init(organisationID: ids[user.organisation]!, roles: user.roles, boundBySecret: user.bound)
                ]
                    + user.alsoMemberOf.map {
                        .init(organisationID: ids[$0.organisation]!, roles: $0.roles, boundBySecret: $0.bound)
                    },
                on: connection, logger: logger)
        }
        try await loadHousehold(on: connection, logger: logger)
        try await loadFlats(on: connection, logger: logger)
        try await loadCell(on: connection, logger: logger)
        // The indicators read roll-ups: computed now, over what the demo holds.
        try await IndicatorStore.refresh(on: connection, logger: logger)
    }

    /// The programme's coordination cell, run by Karim Haddad, following the demo household,
    /// with its next three monthly comités (the 15th).
    static func loadCell(on connection: PostgresConnection, logger: Logger) async throws {
        let exists = try await connection.query(
            "SELECT 1 FROM coordination_cells WHERE name = 'Cellule Essonne'", logger: logger
        )
        .decode(Int.self).first { _ in true }
        guard exists == nil else { return }
        let cell = UUID()
        try await connection.perform(
            """
            INSERT INTO coordination_cells (id, kind, programme_id, organisation_id, name, territory,
                                            facilitator_user_id, facilitator_name, comite_day)
            SELECT \(cell), 'coordination', p.id, alfi.id, 'Cellule Essonne', 'Essonne (91)', u.id, u.display_name, 15
            FROM programmes p, organisations alfi, users u
            WHERE p.name = \(programme) AND alfi.name = 'ALFI' AND u.email = 'karim.haddad@alfi.demo'
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO cell_organisations (cell_id, organisation_id)
            SELECT \(cell), id FROM organisations
            WHERE name IN ('ALFI', 'Antin Résidences', 'Croix-Rouge française', 'Conseil départemental de l''Essonne')
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO cell_people (cell_id, user_id, organisation_id, display_name)
            SELECT \(cell), u.id, m.organisation_id, u.display_name
            FROM users u JOIN memberships m ON m.user_id = u.id
            WHERE u.email IN ('karim.haddad@alfi.demo', 'claire.martin@alfi.demo', 'julie.moreau@antin.demo',
                              'nadia.benali@croix-rouge.demo', 'thomas.leroy@essonne.demo')
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO cell_situations (id, cell_id, household_id, added_by_organisation_id)
            SELECT \(UUID()), \(cell), x.id, x.lead_organisation_id FROM households x WHERE x.reference = 'M-DEMO00001'
            """, logger: logger)
        for day in ComiteCalendar.monthly(day: 15, after: Date()) {
            try await connection.perform(
                """
                INSERT INTO comites (id, cell_id, reference, kind, held_on)
                VALUES (\(UUID()), \(cell), \(ComiteStore.newReference()), 'monthly', \(Day(day)))
                """, logger: logger)
        }
    }

    /// Two flats of Antin's stock for Julie Moreau to propose once a household is diagnosed.
    static func loadFlats(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform(
            """
            INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement, flat_type,
                               rent_cents, charges_cents, contingent, available_from)
            SELECT gen_random_uuid(), o.id, u.id, f.reference, f.commune, '91', f.flat_type, f.rent, f.charges,
                   f.contingent, current_date
            FROM organisations o, users u,
                 (VALUES ('ANT-EVRY-12', 'Évry-Courcouronnes', 'T3', 51240, 8500, 'landlord'),
                         ('ANT-CORB-04', 'Corbeil-Essonnes', 'T2', 43810, 6200, 'prefecture'))
                     AS f (reference, commune, flat_type, rent, charges, contingent)
            WHERE o.name = 'Antin Résidences' AND u.email = 'julie.moreau@antin.demo'
            ON CONFLICT (landlord_organisation_id, reference) DO NOTHING
            """, logger: logger)
    }

    /// One household to try the secret partagé with: oriented by the Croix-Rouge, accepted
    /// by ALFI (référente Claire Martin), followed by Antin with a `partners` consent.
    static func loadHousehold(on connection: PostgresConnection, logger: Logger) async throws {
        let exists = try await connection.query(
            "SELECT 1 FROM households WHERE reference = 'M-DEMO00001'", logger: logger
        )
        .decode(Int.self).first { _ in true }
        guard exists == nil else { return }
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO households (id, reference, programme_id, status, oriented_by, lead_organisation_id,
                referent_user_id, referent_name, single_parent, current_situation, situation_since, public,
                dalo_recognised_on, dalo_departement, action_logement_employee, resources_category)
            SELECT \(id), 'M-DEMO00001', p.id, 'oriented', crf.id, alfi.id, u.id, u.display_name, true, 'hotel',
                   date '2021-09-01', 'hotelFamily', date '2022-03-15', '91', false, 'minimaSociaux'
            FROM programmes p, organisations crf, organisations alfi, users u
            WHERE p.name = \(programme) AND crf.name = 'Croix-Rouge française' AND alfi.name = 'ALFI'
              AND u.email = 'claire.martin@alfi.demo'
            """, logger: logger)
        // Oriented, then accepted: the path's first two moves, as the API would record them.
        try await connection.perform(
            "UPDATE households SET status = 'accepted' WHERE id = \(id)", logger: logger)
        try await connection.perform(
            """
            INSERT INTO household_persons (id, household_id, position, first_name, last_name, birth_date, relation)
            VALUES (\(UUID()), \(id), 0, 'Awa', 'Diallo', date '1991-04-02', 'applicant'),
                   (\(UUID()), \(id), 1, 'Moussa', 'Diallo', date '2016-06-01', 'child'),
                   (\(UUID()), \(id), 2, 'Fanta', 'Diallo', date '2019-11-20', 'child')
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO care_team (household_id, organisation_id)
            SELECT \(id), id FROM organisations WHERE name IN ('ALFI', 'Croix-Rouge française', 'Antin Résidences')
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO consents (id, household_id, recipient_organisation_id, level, purpose, obtained_how,
                informed_of_categories, informed_of_professionals, informed_of_medium, informed_of_protection,
                expires_at, recorded_by, recorded_by_organisation_id)
            SELECT gen_random_uuid(), \(id), o.id, CASE WHEN o.name = 'Antin Résidences' THEN 'partners' ELSE 'secret' END,
                   'Accompagnement vers et dans le logement', 'writtenSigned', true, true, true, true,
                   now() + interval '12 months', u.id, crf.id
            FROM organisations o, organisations crf, users u
            WHERE o.name IN ('ALFI', 'Croix-Rouge française', 'Antin Résidences') AND crf.name = 'Croix-Rouge française'
              AND u.email = 'nadia.benali@croix-rouge.demo'
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO notes (id, household_id, author_organisation_id, author_user_id, author_name, body, level)
            SELECT gen_random_uuid(), \(id), alfi.id, u.id, u.display_name, n.body, n.level
            FROM organisations alfi, users u,
                 (VALUES ('Premier entretien au bureau : présentation de l''accompagnement.', 'partners'),
                         ('Dette de loyer ancienne en cours d''apurement, plan FSL à préparer.', 'secret')) AS n(body, level)
            WHERE alfi.name = 'ALFI' AND u.email = 'claire.martin@alfi.demo'
            """, logger: logger)
        // The notifications the routes would have raised: ALFI's service head hears of the
        // orientation, the Croix-Rouge's of the acceptance (their inboxes once the hub runs).
        let rows = try await connection.query(
            """
            SELECT o.id, u.id FROM users u JOIN memberships m ON m.user_id = u.id JOIN organisations o ON o.id = m.organisation_id
            WHERE u.email IN ('nadia.benali@croix-rouge.demo', 'claire.martin@alfi.demo') ORDER BY u.email DESC
            """, logger: logger)
        var actors: [(organisation: UUID, user: UUID)] = []
        for try await (organisation, user) in rows.decode((UUID, UUID).self) { actors.append((organisation, user)) }
        guard actors.count == 2 else { throw ValidationError("Comptes de démonstration introuvables.") }
        let (croixRouge, alfi) = (actors[0], actors[1])
        for (topic, actor, told) in [
            (Topic.householdOriented, croixRouge, [alfi.organisation]), (.householdAccepted, alfi, []),
        ] {
            try await Outbox.record(
                Event(
                    topic: topic, organisationID: actor.organisation, actorUserID: actor.user, householdID: id,
                    reference: "M-DEMO00001", linkPath: "/v1/households/\(id.uuidString.lowercased())",
                    pagePath: Event.Pages.household(id, topic), organisationIDs: told),
                on: connection, logger: logger)
        }
    }

    static var loginTable: String {
        var lines = ["Comptes de démonstration (mot de passe commun : \(password))", ""]
        for user in users {
            let roles = user.roles.sorted().map(\.rawValue).joined(separator: ",")
            lines.append(
                "  \(user.email.padding(toLength: 34, withPad: " ", startingAt: 0)) \(user.organisation.padding(toLength: 36, withPad: " ", startingAt: 0)) \(roles)\(user.bound ? " (secret)" : "") — \(user.note)"
            )
        }
        lines.append("")
        lines.append(
            "La console : /connexion dans un navigateur. L'API : POST /v1/sessions {\"email\", \"password\", \"organisationId\"}"
        )
        return lines.joined(separator: "\n")
    }
}

struct SeedDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Charge les partenaires de démonstration (HUB_MODE=demo uniquement).")

    @Flag(help: "Affiche les comptes de démonstration et les identifiants des organisations, sans rien charger.")
    var printLogins = false

    func run() async throws {
        guard ProcessInfo.processInfo.environment["HUB_MODE"] == "demo" else {
            throw ValidationError("Les données de démonstration ne se chargent qu'avec HUB_MODE=demo.")
        }
        let logger = Logger.cli
        try await withOwnerClient { client in
            if printLogins {
                print(DemoData.loginTable)
                print("\nOrganisations :")
                let rows = try await client.query("SELECT id, name FROM organisations ORDER BY name", logger: logger)
                for try await (id, name) in rows.decode((UUID, String).self) {
                    print("  \(id.uuidString.lowercased())  \(name)")
                }
            } else {
                try await client.transaction(logger: logger) { try await DemoData.load(on: $0, logger: logger) }
                print("Données de démonstration chargées.")
            }
        }
    }
}
