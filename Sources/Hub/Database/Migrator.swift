import Crypto
import Foundation
import Logging
import PostgresNIO
import Tenancy

/// One file of `sql/`, applied once, in name order, and recorded with its checksum.
struct Migration: Sendable {
    let version: String
    let sql: String
    let checksum: String

    init(version: String, sql: String) {
        self.version = version
        self.sql = sql
        checksum = SHA256.hash(data: Data(sql.utf8)).hex
    }

    /// The `NNNN_name.sql` files of a directory, in order.
    static func load(from directory: String) throws -> [Migration] {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        guard !names.isEmpty else { throw MigrationError.noMigrations(directory) }
        return try names.map { name in
            Migration(version: name, sql: try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8))
        }
    }
}

enum MigrationError: Error, CustomStringConvertible {
    case noMigrations(String)
    case altered([String])
    case unknown([String])
    case pending([String])

    var description: String {
        switch self {
        case .noMigrations(let directory): "aucune migration dans \(directory)"
        case .altered(let versions): "migrations modifiées après application : \(versions.joined(separator: ", "))"
        case .unknown(let versions): "migrations appliquées absentes du dossier : \(versions.joined(separator: ", "))"
        case .pending(let versions): "migrations en attente : \(versions.joined(separator: ", "))"
        }
    }
}

struct MigrationStatus: Equatable {
    var pending: [String] = []
    var altered: [String] = []
    var unknown: [String] = []

    var isCurrent: Bool { pending.isEmpty && altered.isEmpty && unknown.isEmpty }

    /// `serve` refuses to start on anything but a current database.
    func requireCurrent() throws {
        if !altered.isEmpty { throw MigrationError.altered(altered) }
        if !unknown.isEmpty { throw MigrationError.unknown(unknown) }
        if !pending.isEmpty { throw MigrationError.pending(pending) }
    }
}

struct Migrator {
    let migrations: [Migration]

    /// Any two `hub migrate` on one database wait for each other on this lock.
    static let lockKey = 0x6875_625f_6d69_67  // "hub_mig"

    /// Compares the database's record with the files. Works with the runtime role, which
    /// may read `schema_migrations`; a database never migrated has everything pending.
    func status(on connection: PostgresConnection, logger: Logger) async throws -> MigrationStatus {
        let exists =
            try await connection.query(
                "SELECT to_regclass('public.schema_migrations') IS NOT NULL", logger: logger
            ).decode(Bool.self).first { _ in true } ?? false
        var applied: [String: String] = [:]
        if exists {
            for try await (version, checksum) in try await connection.query(
                "SELECT version, checksum FROM schema_migrations", logger: logger
            ).decode((String, String).self) {
                applied[version] = checksum
            }
        }
        var status = MigrationStatus()
        for migration in migrations {
            switch applied.removeValue(forKey: migration.version) {
            case nil: status.pending.append(migration.version)
            case migration.checksum?: break
            default: status.altered.append(migration.version)
            }
        }
        status.unknown = applied.keys.sorted()
        return status
    }

    /// Applies what is pending, all in one transaction under the advisory lock: either the
    /// database reaches the current version or it stays as it was.
    @discardableResult
    func migrate(client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.perform(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            let status = try await status(on: connection, logger: logger)
            if !status.altered.isEmpty { throw MigrationError.altered(status.altered) }
            if !status.unknown.isEmpty { throw MigrationError.unknown(status.unknown) }
            for migration in migrations where status.pending.contains(migration.version) {
                for statement in SQLScript.statements(migration.sql) {
                    try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.perform(
                    "INSERT INTO schema_migrations (version, checksum) VALUES (\(migration.version), \(migration.checksum))",
                    logger: logger)
                logger.info("migration applied", metadata: ["version": "\(migration.version)"])
            }
            return status.pending
        }
    }
}
