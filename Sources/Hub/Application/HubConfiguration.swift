import Foundation
import Logging
import Tenancy

/// Everything the hub reads from its environment (`HUB_…`, documented in deploy/env.example).
struct HubConfiguration: Sendable {
    enum Mode: String, Sendable { case production, demo }

    var host = "127.0.0.1"
    var port = 8080
    var mode = Mode.production
    var database: DatabaseConfiguration
    var migrationsDirectory = "sql"
    var logLevel = Logger.Level.info
    var session = SessionPolicy()

    init(database: DatabaseConfiguration) {
        self.database = database
    }

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws
        -> HubConfiguration
    {
        var configuration = HubConfiguration(database: try .fromEnvironment(env, role: .runtime))
        configuration.host = env["HUB_HOST"] ?? configuration.host
        if let raw = env["HUB_PORT"] {
            guard let port = Int(raw) else { throw ConfigurationError.invalid("HUB_PORT") }
            configuration.port = port
        }
        if let raw = env["HUB_MODE"] {
            guard let mode = Mode(rawValue: raw) else { throw ConfigurationError.invalid("HUB_MODE") }
            configuration.mode = mode
        }
        configuration.migrationsDirectory = env["HUB_MIGRATIONS_DIR"] ?? configuration.migrationsDirectory
        if let raw = env["HUB_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: raw) else { throw ConfigurationError.invalid("HUB_LOG_LEVEL") }
            configuration.logLevel = level
        }
        if let raw = env["HUB_SIGN_IN_DELAY_MS"] {
            guard let ms = Int(raw), ms >= 0 else { throw ConfigurationError.invalid("HUB_SIGN_IN_DELAY_MS") }
            configuration.session.baseDelay = .milliseconds(ms)
        }
        return configuration
    }
}
