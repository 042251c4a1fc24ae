import Foundation
import Logging
import Notify
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
    /// The outbox's dispatcher runs in every hub process unless turned off (tests drive it).
    var dispatcherEnabled = true
    var notify = DispatcherConfiguration(publicURL: "http://127.0.0.1:8080")
    var disclosure = DisclosurePolicy()
    /// How long a graceful shutdown may take before what remains is cancelled.
    var shutdownGrace: Duration = .seconds(8)
    var checkpoints = CheckpointSettings()
    /// Every request is answered within this (`DeadlineResponder`): 503 past it.
    var requestDeadline: Duration = .seconds(12)

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
        configuration.notify.publicURL = env["HUB_PUBLIC_URL"] ?? "http://\(configuration.host):\(configuration.port)"
        configuration.dispatcherEnabled = try flag(env, "HUB_NOTIFY_DISPATCHER", default: true)
        if let raw = env["HUB_DISCLOSURE_THRESHOLD"] {
            guard let threshold = Int(raw), DisclosureControl.thresholds.contains(threshold) else {
                throw ConfigurationError.invalid("HUB_DISCLOSURE_THRESHOLD")
            }
            configuration.disclosure.threshold = threshold
        }
        if let raw = env["HUB_INDICATORS_REFRESH_SECONDS"] {
            guard let seconds = Int(raw), seconds >= 0 else {
                throw ConfigurationError.invalid("HUB_INDICATORS_REFRESH_SECONDS")
            }
            configuration.disclosure.refreshInterval = .seconds(seconds)
        }
        configuration.notify.webhookPolicy = DestinationPolicy(
            allowLoopback: try flag(env, "HUB_WEBHOOK_ALLOW_LOOPBACK", default: false),
            allowPrivate: try flag(env, "HUB_WEBHOOK_ALLOW_PRIVATE", default: false))
        if let ms = try milliseconds(env, "HUB_WEBHOOK_TIMEOUT_MS") { configuration.notify.webhookTimeout = ms }
        if let ms = try milliseconds(env, "HUB_NOTIFY_POLL_MS") { configuration.notify.pollInterval = ms }
        if let ms = try milliseconds(env, "HUB_NOTIFY_LEASE_MS") { configuration.notify.lease = ms }
        if let ms = try milliseconds(env, "HUB_NOTIFY_RETRY_BASE_MS") { configuration.notify.retry.base = ms }
        if let raw = env["HUB_NOTIFY_MAX_ATTEMPTS"] {
            guard let n = Int(raw), (1...50).contains(n) else {
                throw ConfigurationError.invalid("HUB_NOTIFY_MAX_ATTEMPTS")
            }
            configuration.notify.retry.maxAttempts = n
        }
        if let host = env["HUB_SMTP_HOST"] {
            guard let from = env["HUB_SMTP_FROM"] else { throw ConfigurationError.invalid("HUB_SMTP_FROM") }
            let port = try env["HUB_SMTP_PORT"].map { raw in
                guard let port = Int(raw) else { throw ConfigurationError.invalid("HUB_SMTP_PORT") }
                return port
            }
            configuration.notify.smtp = SMTPConfiguration(host: host, port: port ?? 25, from: from)
            if let ms = try milliseconds(env, "HUB_SMTP_TIMEOUT_MS") { configuration.notify.smtp?.timeout = ms }
        }
        configuration.checkpoints = try checkpointSettings(env)
        if let ms = try milliseconds(env, "HUB_REQUEST_DEADLINE_MS") { configuration.requestDeadline = ms }
        // A claim must outlive its send, or a slow send is claimed and sent again meanwhile.
        let longestSend = max(configuration.notify.webhookTimeout, configuration.notify.smtp?.timeout ?? .zero)
        guard configuration.notify.lease > longestSend else {
            throw ConfigurationError.invalid(
                "HUB_NOTIFY_LEASE_MS (plus long que HUB_WEBHOOK_TIMEOUT_MS et HUB_SMTP_TIMEOUT_MS)")
        }
        return configuration
    }

    static func checkpointSettings(_ env: [String: String]) throws -> CheckpointSettings {
        var settings = CheckpointSettings()
        settings.keyFile = env["HUB_AUDIT_SIGNING_KEY_FILE"]
        settings.directory = env["HUB_AUDIT_CHECKPOINT_DIR"] ?? settings.directory
        if let raw = env["HUB_AUDIT_CHECKPOINT_SECONDS"] {
            guard let seconds = Int(raw), seconds >= 0 else {
                throw ConfigurationError.invalid("HUB_AUDIT_CHECKPOINT_SECONDS")
            }
            settings.interval = .seconds(seconds)
        }
        return settings
    }

    private static func flag(_ env: [String: String], _ name: String, default value: Bool) throws -> Bool {
        switch env[name] {
        case nil: value
        case "1", "true", "on": true
        case "0", "false", "off": false
        default: throw ConfigurationError.invalid(name)
        }
    }

    private static func milliseconds(_ env: [String: String], _ name: String) throws -> Duration? {
        guard let raw = env[name] else { return nil }
        guard let ms = Int(raw), ms > 0 else { throw ConfigurationError.invalid(name) }
        return .milliseconds(ms)
    }
}
