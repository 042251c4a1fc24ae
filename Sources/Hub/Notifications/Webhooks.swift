import Foundation
import Logging
import PostgresNIO
import Tenancy

/// An organisation's webhook endpoint. The secret is shown once, when it is made.
struct WebhookSubscription: Encodable, Sendable {
    let id: UUID
    let url: String
    let topics: [String]
    let createdAt: Date
    @Null var disabledAt: Date?
    /// During a rotation's overlap the previous secret still signs, until then.
    @Null var previousSecretValidUntil: Date?
}

/// A subscription with the secret that signs its deliveries.
struct WebhookSecretResponse: Encodable, Sendable {
    let subscription: WebhookSubscription
    /// 32 bytes, hexadecimal: the HMAC-SHA256 key.
    let secret: String
}

/// One delivery, as an organisation's admin follows it. No reference: the admin may not
/// see the household (R1); the topic, the attempts and the failure are enough to act.
struct Delivery: Encodable, Sendable {
    let id: UUID
    let eventId: UUID
    let topic: String
    let channel: String
    @Null var subscriptionId: UUID?
    @Null var userId: UUID?
    let status: String
    let attempts: Int
    @Null var nextAttemptAt: Date?
    @Null var lastError: String?
    @Null var deliveredAt: Date?
    let createdAt: Date
}

extension Delivery: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], eventId: try row["event_id"], topic: try row["topic"], channel: try row["channel"],
            subscriptionId: try row["subscription_id"], userId: try row["user_id"], status: try row["status"],
            attempts: try row["attempts"], nextAttemptAt: try row["next_attempt_at"], lastError: try row["last_error"],
            deliveredAt: try row["delivered_at"], createdAt: try row["created_at"])
    }
}

/// The SQL behind subscriptions and deliveries; RLS keeps both to the admin's organisation.
enum WebhookStore {
    static func newSecret() -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    }

    static func create(
        url: String, topics: [String], secret: [UInt8], by userID: UUID, organisationID: UUID,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> WebhookSubscription {
        let rows = try await connection.query(
            """
            INSERT INTO webhook_subscriptions (id, organisation_id, url, topics, secret, created_by)
            VALUES (\(UUID()), \(organisationID), \(url), \(topics), \(ByteBuffer(bytes: secret)), \(userID))
            RETURNING id, url, topics, created_at, disabled_at, previous_secret_until
            """, logger: logger)
        guard let subscription = try await subscriptions(rows).first else { throw Problem.internal }
        return subscription
    }

    static func list(
        after: (Int64, UUID)?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [WebhookSubscription] {
        let rows = try await connection.query(
            """
            SELECT id, url, topics, created_at, disabled_at, previous_secret_until
            FROM webhook_subscriptions
            WHERE \(after?.0)::bigint IS NULL
               OR (created_at, id) < ('epoch'::timestamptz + \(after?.0) * interval '1 microsecond', \(after?.1))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await subscriptions(rows)
    }

    static func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> WebhookSubscription?
    {
        let rows = try await connection.query(
            """
            SELECT id, url, topics, created_at, disabled_at, previous_secret_until
            FROM webhook_subscriptions WHERE id = \(id)
            """, logger: logger)
        return try await subscriptions(rows).first
    }

    /// Stops future deliveries; the row stays, for the deliveries already made.
    static func disable(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE webhook_subscriptions SET disabled_at = coalesce(disabled_at, now())
            WHERE id = \(id) RETURNING id
            """, logger: logger)
        var found = false
        for try await _ in rows { found = true }
        return found
    }

    /// A new secret signs from now on; the current one keeps signing for `overlap`.
    static func rotate(
        _ id: UUID, secret: [UInt8], overlap: Duration, on connection: PostgresConnection, logger: Logger
    ) async throws -> WebhookSubscription? {
        let rows = try await connection.query(
            """
            SELECT webhook_rotate_secret(\(id), \(ByteBuffer(bytes: secret)),
                                         \(overlap.components.seconds) * interval '1 second')
            """, logger: logger)
        var rotated = false
        for try await done in rows.decode(Bool.self) { rotated = done }
        return rotated ? try await find(id, on: connection, logger: logger) : nil
    }

    private static func subscriptions(_ rows: PostgresRowSequence) async throws -> [WebhookSubscription] {
        var result: [WebhookSubscription] = []
        for try await (id, url, topics, createdAt, disabledAt, until) in rows.decode(
            (UUID, String, [String], Date, Date?, Date?).self)
        {
            let overlap = until.flatMap { $0 > Date() ? $0 : nil }
            result.append(
                WebhookSubscription(
                    id: id, url: url, topics: topics, createdAt: createdAt, disabledAt: disabledAt,
                    previousSecretValidUntil: overlap))
        }
        return result
    }

    // MARK: Deliveries

    static func deliveries(
        status: String?, after: (Int64, UUID)?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Delivery] {
        let rows = try await connection.query(
            """
            SELECT id, event_id, topic, channel, subscription_id, user_id, status, attempts,
                   CASE WHEN status = 'pending' THEN due_at END AS next_attempt_at, last_error, delivered_at,
                   created_at
            FROM notify_deliveries
            WHERE (\(status)::text IS NULL OR status = \(status))
              AND (\(after?.0)::bigint IS NULL
                   OR (created_at, id) < ('epoch'::timestamptz + \(after?.0) * interval '1 microsecond', \(after?.1)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await deliveries(rows)
    }

    static func delivery(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Delivery? {
        let rows = try await connection.query(
            """
            SELECT id, event_id, topic, channel, subscription_id, user_id, status, attempts,
                   CASE WHEN status = 'pending' THEN due_at END AS next_attempt_at, last_error, delivered_at,
                   created_at
            FROM notify_deliveries WHERE id = \(id)
            """, logger: logger)
        return try await deliveries(rows).first
    }

    /// A dead letter goes back to the queue with a fresh set of attempts; the dispatchers
    /// are woken at commit. Nil when the delivery is not dead (or not the admin's).
    static func replay(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Delivery? {
        let rows = try await connection.query(
            """
            UPDATE notify_deliveries SET status = 'pending', attempts = 0, due_at = now()
            WHERE id = \(id) AND status = 'dead'
            RETURNING id, event_id, topic, channel, subscription_id, user_id, status, attempts,
                      CASE WHEN status = 'pending' THEN due_at END AS next_attempt_at, last_error, delivered_at,
                   created_at
            """, logger: logger)
        guard let delivery = try await deliveries(rows).first else { return nil }
        try await connection.perform("SELECT pg_notify('hub_notify', '')", logger: logger)
        return delivery
    }

    private static func deliveries(_ rows: PostgresRowSequence) async throws -> [Delivery] {
        try await rows.collect(Delivery.self)
    }
}
