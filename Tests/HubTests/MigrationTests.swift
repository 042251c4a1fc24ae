import Foundation
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Each test migrates a database of its own, created by the owner role and dropped after.
@Suite struct MigrationTests {
    func withFreshDatabase(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        let name = "hub_migration_\(UUID().uuidString.prefix(8).lowercased())"
        try await withOwner { owner in
            try await owner.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        var configuration = try TestDatabase.configuration(.owner)
        configuration.database = name
        do {
            try await withClient(configuration, body)
        } catch {
            try? await dropDatabase(name)
            throw error
        }
        try await dropDatabase(name)
    }

    let migrations: [Migration]

    init() throws {
        migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
    }

    @Test func migratesOnceAndRecordsChecksums() async throws {
        let migrator = Migrator(migrations: migrations)
        try await withFreshDatabase { client in
            let before = try await client.withConnection {
                try await migrator.status(on: $0, logger: TestDatabase.logger)
            }
            #expect(before.pending == migrations.map(\.version))
            #expect(
                try await migrator.migrate(client: client, logger: TestDatabase.logger) == migrations.map(\.version))
            #expect(try await migrator.migrate(client: client, logger: TestDatabase.logger).isEmpty)
            let after = try await client.withConnection {
                try await migrator.status(on: $0, logger: TestDatabase.logger)
            }
            #expect(after.isCurrent)
            let recorded = try await client.query("SELECT checksum FROM schema_migrations ORDER BY version")
                .decode(String.self).reduce(into: []) { $0.append($1) }
            #expect(recorded == migrations.map(\.checksum))
        }
    }

    @Test func twoMigratorsAtOnceApplyEachMigrationOnce() async throws {
        let migrator = Migrator(migrations: migrations)
        try await withFreshDatabase { client in
            async let first = migrator.migrate(client: client, logger: TestDatabase.logger)
            async let second = migrator.migrate(client: client, logger: TestDatabase.logger)
            let applied = try await [first, second]
            #expect(applied.flatMap { $0 }.sorted() == migrations.map(\.version).sorted())
        }
    }

    @Test func anAlteredOrPendingMigrationIsRefused() async throws {
        try await withFreshDatabase { client in
            try await Migrator(migrations: migrations).migrate(client: client, logger: TestDatabase.logger)

            let altered = Migrator(
                migrations: migrations.dropLast() + [Migration(version: migrations.last!.version, sql: "SELECT 1")])
            let alteredStatus = try await client.withConnection {
                try await altered.status(on: $0, logger: TestDatabase.logger)
            }
            #expect(alteredStatus.altered == [migrations.last!.version])
            #expect(throws: MigrationError.self) { try alteredStatus.requireCurrent() }
            await #expect(throws: MigrationError.self) {
                try await altered.migrate(client: client, logger: TestDatabase.logger)
            }

            let ahead = Migrator(migrations: migrations + [Migration(version: "9999_next.sql", sql: "SELECT 1")])
            let pending = try await client.withConnection {
                try await ahead.status(on: $0, logger: TestDatabase.logger)
            }
            #expect(pending.pending == ["9999_next.sql"])
            #expect(throws: MigrationError.self) { try pending.requireCurrent() }

            let behind = Migrator(migrations: Array(migrations.dropLast()))
            let unknown = try await client.withConnection {
                try await behind.status(on: $0, logger: TestDatabase.logger)
            }
            #expect(unknown.unknown == [migrations.last!.version])
        }
    }

    /// A failing migration leaves the database as it was: one transaction for the run.
    @Test func aFailingMigrationAppliesNothing() async throws {
        let broken = Migrator(
            migrations: migrations + [Migration(version: "9999_broken.sql", sql: "SELECT * FROM nulle_part")])
        try await withFreshDatabase { client in
            await #expect(throws: PSQLError.self) {
                try await broken.migrate(client: client, logger: TestDatabase.logger)
            }
            let status = try await client.withConnection {
                try await broken.status(on: $0, logger: TestDatabase.logger)
            }
            #expect(status.pending == broken.migrations.map(\.version))
        }
    }
}
