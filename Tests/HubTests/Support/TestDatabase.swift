import Foundation
import HummingbirdBcrypt
import Logging
import PostgresNIO
import Tenancy

@testable import Hub

/// The PostgreSQL that `deploy/test.sh` started for this run. Tests refuse anything else:
/// they create and drop databases, and must never touch a real one.
enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment

    static func configuration(_ role: DatabaseConfiguration.Role, poolSize: Int = 4) throws -> DatabaseConfiguration {
        guard environment["HUB_TEST"] == "1" else {
            throw TestSetupError("lancez les tests par « bash deploy/test.sh »")
        }
        var configuration = try DatabaseConfiguration.fromEnvironment(environment, role: role)
        guard configuration.isLocal else { throw TestSetupError("base de test non locale : \(configuration.host)") }
        configuration.poolSize = poolSize
        return configuration
    }

    static let logger: Logger = {
        var logger = Logger(label: "hub-tests")
        logger.logLevel = .warning
        return logger
    }()

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let migrationsDirectory = packageRoot.appendingPathComponent("sql").path

    /// The hub's configuration for tests: the runtime role, a small pool.
    static func hubConfiguration(poolSize: Int = 4) throws -> HubConfiguration {
        var configuration = HubConfiguration(database: try self.configuration(.runtime, poolSize: poolSize))
        configuration.migrationsDirectory = migrationsDirectory
        configuration.logLevel = .warning
        // Tests drive the dispatcher themselves (NotifyTests), so that they know when it ran.
        configuration.dispatcherEnabled = false
        // Likewise the indicators' roll-ups: IndicatorTests refreshes them when it needs to.
        configuration.disclosure.refreshInterval = .zero
        // Tests fire bursts of parallel requests at a pool of 4 on a busy machine: they wait
        // for a connection, and for the database, as long as it takes. The 1 s wait and its 503 have tests of their
        // own (HardeningTests) and the outage scenario runs the real default.
        configuration.database.connectionWait = .seconds(60)
        configuration.database.queryDeadline = .seconds(60)
        configuration.requestDeadline = .seconds(120)
        return configuration
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a running client of the given role.
func withClient<Result: Sendable>(
    _ configuration: DatabaseConfiguration, _ body: @Sendable (PostgresClient) async throws -> Result
) async throws -> Result {
    try await withRunning(configuration.makeClient(logger: TestDatabase.logger), body)
}

/// Runs `body` while `client` runs, and stops it after.
func withRunning<Result: Sendable>(
    _ client: PostgresClient, _ body: @Sendable (PostgresClient) async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

@discardableResult
func withOwner<Result: Sendable>(_ body: @Sendable (PostgresClient) async throws -> Result) async throws -> Result {
    try await withClient(try TestDatabase.configuration(.owner), body)
}

@discardableResult
func withRuntime<Result: Sendable>(
    poolSize: Int = 4, _ body: @Sendable (PostgresClient) async throws -> Result
) async throws -> Result {
    try await withClient(try TestDatabase.configuration(.runtime, poolSize: poolSize), body)
}

/// The cluster's superuser, over its socket: what tampering with the log needs, and what
/// drops a test's own database.
func superuserConfiguration(_ database: String) throws -> PostgresClient.Configuration {
    guard let socketDirectory = TestDatabase.environment["PGSUPERUSER_SOCKET_DIR"],
        let port = TestDatabase.environment["HUB_DB_PORT"]
    else { throw TestSetupError("PGSUPERUSER_SOCKET_DIR absent : lancez les tests par deploy/test.sh") }
    return PostgresClient.Configuration(
        unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: "hub_super", password: nil,
        database: database)
}

func withSuperuser(_ database: String, _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
    try await withRunning(
        PostgresClient(configuration: try superuserConfiguration(database), backgroundLogger: TestDatabase.logger),
        body)
}

/// Drops a database a test created, as the superuser: the owner may only end its own role's
/// sessions, so an autovacuum worker, or a superuser's session still closing, made the owner's
/// `WITH (FORCE)` fail (CI, stop 30: 42501 from TerminateOtherDBBackends).
func dropDatabase(_ name: String) async throws {
    try await withSuperuser("postgres") {
        try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"))
    }
}
