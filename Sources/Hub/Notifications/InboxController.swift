import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// A reader's inbox and their e-mail choices. Everybody has an inbox; what reaches it was
/// decided by the access rules when the event was fanned out, and again when it is read.
struct InboxController {
    let client: PostgresClient

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("inbox", use: list)
        group.post("inbox/:messageId/read", use: markRead)
        group.get("me/notification-preferences", use: preferences)
        group.put("me/notification-preferences", use: updatePreferences)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<InboxMessage> {
        // The refusal before any reading of the request, as every route of an aggregate reader.
        _ = try context.actorBeyondAggregates()
        let page = try PageRequest(request)
        let unreadOnly: Bool
        switch request.uri.queryParameters["unread"] {
        case nil, "false": unreadOnly = false
        case "true": unreadOnly = true
        default: throw Problem.badRequest("Le paramètre « unread » vaut true ou false.", field: "unread")
        }
        return try await messages(unreadOnly: unreadOnly, page: page, context: context)
    }

    /// The reader's messages, one page: the route's and the console's inbox page's.
    func messages(unreadOnly: Bool, page: PageRequest, context: AuthenticatedContext) async throws
        -> Page<InboxMessage>
    {
        let actor = try context.actorBeyondAggregates()
        let after = try page.after.map(InboxCursor.init(decoding:))
        let messages = try await client.withActor(actor, logger: context.logger) { connection in
            try await InboxStore.list(
                unreadOnly: unreadOnly, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(messages) { InboxCursor($0).encoded }
    }

    @Sendable func markRead(_ request: Request, context: AuthenticatedContext) async throws -> InboxMessage {
        _ = try context.actorBeyondAggregates()
        return try await markRead(try context.parameters.uuid("messageId"), context: context)
    }

    /// Marks one of the reader's messages read: the route's and the console's.
    func markRead(_ id: UUID, context: AuthenticatedContext) async throws -> InboxMessage {
        let actor = try context.actorBeyondAggregates()
        let message = try await client.withActor(actor, logger: context.logger) { connection in
            try await InboxStore.markRead(id, on: connection, logger: context.logger)
        }
        guard let message else { throw Problem.notFound }
        return message
    }

    struct Preferences: ResponseEncodable, Sendable {
        /// Topics the reader receives no e-mail for.
        let emailOptOuts: [String]
        /// Topics whose e-mails cannot be turned off.
        let mandatoryTopics: [String]

        init(emailOptOuts: [String]) {
            self.emailOptOuts = emailOptOuts
            mandatoryTopics = Topic.allCases.filter(\.isMandatory).map(\.rawValue)
        }
    }

    struct PreferencesRequest: ClosedJSONObject {
        static let fields: Set<String> = ["emailOptOuts"]
        let emailOptOuts: [String]
    }

    @Sendable func preferences(_ request: Request, context: AuthenticatedContext) async throws -> Preferences {
        let actor = try context.actorBeyondAggregates()
        let topics = try await client.withActor(actor, logger: context.logger) { connection in
            try await InboxStore.emailOptOuts(on: connection, logger: context.logger)
        }
        return Preferences(emailOptOuts: topics)
    }

    @Sendable func updatePreferences(_ request: Request, context: AuthenticatedContext) async throws -> Preferences {
        let actor = try context.actorBeyondAggregates()
        let body = try await request.decodeJSON(as: PreferencesRequest.self, context: context)
        let topics = try parseTopics(body.emailOptOuts, field: "emailOptOuts", allowEmpty: true)
        if let mandatory = topics.first(where: \.isMandatory) {
            throw Problem.unprocessable(
                "Les e-mails « \(mandatory.rawValue) » sont obligatoires et ne peuvent pas être désactivés.",
                field: "emailOptOuts")
        }
        try await client.withActor(actor, logger: context.logger) { connection in
            try await InboxStore.replaceEmailOptOuts(topics, on: connection, logger: context.logger)
        }
        return Preferences(emailOptOuts: topics.map(\.rawValue).sorted())
    }
}

/// A list of topic names from a request, each known and given once.
func parseTopics(_ names: [String], field: String, allowEmpty: Bool) throws -> [Topic] {
    guard allowEmpty || !names.isEmpty else {
        throw Problem.unprocessable("Au moins un sujet de notification est requis.", field: field)
    }
    var topics: [Topic] = []
    for name in names {
        guard let topic = Topic(rawValue: name) else {
            throw Problem.unprocessable("Sujet de notification inconnu : « \(name.prefix(60)) ».", field: field)
        }
        guard !topics.contains(topic) else {
            throw Problem.unprocessable("Le sujet « \(name) » est donné deux fois.", field: field)
        }
        topics.append(topic)
    }
    return topics
}
