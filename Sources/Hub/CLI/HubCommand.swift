import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Tenancy

@main
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Hub de coordination des partenaires de l'accompagnement vers et dans le logement.",
        discussion: "La configuration vient des variables HUB_… (voir deploy/env.example).",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, SeedDemoCommand.self, OrganisationCommand.self,
            ProgrammeCommand.self, UserCommand.self, AuditCommand.self, IndicatorsCommand.self,
            SeedSyntheticCommand.self, ImportCommand.self,
        ])
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Sert l'API web. Refuse de démarrer si des migrations sont en attente ou modifiées.")

    /// SIGTERM (systemd's stop) and SIGINT start a graceful shutdown: the listener closes,
    /// requests under way are answered, then every service ends (the dispatcher finishes and
    /// settles the batch it is sending). What has not ended after `shutdownGrace` is
    /// cancelled, so the process always exits, well before systemd's SIGKILL.
    func run() async throws {
        let configuration = try HubConfiguration.fromEnvironment()
        let app = try buildApplication(configuration)
        var group = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        group.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: group).run()
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Applique les migrations de sql/ en attente, en une transaction, avec le rôle propriétaire.")

    @Flag(help: "Affiche l'état des migrations sans rien appliquer.")
    var status = false

    func run() async throws {
        let configuration = try HubConfiguration.fromEnvironment()
        let migrator = Migrator(migrations: try Migration.load(from: configuration.migrationsDirectory))
        let logger = Logger.cli
        try await withOwnerClient { client in
            if status {
                let state = try await client.withConnection { try await migrator.status(on: $0, logger: logger) }
                print("en attente : \(state.pending.isEmpty ? "aucune" : state.pending.joined(separator: ", "))")
                print("modifiées : \(state.altered.isEmpty ? "aucune" : state.altered.joined(separator: ", "))")
                print("inconnues : \(state.unknown.isEmpty ? "aucune" : state.unknown.joined(separator: ", "))")
            } else {
                let applied = try await migrator.migrate(client: client, logger: logger)
                print(applied.isEmpty ? "Base à jour." : "Migrations appliquées : \(applied.joined(separator: ", "))")
            }
        }
    }
}

extension Logger {
    static var cli: Logger {
        var logger = Logger(label: "hub")
        // PostgresNIO warns when a lease races the pool's start-up; it waits, so nothing to say.
        logger.logLevel = .error
        return logger
    }
}

/// Runs `body` with a client connected as the owner role (`HUB_DB_OWNER_…`): operator
/// commands and migrations, never the server.
func withOwnerClient<Result: Sendable>(_ body: @Sendable (PostgresClient) async throws -> Result) async throws
    -> Result
{
    let client = try DatabaseConfiguration.fromEnvironment(role: .owner).makeClient(logger: .cli)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}
