import Foundation
import Logging
import PostgresNIO
import Tenancy

/// Notify tells partners that something needs them (issue 4 adds the dispatcher and its
/// channels: inbox, signed webhooks, e-mail). What exists now is the hook: an event is
/// recorded in the same transaction as the change that causes it, so there is no event
/// without its change and no change without its event. An event carries a topic and an
/// opaque reference, never a name or any classified content (ACCESS.md R13).
public enum Topic: String, Sendable, CaseIterable {
    case householdOriented, householdAccepted, householdDeclined, breakGlassUsed, consentWithdrawn
}

public struct Event: Sendable {
    public let topic: Topic
    /// The organisation whose action caused the event.
    public let organisationID: UUID
    public let householdID: UUID?
    /// The household's opaque reference (`M-…`), the only thing a message may show.
    public let reference: String

    public init(topic: Topic, organisationID: UUID, householdID: UUID?, reference: String) {
        self.topic = topic
        self.organisationID = organisationID
        self.householdID = householdID
        self.reference = reference
    }
}

public enum Outbox {
    /// Records `event` on `connection`, inside the caller's transaction.
    public static func record(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform(
            """
            INSERT INTO notify_events (id, topic, organisation_id, household_id, reference)
            VALUES (\(UUID()), \(event.topic.rawValue), \(event.organisationID), \(event.householdID), \(event.reference))
            """, logger: logger)
    }
}
