import Foundation
import PostgresNIO

/// Where the database is and which role connects. Read from `HUB_DB_…` variables
/// (documented in deploy/env.example); no credentials in code.
public struct DatabaseConfiguration: Sendable {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: String?
    public var tls: TLSMode
    public var poolSize: Int
    /// How long a request waits for a pooled connection before it is answered 503
    /// (`ConnectionWait`).
    public var connectionWait: Duration = .seconds(1)
    /// How long a request may hold a connection the database does not answer on
    /// (`ConnectionWait.deadline`).
    public var queryDeadline: Duration = .seconds(10)

    public init(
        host: String, port: Int, database: String, username: String, password: String?,
        tls: TLSMode = .disable, poolSize: Int = 10
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.poolSize = poolSize
    }

    public enum Role { case runtime, owner }

    /// The runtime role (`HUB_DB_USER`) or the owner that migrates (`HUB_DB_OWNER_USER`).
    public static func fromEnvironment(
        _ env: [String: String] = ProcessInfo.processInfo.environment, role: Role = .runtime
    ) throws -> DatabaseConfiguration {
        let (userKey, passwordKey) =
            role == .runtime ? ("HUB_DB_USER", "HUB_DB_PASSWORD") : ("HUB_DB_OWNER_USER", "HUB_DB_OWNER_PASSWORD")
        guard let user = env[userKey], !user.isEmpty else { throw ConfigurationError.missing(userKey) }
        guard let port = Int(env["HUB_DB_PORT"] ?? "5432") else { throw ConfigurationError.invalid("HUB_DB_PORT") }
        guard let tls = TLSMode(rawValue: env["HUB_DB_TLS"] ?? "disable") else {
            throw ConfigurationError.invalid("HUB_DB_TLS")
        }
        guard let pool = Int(env["HUB_DB_POOL_SIZE"] ?? "10"), pool > 0 else {
            throw ConfigurationError.invalid("HUB_DB_POOL_SIZE")
        }
        var configuration = DatabaseConfiguration(
            host: env["HUB_DB_HOST"] ?? "127.0.0.1", port: port, database: env["HUB_DB_NAME"] ?? "hub",
            username: user, password: env[passwordKey], tls: tls, poolSize: pool)
        if let raw = env["HUB_DB_CONNECTION_WAIT_MS"] {
            guard let ms = Int(raw), ms > 0 else { throw ConfigurationError.invalid("HUB_DB_CONNECTION_WAIT_MS") }
            configuration.connectionWait = .milliseconds(ms)
        }
        if let raw = env["HUB_DB_QUERY_DEADLINE_MS"] {
            guard let ms = Int(raw), ms > 0 else { throw ConfigurationError.invalid("HUB_DB_QUERY_DEADLINE_MS") }
            configuration.queryDeadline = .milliseconds(ms)
        }
        return configuration
    }

    public var isLocal: Bool { ["127.0.0.1", "localhost", "::1"].contains(host) }

    public func makeClient(logger: Logger) -> PostgresClient {
        let tlsConfiguration: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsConfiguration)
        configuration.options.maximumConnections = poolSize
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}

public enum ConfigurationError: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .missing(let key): "la variable d'environnement \(key) est requise"
        case .invalid(let key): "la variable d'environnement \(key) a une valeur invalide"
        }
    }
}
