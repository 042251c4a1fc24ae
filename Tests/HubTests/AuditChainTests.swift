import Foundation
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// R11's log: append-only even for the owner, and `hub audit verify` names the first record
/// a superuser altered or removed. Each test works in a database of its own.
@Suite struct AuditChainTests {
    func withAuditDatabase(_ body: @Sendable (PostgresClient, String) async throws -> Void) async throws {
        let name = "hub_audit_\(UUID().uuidString.prefix(8).lowercased())"
        try await Self.named("creating \(name)") {
            _ = try await withOwner { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        }
        var configuration = try TestDatabase.configuration(.owner, poolSize: 8)
        configuration.database = name
        do {
            try await withClient(configuration) { client in
                try await Migrator(migrations: try Migration.load(from: TestDatabase.migrationsDirectory))
                    .migrate(client: client, logger: TestDatabase.logger)
                try await body(client, name)
            }
        } catch {
            TestDatabase.logger.error("audit database \(name): \(String(reflecting: error))")
            try? await dropDatabase(name)
            throw error
        }
        try await Self.named("dropping \(name)") { try await dropDatabase(name) }
    }

    /// PostgresNIO's errors say nothing by default: a failure here names its step and cause.
    static func named(_ step: String, _ body: () async throws -> Void) async throws {
        do { try await body() } catch {
            TestDatabase.logger.error("audit database, \(step): \(String(reflecting: error))")
            throw error
        }
    }

    /// Appends `count` records to each chain, many at once.
    func append(_ chains: [String], count: Int, on client: PostgresClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chain in chains {
                for index in 0..<count {
                    group.addTask {
                        try await client.query(
                            """
                            SELECT audit_append(\(chain), ARRAY[\(UUID())]::uuid[], 'test.read', ARRAY['partners'],
                                                'disclosed', \("req-\(index)"))
                            """)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// What only a superuser can do: change the log with its triggers switched off.
    func tamper(_ database: String, _ statement: String) async throws {
        try await withSuperuser(database) { superuser in
            try await superuser.withConnection { connection in
                try await connection.query("SET session_replication_role = replica", logger: TestDatabase.logger)
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
            }
        }
    }

    @Test func anAuditDatabaseIsDroppedWhileAnotherRoleIsStillConnected() async throws {
        let name = "hub_audit_\(UUID().uuidString.prefix(8).lowercased())"
        try await withOwner { _ = try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        var runtime = try TestDatabase.configuration(.runtime, poolSize: 1)
        runtime.database = name
        try await withClient(runtime) { client in
            try await client.withConnection { _ in try await dropDatabase(name) }
        }
        let left = try await withOwner { client in
            var count = 0
            for try await _ in try await client.query("SELECT 1 FROM pg_database WHERE datname = \(name)") {
                count += 1
            }
            return count
        }
        #expect(left == 0)
    }

    @Test func concurrentAppendsKeepChainsThatVerify() async throws {
        try await withAuditDatabase { client, _ in
            try await append(["household:a", "household:b", "organisation:c"], count: 40, on: client)
            let verified = try await client.withConnection {
                try await AuditVerifier.verify(on: $0, logger: TestDatabase.logger)
            }
            #expect(verified == 120)
        }
    }

    @Test func theLogIsAppendOnlyEvenForTheOwner() async throws {
        try await withAuditDatabase { client, _ in
            try await append(["household:a"], count: 2, on: client)
            await #expect(throws: PSQLError.self) { try await client.query("UPDATE audit_log SET action = 'x'") }
            await #expect(throws: PSQLError.self) { try await client.query("DELETE FROM audit_log") }
            await #expect(throws: PSQLError.self) { try await client.query("TRUNCATE audit_log") }
        }
        // The runtime role has no grant on it at all.
        try await withRuntime { client in
            await #expect(throws: PSQLError.self) { try await client.query("SELECT count(*) FROM audit_log") }
            await #expect(throws: PSQLError.self) {
                try await client.query(
                    "INSERT INTO audit_log (chain, seq, at, household_ids, action, levels, outcome, prev_hash, hash) VALUES ('x', 1, now(), '{}', 'x', '{}', 'denied', '', '')"
                )
            }
        }
    }

    @Test func anEditedRecordIsNamed() async throws {
        try await withAuditDatabase { client, name in
            try await append(["household:a"], count: 5, on: client)
            try await tamper(name, "UPDATE audit_log SET action = 'rien' WHERE chain = 'household:a' AND seq = 3")
            await #expect(
                throws: AuditVerifier.Break(chain: "household:a", seq: 3, id: 3, reason: "contenu ou empreinte modifié")
            ) {
                _ = try await client.withConnection {
                    try await AuditVerifier.verify(on: $0, logger: TestDatabase.logger)
                }
            }
        }
    }

    @Test func aDeletedRecordIsNamed() async throws {
        try await withAuditDatabase { client, name in
            try await append(["household:a"], count: 5, on: client)
            try await tamper(name, "DELETE FROM audit_log WHERE chain = 'household:a' AND seq = 2")
            await #expect(
                throws: AuditVerifier.Break(chain: "household:a", seq: 2, id: nil, reason: "enregistrement manquant")
            ) {
                _ = try await client.withConnection {
                    try await AuditVerifier.verify(on: $0, logger: TestDatabase.logger)
                }
            }
        }
    }

    @Test func aTruncatedTailIsNamed() async throws {
        try await withAuditDatabase { client, name in
            try await append(["household:a"], count: 4, on: client)
            try await tamper(name, "DELETE FROM audit_log WHERE chain = 'household:a' AND seq = 4")
            await #expect(
                throws: AuditVerifier.Break(
                    chain: "household:a", seq: 4, id: nil, reason: "enregistrement manquant après le dernier lu")
            ) {
                _ = try await client.withConnection {
                    try await AuditVerifier.verify(on: $0, logger: TestDatabase.logger)
                }
            }
        }
    }
}
