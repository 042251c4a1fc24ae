import Foundation
import Logging
import Notify
import PostgresNIO

/// One message of a reader's inbox: a topic, an opaque reference and a link (R13).
struct InboxMessage: Encodable, Sendable {
    let id: UUID
    let eventId: UUID
    let topic: String
    /// Why this reader is told (sql/0022); null for a message fanned out to a membership that
    /// no longer exists.
    @Null var audience: String?
    /// The message's sentence, worded for its audience.
    let title: String
    let reference: String
    /// The API's path of what the message is about.
    let link: String
    /// The console's page of it; null for an event recorded without one.
    @Null var page: String?
    let createdAt: Date
    @Null var readAt: Date?
}

/// The inbox's SQL. RLS keeps it to the reader's own messages for their acting
/// organisation; the door is checked again at read time, so a household the reader can no
/// longer see drops out of the inbox (except the notice that the access ended).
enum InboxStore {
    /// Unread first, then newest first. The cursor is (read, created_at, id) of the last row.
    static func list(
        unreadOnly: Bool, after: InboxCursor?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [InboxMessage] {
        let rows = try await connection.query(
            """
            SELECT i.id, e.id, e.topic, i.audience, e.reference, e.link_path, e.page_path, i.created_at, i.read_at
            FROM inbox_messages i JOIN notify_events e ON e.id = i.event_id
            WHERE i.user_id = app_user_id() AND i.organisation_id = app_org_id()
              AND (e.household_id IS NULL OR e.topic = 'consentWithdrawn' OR app_door(e.household_id))
              AND (NOT \(unreadOnly) OR i.read_at IS NULL)
              AND (\(after?.read)::boolean IS NULL
                   OR (i.read_at IS NOT NULL) > \(after?.read)
                   OR ((i.read_at IS NOT NULL) = \(after?.read)
                       AND (i.created_at, i.id) < ('epoch'::timestamptz + \(after?.micros) * interval '1 microsecond',
                                                   \(after?.id))))
            ORDER BY (i.read_at IS NOT NULL), i.created_at DESC, i.id DESC
            LIMIT \(limit)
            """, logger: logger)
        return try await messages(rows)
    }

    /// Marks one message read (once: the first reading time stays). Nil when it is not the reader's.
    static func markRead(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InboxMessage? {
        try await connection.perform(
            "UPDATE inbox_messages SET read_at = coalesce(read_at, now()) WHERE id = \(id)", logger: logger)
        let rows = try await connection.query(
            """
            SELECT i.id, e.id, e.topic, i.audience, e.reference, e.link_path, e.page_path, i.created_at, i.read_at
            FROM inbox_messages i JOIN notify_events e ON e.id = i.event_id
            WHERE i.id = \(id)
              AND (e.household_id IS NULL OR e.topic = 'consentWithdrawn' OR app_door(e.household_id))
            """, logger: logger)
        return try await messages(rows).first
    }

    private static func messages(_ rows: PostgresRowSequence) async throws -> [InboxMessage] {
        var messages: [InboxMessage] = []
        for try await (id, eventID, topic, audience, reference, linkPath, pagePath, createdAt, readAt) in rows.decode(
            (UUID, UUID, String, String?, String, String, String, Date, Date?).self)
        {
            let title = Topic(rawValue: topic)?.title(for: audience.flatMap(Audience.init(rawValue:))) ?? topic
            messages.append(
                InboxMessage(
                    id: id, eventId: eventID, topic: topic, audience: audience, title: title, reference: reference,
                    link: linkPath, page: pagePath.isEmpty ? nil : pagePath, createdAt: createdAt, readAt: readAt))
        }
        return messages
    }

    static func emailOptOuts(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let rows = try await connection.query(
            "SELECT topic FROM notify_email_opt_outs WHERE user_id = app_user_id() ORDER BY topic", logger: logger)
        var topics: [String] = []
        for try await topic in rows.decode(String.self) { topics.append(topic) }
        return topics
    }

    static func replaceEmailOptOuts(_ topics: [Topic], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform("DELETE FROM notify_email_opt_outs WHERE user_id = app_user_id()", logger: logger)
        try await connection.perform(
            """
            INSERT INTO notify_email_opt_outs (user_id, topic)
            SELECT app_user_id(), t FROM unnest(\(topics.map(\.rawValue))::text[]) AS t
            """, logger: logger)
    }
}

/// The inbox's sort key: unread before read, then newest first.
struct InboxCursor {
    let read: Bool
    let micros: Int64
    let id: UUID

    init(_ message: InboxMessage) {
        read = message.readAt != nil
        (micros, id) = TimeCursor.key(message.createdAt, message.id)
    }

    init(decoding text: String) throws {
        let parts = text.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let flag = Int(parts[0]), flag == 0 || flag == 1 else {
            throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor")
        }
        read = flag == 1
        (micros, id) = try TimeCursor.decode(String(parts[1]))
    }

    var encoded: String { "\(read ? 1 : 0)|\(micros)|\(id.uuidString)" }
}
