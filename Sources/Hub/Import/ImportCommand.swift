import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Tenancy

/// `hub import`: operator work. Brings a caseload file into a programme as one of its users
/// (`--as`), streaming the file in bounded memory; prints one French line per line of the file
/// and the summary last. Exit status 1 if a line was refused.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Importe des ménages suivis, avec leur historique (JSON Lines, un ménage par ligne).",
        discussion: """
            Chaque fait est enregistré par l'API, au nom de l'utilisateur --as, avec ses règles ; \
            un ménage refusé n'est pas écrit du tout. Format : deploy/import-sample.jsonl et le schéma \
            ImportLine du document OpenAPI.
            """)

    @Option(help: "Programme : identifiant ou nom.") var programme: String
    @Option(
        name: .customLong("as"),
        help: "Adresse de l'utilisateur qui importe (travailleur social ou chef de service tenu au secret).")
    var user: String
    @Option(help: "Son organisation (nom ou identifiant), s'il est membre de plusieurs.") var organisation: String?
    @Option(
        help:
            "Adresse d'un chargé de gestion locative du bailleur du programme, au nom de qui les faits du bailleur (section housing : logement, proposition, décision de la CAL, alertes) sont enregistrés."
    )
    var landlordAs: String?
    @Flag(help: "Vérifie chaque ligne sans rien écrire.") var dryRun = false
    @Option(help: "Ménages écrits à la fois, chacun dans sa transaction (1 à 16).") var parallel = 4
    @Argument(help: "Le fichier JSON Lines.") var file: String

    func validate() throws {
        guard (1...16).contains(parallel) else { throw ValidationError("--parallel va de 1 à 16.") }
    }

    func run() async throws {
        var reader = try LineReader(path: file)
        let (programmeID, actor, landlord) = try await withOwnerClient { client in
            try await client.withConnection { connection in
                let actor = try await Self.actor(email: user, organisation: organisation, on: connection)
                guard Importer.mayImport(actor) else { throw ValidationError(Importer.importerOnly) }
                var landlord: Actor?
                if let landlordAs {
                    landlord = try await Self.actor(email: landlordAs, organisation: nil, on: connection)
                }
                return (try await Self.programmeID(programme, on: connection), actor, landlord)
            }
        }
        let configuration = try HubConfiguration.fromEnvironment()
        let client = configuration.database.makeClient(logger: .cli)
        var counts = (lines: 0, imported: 0, unchanged: 0, refused: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let migrator = Migrator(migrations: try Migration.load(from: configuration.migrationsDirectory))
            let importer = Importer(
                client: client, api: ImportAPI(client: client, migrator: migrator, session: configuration.session),
                programme: programmeID, actor: actor, landlord: landlord, dryRun: dryRun,
                requestID: "\(RandomRequestID())", logger: .cli)
            try await importer.importAll(
                parallel: parallel, next: { try reader.next().map { (reader.number, $0) } },
                emit: { result in
                    counts.lines += 1
                    switch result.outcome {
                    case .imported: counts.imported += 1
                    case .unchanged: counts.unchanged += 1
                    case .refused: counts.refused += 1
                    }
                    print(Self.describe(result, dryRun: dryRun))
                })
        }
        print(
            ImportController.Report.summary(
                lines: counts.lines, imported: counts.imported, unchanged: counts.unchanged, refused: counts.refused,
                dryRun: dryRun))
        if counts.refused > 0 { throw ExitCode(1) }
    }

    static func describe(_ result: Importer.Result, dryRun: Bool) -> String {
        let head = "ligne \(result.line)" + (result.reference.map { " (\($0))" } ?? "")
        switch result.outcome {
        case .imported:
            return head + (dryRun ? " : à importer" : " : importé, ménage \(result.householdReference ?? "")")
        case .unchanged:
            return head + " : déjà importé à l'identique, rien n'est changé"
        case .refused:
            return head + " : refusée — "
                + result.refusals.map { ($0.field.map { "\($0) : " } ?? "") + $0.message }.joined(separator: " ; ")
        }
    }

    static func programmeID(_ reference: String, on connection: PostgresConnection) async throws -> UUID {
        let rows = try await connection.query(
            "SELECT id FROM programmes WHERE id::text = \(reference.lowercased()) OR name = \(reference)", logger: .cli)
        for try await id in rows.decode(UUID.self) { return id }
        throw ValidationError("Programme inconnu : \(reference).")
    }

    /// The importing user's membership, as a sign-in would give it; no session is opened (the
    /// operator acts from the server), so its session fields are of this run only.
    static func actor(email: String, organisation: String?, on connection: PostgresConnection) async throws -> Actor {
        var only: UUID?
        if let organisation { only = try await organisationID(organisation, on: connection) }
        let rows = try await connection.query(
            """
            SELECT u.id, m.organisation_id, m.roles, m.bound_by_secret FROM users u
            JOIN memberships m ON m.user_id = u.id AND m.disabled_at IS NULL
            WHERE u.email = lower(\(email))
            """, logger: .cli)
        var actors: [Actor] = []
        for try await (userID, organisationID, roles, bound) in rows.decode((UUID, UUID, [String], Bool).self)
        where only == nil || only == organisationID {
            actors.append(
                Actor(
                    userID: userID, organisationID: organisationID, roles: Set(roles.compactMap(Role.init(rawValue:))),
                    boundBySecret: bound, sessionID: UUID(), sessionExpiresAt: Date().addingTimeInterval(86_400)))
        }
        guard let actor = actors.first else {
            throw ValidationError(
                "Aucun membre actif « \(email) »" + (organisation.map { " dans « \($0) »" } ?? "") + ".")
        }
        guard actors.count == 1 else {
            throw ValidationError("« \(email) » est membre de plusieurs organisations : précisez --organisation.")
        }
        return actor
    }
}
