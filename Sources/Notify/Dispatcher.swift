import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Tenancy

public struct DispatcherConfiguration: Sendable {
    /// The deployment's public address; links are this plus the event's path.
    public var publicURL: String
    /// Woken by NOTIFY at each commit; the poll only bounds the delay of a missed wake-up
    /// and picks up retries that come due.
    public var pollInterval: Duration = .seconds(2)
    /// How long a claimed delivery is this dispatcher's; a crash mid-send leaves it to be
    /// claimed again after that. Renewed every third of it while the send goes on, and
    /// longer than any channel's timeout.
    public var lease: Duration = .seconds(60)
    /// Deliveries claimed together, and sent at once.
    public var batchSize = 16
    /// Batches in flight at once: while one waits for a slow receiver or for its commits,
    /// the others go on.
    public var batches = 4
    public var retry = RetryPolicy()
    public var webhookPolicy = DestinationPolicy()
    public var webhookTimeout: Duration = .seconds(10)
    public var webhookTLS = TLSConfiguration.makeClientConfiguration()
    /// No e-mail channel without an SMTP relay.
    public var smtp: SMTPConfiguration?
    /// How often the hub looks for consents expiring within 30 days and comité actions due.
    public var dueEventsScanInterval: Duration = .seconds(3600)

    public init(publicURL: String) {
        self.publicURL = publicURL
    }
}

/// The outbox's dispatcher, a service of the hub process. It fans events out to their
/// recipients, claims due deliveries with `FOR UPDATE SKIP LOCKED` (so several hub
/// processes share the work and never send the same claim twice), sends them, and settles
/// each one: delivered, retried after a backoff, or dead. Delivery is at least once: a crash
/// between sending and settling sends again after the lease, under the same event id, which
/// the receiver uses to deduplicate.
public struct Dispatcher: Service {
    public static let channel = "hub_notify"

    let client: PostgresClient
    let configuration: DispatcherConfiguration
    let logger: Logger
    let webhooks: WebhookClient

    public init(client: PostgresClient, configuration: DispatcherConfiguration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.webhooks = WebhookClient(
            policy: configuration.webhookPolicy, timeout: configuration.webhookTimeout,
            tlsConfiguration: configuration.webhookTLS)
    }

