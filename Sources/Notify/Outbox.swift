import Foundation
import Logging
import PostgresNIO
import Tenancy

/// An event as the change that causes it records it. It carries a topic, an opaque
/// reference and a link, never a name or any classified content (ACCESS.md R13).
public struct Event: Sendable {
    public let topic: Topic
    /// The organisation whose action caused the event.
    public let organisationID: UUID
    /// The acting user, who is not told of their own act; nil for events the hub raises.
    public let actorUserID: UUID?
    public let householdID: UUID?
    /// The household's (or comité's) opaque reference, the only thing a message may show.
    public let reference: String
    /// The API path the message links to.
    public let linkPath: String
    /// Recipients besides the topic's audience: organisations (their service heads and
    /// webhooks) and users (a comité's invitees).
    public let organisationIDs: [UUID]
    public let userIDs: [UUID]

    public init(
        topic: Topic, organisationID: UUID, actorUserID: UUID?, householdID: UUID?, reference: String,
        linkPath: String, organisationIDs: [UUID] = [], userIDs: [UUID] = []
    ) {
        self.topic = topic
        self.organisationID = organisationID
        self.actorUserID = actorUserID
        self.householdID = householdID
        self.reference = reference
        self.linkPath = linkPath
        self.organisationIDs = organisationIDs
        self.userIDs = userIDs
    }

    /// An event about a household, caused by `actor`, linking to the household.
    public static func household(
        _ topic: Topic, _ householdID: UUID, reference: String, by actor: Actor, to organisations: [UUID] = []
    ) -> Event {
        Event(
            topic: topic, organisationID: actor.organisationID, actorUserID: actor.userID, householdID: householdID,
            reference: reference, linkPath: "/v1/households/\(householdID.uuidString.lowercased())",
            organisationIDs: organisations)
    }
}

public enum Outbox {
    /// Set while a caseload is imported: its facts are history, typed by nobody today, and a
    /// partner is not to receive one notification per imported fact (the import is audited).
    @TaskLocal public static var silenced = false

    /// Records `event` on `connection`, inside the caller's transaction: no event without its
    /// change, no change without its event. The dispatcher is woken at commit.
    public static func record(_ event: Event, on connection: PostgresConnection, logger: Logger) async throws {
        guard !silenced else { return }
        let audience = event.topic.audience.map(\.rawValue).sorted()
        try await connection.perform(
            """
            INSERT INTO notify_events (id, topic, organisation_id, actor_user_id, household_id, reference, link_path,
                                       audience, organisation_ids, user_ids)
            VALUES (\(UUID()), \(event.topic.rawValue), \(event.organisationID), \(event.actorUserID),
                    \(event.householdID), \(event.reference), \(event.linkPath), \(audience),
                    \(event.organisationIDs), \(event.userIDs))
            """, logger: logger)
    }
}
