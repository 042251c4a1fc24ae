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
    /// The API path of what the event is about (the webhook's `link`, the inbox's `link`).
    public let linkPath: String
    /// The console's page of it, where a person follows the message (the inbox page's and the
    /// e-mail's link, the inbox's `page`).
    public let pagePath: String
    /// Recipients besides the topic's audience: organisations (their service heads and
    /// webhooks) and users (a comité's invitees).
    public let organisationIDs: [UUID]
    public let userIDs: [UUID]

    public init(
        topic: Topic, organisationID: UUID, actorUserID: UUID?, householdID: UUID?, reference: String,
        linkPath: String, pagePath: String, organisationIDs: [UUID] = [], userIDs: [UUID] = []
    ) {
        self.topic = topic
        self.organisationID = organisationID
        self.actorUserID = actorUserID
        self.householdID = householdID
        self.reference = reference
        self.linkPath = linkPath
        self.pagePath = pagePath
        self.organisationIDs = organisationIDs
        self.userIDs = userIDs
    }

    /// An event about a household, caused by `actor`, linking to the household.
    public static func household(
        _ topic: Topic, _ householdID: UUID, reference: String, by actor: Actor, to organisations: [UUID] = []
    ) -> Event {
        let id = householdID.uuidString.lowercased()
        return Event(
            topic: topic, organisationID: actor.organisationID, actorUserID: actor.userID, householdID: householdID,
            reference: reference, linkPath: "/v1/households/\(id)", pagePath: Pages.household(householdID, topic),
            organisationIDs: organisations)
    }

    /// An event about a comité, caused by `actor`, for the users it names (the cell's people).
    public static func comite(
        _ topic: Topic, _ comiteID: UUID, reference: String, by actor: Actor, to users: [UUID]
    ) -> Event {
        Event(
            topic: topic, organisationID: actor.organisationID, actorUserID: actor.userID, householdID: nil,
            reference: reference, linkPath: "/v1/comites/\(comiteID.uuidString.lowercased())",
            pagePath: Pages.comite(comiteID, topic), userIDs: users)
    }

    /// The console's pages a message links to (the same addresses as the console's routes).
    public enum Pages {
        /// A household's dossier; for the organisation that lost its consent, its own list (the
        /// household is no longer theirs to open).
        public static func household(_ id: UUID, _ topic: Topic) -> String {
            switch topic {
            case .consentWithdrawn: "/menages"
            case .consentExpiring: "/menages/\(id.uuidString.lowercased())/partage"
            default: "/menages/\(id.uuidString.lowercased())"
            }
        }

        /// A comité's agenda page, or its minutes once diffused.
        public static func comite(_ id: UUID, _ topic: Topic) -> String {
            topic == .minutesDiffused
                ? "/comites/\(id.uuidString.lowercased())/compte-rendu" : "/comites/\(id.uuidString.lowercased())"
        }
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
                                       page_path, audience, organisation_ids, user_ids)
            VALUES (\(UUID()), \(event.topic.rawValue), \(event.organisationID), \(event.actorUserID),
                    \(event.householdID), \(event.reference), \(event.linkPath), \(event.pagePath), \(audience),
                    \(event.organisationIDs), \(event.userIDs))
            """, logger: logger)
    }
}