    /// On graceful shutdown the batch being sent is finished and settled, then the loop
    /// stops: cancelling it would leave its claims to be sent again after the lease.
    public func run() async throws {
        let doorbell = Doorbell()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await listen(ringing: doorbell) }
                group.addTask { await loop(waitingOn: doorbell) }
                // The loop returns first (shutdown); the listener is then cancelled.
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            Task { await doorbell.stop() }
        }
    }

    /// Rings the doorbell at each NOTIFY; reconnects after a lost connection, ringing once
    /// since notifications sent meanwhile are lost.
    private func listen(ringing doorbell: Doorbell) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        await doorbell.ring()
                        for try await _ in notifications { await doorbell.ring() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("notify: listen connection lost, retrying", metadata: ["error": "\(type(of: error))"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func loop(waitingOn doorbell: Doorbell) async {
        var lastScan: ContinuousClock.Instant?
        while !Task.isCancelled, await !doorbell.isStopping {
            do {
                if lastScan.map({ $0.duration(to: .now) >= configuration.dueEventsScanInterval }) ?? true {
                    lastScan = .now
                    try await ConnectionWait.round { try await raiseDueEvents() }
                }
                // A round: a query lost under a PostgreSQL restart must not stop dispatching,
                // nor keep the loop from seeing the shutdown (`ConnectionWait.round`).
                _ = try await ConnectionWait.round { try await drain(until: { await doorbell.isStopping }) }
            } catch {
                if Task.isCancelled { return }
                logger.error("notify: dispatch failed", metadata: ["error": "\(Self.describe(error))"])
            }
            await doorbell.wait(upTo: configuration.pollInterval)
        }
    }

    public struct Report: Sendable, Equatable {
        public var fannedOut = 0
        public var delivered = 0
        public var failed = 0
    }

    /// Fans out pending events and sends due deliveries, a batch of events then a round of
    /// batches of deliveries in turn, until neither is left: a backlog of events does not
    /// hold back the first deliveries. Called by the service loop, and directly by tests.
    @discardableResult
    public func drain(until stopping: @Sendable () async -> Bool = { false }) async throws -> Report {
        var report = Report()
        while await !stopping() {
            let fanned = try await fanOut()
            report.fannedOut += fanned
            let outcomes = try await withThrowingTaskGroup(of: [Bool].self) { group in
                for _ in 0..<configuration.batches {
                    group.addTask { await sendRenewingLeases(try await claim()) }
                }
                return try await group.reduce(into: [Bool]()) { $0 += $1 }
            }
            if fanned == 0 && outcomes.isEmpty { break }
            report.delivered += outcomes.filter { $0 }.count
            report.failed += outcomes.filter { !$0 }.count
        }
        return report
    }

    /// The events the hub raises itself, each once: consents ending within 30 days, and
    /// comité actions due.
    public func raiseDueEvents() async throws {
        try await client.withConnectionOrUnavailable { connection in
            try await connection.perform("SELECT notify_raise_consents_expiring()", logger: logger)
            try await connection.perform("SELECT notify_raise_actions_due()", logger: logger)
        }
    }

    private func fanOut() async throws -> Int {
        let mandatory = Topic.allCases.filter(\.isMandatory).map(\.rawValue)
        let email = configuration.smtp != nil
        // Ahead of what a round of batches sends, so that a backlog is fanned out as it is sent.
        let limit = 2 * configuration.batchSize * configuration.batches
        return try await client.withConnectionOrUnavailable { connection in
            let rows = try await connection.query(
                "SELECT notify_fan_out(\(limit)::integer, \(email), \(mandatory))", logger: logger)
            var count = 0
            for try await n in rows.decode(Int.self) { count = n }
            return count
        }
    }

    struct Claim: Sendable {
        let deliveryID: UUID
        let attempt: Int
        let channel: String
        let notice: Notice
        let url: String?
        let secrets: [[UInt8]]
        let email: String?
    }

    private func claim() async throws -> [Claim] {
        let lease = configuration.lease.interval
        return try await client.withConnectionOrUnavailable { connection in
            let rows = try await connection.query(
                """
                SELECT delivery_id, attempt, channel, event_id, topic, reference, link_path, occurred_at, url, secret,
                       previous_secret, email, payload, page_path, audience
                FROM notify_claim(\(configuration.batchSize)::integer, \(lease)::interval)
                """, logger: logger)
            var claims: [Claim] = []
            for try await (
                id, attempt, channel, eventID, topic, reference, linkPath, occurredAt, url, secret, previous, email,
                payload, pagePath, audience
            )
                in rows.decode(
                    (
                        UUID, Int, String, UUID, String, String, String, Date, String?, ByteBuffer?, ByteBuffer?,
                        String?, String?, String, String?
                    ).self)
            {
                guard let topic = Topic(rawValue: topic) else { continue }
                let notice = Notice(
                    eventID: eventID, topic: topic, reference: reference, occurredAt: occurredAt,
                    link: configuration.publicURL + linkPath,
                    page: pagePath.isEmpty ? nil : configuration.publicURL + pagePath,
                    audience: audience.flatMap(Audience.init(rawValue:)),
                    checkpoint: payload.flatMap { try? JSONDecoder().decode(AuditTreeHead.self, from: Data($0.utf8)) })
                claims.append(
                    Claim(
                        deliveryID: id, attempt: attempt, channel: channel, notice: notice, url: url,
                        secrets: [secret, previous].compactMap { $0.map { Array(buffer: $0) } }, email: email))
            }
            return claims
        }
    }

    /// Sends claimed deliveries at once, renewing their lease every third of it until each is
    /// settled: a live dispatcher never loses a claim to another because a receiver (or the
    /// machine) is slow, so only a dispatcher that died leaves its claims to be sent again.
    private func sendRenewingLeases(_ claims: [Claim]) async -> [Bool] {
        guard !claims.isEmpty else { return [] }
        let held = HeldClaims(claims.map { ($0.deliveryID, $0.attempt) })
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                await renewLeases(of: held)
                return nil
            }
            for claimed in claims {
                group.addTask {
                    let delivered = await send(claimed)
                    await held.release(claimed.deliveryID)
                    return delivered
                }
            }
            var outcomes: [Bool] = []
            for await outcome in group {
                guard let outcome else { continue }
                outcomes.append(outcome)
                if outcomes.count == claims.count { group.cancelAll() }
            }
            return outcomes
        }
    }

    private func renewLeases(of held: HeldClaims) async {
        let lease = configuration.lease.interval
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.lease / 3)
            let (ids, attempts) = await held.claims
            guard !Task.isCancelled, !ids.isEmpty else { return }
            do {
                try await client.withConnectionOrUnavailable { connection in
                    try await connection.perform(
                        "SELECT notify_renew(\(ids), \(attempts)::integer[], \(lease)::interval)", logger: logger)
                }
            } catch {
                logger.warning("notify: lease renewal failed", metadata: ["error": "\(Self.describe(error))"])
            }
        }
    }

    /// Sends one claimed delivery and settles it. The error kept names the failure, never
    /// the content.
    private func send(_ claimed: Claim) async -> Bool {
        var failure: String?
        do {
            switch claimed.channel {
            case "webhook":
                failure = try await sendWebhook(claimed)
            case "email":
                try await sendEmail(claimed)
            default:
                failure = "channel"
            }
        } catch {
            failure = Self.describe(error)
        }
        var random = SystemRandomNumberGenerator()
        let retryIn = failure == nil ? nil : configuration.retry.delay(afterAttempt: claimed.attempt, using: &random)
        let retry = retryIn?.interval
        do {
            try await client.withConnectionOrUnavailable { connection in
                try await connection.perform(
                    """
                    SELECT notify_settle(\(claimed.deliveryID), \(claimed.attempt)::integer, \(failure == nil), \(failure),
                                         \(retry)::interval)
                    """, logger: logger)
            }
        } catch {
            // Unsettled, the claim's lease runs out and the delivery is sent again.
            logger.error("notify: settle failed", metadata: ["delivery": "\(claimed.deliveryID)"])
        }
        if let failure {
            logger.info(
                "notify: delivery failed",
                metadata: [
                    "delivery": "\(claimed.deliveryID)", "attempt": "\(claimed.attempt)", "failure": "\(failure)",
                    "dead": "\(retryIn == nil)",
                ])
        }
        return failure == nil
    }

    private func sendWebhook(_ claimed: Claim) async throws -> String? {
        guard let url = claimed.url else { return "channel" }
        let destination = try WebhookDestination(parsing: url)
        let body = claimed.notice.webhookBody
        let timestamp = Int(Date().timeIntervalSince1970)
        let headers = [
            (WebhookSignature.eventIDHeader, claimed.notice.eventID.uuidString.lowercased()),
            (WebhookSignature.topicHeader, claimed.notice.topic.rawValue),
            (WebhookSignature.timestampHeader, String(timestamp)),
            (
                WebhookSignature.signatureHeader,
                WebhookSignature.header(timestamp: timestamp, body: body, secrets: claimed.secrets)
            ),
        ]
        let status = try await webhooks.post(to: destination, headers: headers, body: body)
        return (200..<300).contains(status) ? nil : "http \(status)"
    }

    private func sendEmail(_ claimed: Claim) async throws {
        guard let smtp = configuration.smtp, let email = claimed.email else { throw SMTPError.invalidAddress }
        let (subject, body) = claimed.notice.email
        let message = MailMessage(
            to: email, subject: subject, body: body,
            // One message per recipient: the receiver deduplicates on it.
            messageID: "\(claimed.deliveryID.uuidString.lowercased())@hub", date: Date(),
            extraHeaders: [("X-Hub-Event-Id", claimed.notice.eventID.uuidString.lowercased())])
        try await SMTPClient(smtp).send(message)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as DestinationError: "destination \(error)"
        case let error as WebhookError: "\(error)"
        case let error as SMTPError:
            switch error {
            case .rejected(let code, let stage): "smtp \(stage) \(code)"
            default: "smtp \(error)"
            }
        // The SQLSTATE and the server's message, never its detail, which can quote values.
        case let error as PSQLError:
            "database \(error.serverInfo?[.sqlState] ?? "-") \(error.serverInfo?[.message] ?? "\(error.code)")"
        default: "\(type(of: error))"
        }
    }
}

/// The claims a batch still holds: sent deliveries leave it once settled.
actor HeldClaims {
    private var attempts: [UUID: Int]

    init(_ claims: [(UUID, Int)]) {
        attempts = Dictionary(claims, uniquingKeysWith: { first, _ in first })
    }

    func release(_ id: UUID) { attempts[id] = nil }

    var claims: ([UUID], [Int]) { (Array(attempts.keys), Array(attempts.values)) }
}

/// Wakes the dispatcher's loop: a ring while nobody waits is remembered, once. Stopping
/// rings for good.
actor Doorbell {
    private var rung = false
    private var waiter: CheckedContinuation<Void, Never>?
    private(set) var isStopping = false

    func stop() {
        isStopping = true
        ring()
    }

    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            rung = true
        }
    }

    func wait(upTo timeout: Duration) async {
        if rung || isStopping {
            rung = false
            return
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.ring()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter = $0 }
        } onCancel: {
            Task { await self.ring() }
        }
        timer.cancel()
        rung = false
    }
}

extension Duration {
    /// As a PostgreSQL interval, to the millisecond.
    var interval: String {
        "\(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) milliseconds"
    }
}
