import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// « Messages » (issue 21, item 7): the reader's inbox, read through the API's own
/// `InboxController` (its refusal of an aggregate-only reader, its store, its order: unread
/// first, then newest first), each message a link to its page in the console.
struct InboxPages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    var inbox: InboxController { InboxController(client: client) }

    static let pageSize = 20

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("messages", use: list)
        group.post("messages/:messageId/lu", use: markRead)
    }

    struct ListView {
        let shell: Shell
        let rows: [Row]
        let hasRows: Bool
        let unreadOnly: Bool
        let resultText: String
        let firstPage: Bool
        let nextLink: String?

        struct Row {
            let id: String
            let title: String
            let reference: String
            let page: String?
            let received: String
            let unread: Bool
        }
    }

    /// The list: `nonlus=oui` keeps the unread ones, `cursor` pages on.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let query = request.uri.queryParameters
        let unreadOnly: Bool
        switch query["nonlus"] {
        case nil, "": unreadOnly = false
        case "oui": unreadOnly = true
        default: throw Problem.badRequest("Le filtre « non lus seulement » vaut oui ou rien.", field: "nonlus")
        }
        let page = try PageRequest(limit: Self.pageSize, cursor: query["cursor"].map(String.init))
        let messages = try await inbox.messages(unreadOnly: unreadOnly, page: page, context: context)
        let actor = context.actor
        let me = try await client.withActor(actor, logger: context.logger) { connection in
            try await Me.load(actor, on: connection, logger: context.logger)
        }
        var shell = Shell(me, actor: actor, csrf: context.csrfToken ?? "")
        shell.onMessages = true
        let count = messages.items.count
        let what = unreadOnly ? ("message non lu", "messages non lus") : ("message", "messages")
        let resultText =
            switch (count, page.after == nil) {
            case (0, true): unreadOnly ? "Aucun message non lu" : "Aucun message"
            case (0, false): "Aucun message de plus"
            case (_, true):
                messages.nextCursor == nil
                    ? FrenchText.count(count, what.0, what.1)
                    : "Les \(count) premiers \(what.1)"
            case (_, false): "\(FrenchText.count(count, what.0, what.1)) de plus"
            }
        var next: String?
        if let cursor = messages.nextCursor {
            next = "/messages?cursor=\(cursor)" + (unreadOnly ? "&nonlus=oui" : "")
        }
        let rows = messages.items.map { message in
            ListView.Row(
                id: message.id.lowercased, title: message.title, reference: message.reference, page: message.page,
                received: FrenchText.moment(message.createdAt), unread: message.readAt == nil)
        }
        return pages.page(
            "messages",
            ListView(
                shell: shell, rows: rows, hasRows: !rows.isEmpty, unreadOnly: unreadOnly, resultText: resultText,
                firstPage: page.after == nil, nextLink: next))
    }

    /// « Marquer comme lu », then back to the list (post-redirect-get), its filter kept.
    @Sendable func markRead(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        _ = try await inbox.markRead(try context.parameters.uuid("messageId"), context: context)
        return ConsolePages.redirect(to: form["nonlus"] == "oui" ? "/messages?nonlus=oui" : "/messages")
    }
}
