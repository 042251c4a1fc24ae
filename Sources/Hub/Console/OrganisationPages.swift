import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// The organisation administrator's pages (issue 21, item 8): its members, its invitations and
/// its webhooks. Each reads and acts through the API's own controller functions (their role
/// check, validation, row level security and audit records), so that a page is one more way
/// into the same rules: a non-admin gets the API's refusal as a French 403 page, another
/// organisation's row answers as one that does not exist.
struct OrganisationPages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    let emailConfigured: Bool
    let destinations: DestinationPolicy
    var members: MembersController { MembersController(client: client) }
    var invitations: InvitationsController { InvitationsController(client: client, emailConfigured: emailConfigured) }
    var webhooks: WebhooksController { WebhooksController(client: client, destinations: destinations) }

    static let pageSize = 50
    static let deliveriesShown = 20

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("organisation/membres", use: membersPage)
        group.post("organisation/membres/:userId/desactiver", use: disableMember)
        group.post("organisation/membres/:userId/sessions", use: revokeSessions)
        group.get("organisation/invitations", use: invitationsPage)
        group.post("organisation/invitations", use: invite)
        group.post("organisation/invitations/:invitationId/retirer", use: withdraw)
        group.get("organisation/webhooks", use: webhooksPage)
        group.post("organisation/webhooks", use: createWebhook)
        group.post("organisation/webhooks/:subscriptionId/desactiver", use: disableWebhook)
        group.post("organisation/webhooks/:subscriptionId/secret", use: rotateSecret)
        group.post("organisation/envois/:deliveryId/relancer", use: replay)
    }

    /// What each tab's layout needs: the shell, and which tab is open.
    struct Tabs {
        let members: Bool
        let invitations: Bool
        let webhooks: Bool
    }

    private func shell(_ context: AuthenticatedContext) async throws -> Shell {
        let actor = context.actor
        let me = try await client.withActor(actor, logger: context.logger) { connection in
            try await Me.load(actor, on: connection, logger: context.logger)
        }
        var shell = Shell(me, actor: actor, csrf: context.csrfToken ?? "")
        shell.onOrganisation = true
        return shell
    }

    /// What an action did, said once on the page it returns to (`fait=` in the address: a
    /// word, never a value).
    static let notices: [String: String] = [
        "desactive": "Le compte est désactivé pour votre organisation ; ses sessions sont fermées.",
        "sessions": "Les sessions de ce membre sont fermées : il lui faudra se reconnecter.",
        "invite": "L'invitation est envoyée par e-mail. Le lien est valable 72 heures et ne sert qu'une fois.",
        "retire": "L'invitation est retirée : son lien ne s'ouvre plus.",
        "webhook-desactive": "Le webhook est désactivé : plus aucun envoi ne lui est fait.",
        "relance": "L'envoi est relancé : il repart dans la file d'envoi.",
    ]

    static func notice(_ request: Request) -> String? {
        request.uri.queryParameters["fait"].flatMap { notices[String($0)] }
    }

    /// An action's confirmation: the form's box, checked (the browser requires it; a request
    /// made without it is refused all the same).
    static func requireConfirmation(_ form: ConsoleForm) throws {
        guard form["confirmer"] == "oui" else {
            throw Problem.badRequest("Cochez la case de confirmation avant de valider.", field: "confirmer")
        }
    }

    // MARK: Members

    struct MembersView {
        let shell: Shell
        let tabs = Tabs(members: true, invitations: false, webhooks: false)
        let notice: String?
        let rows: [Row]
        let hasRows: Bool
        let firstPage: Bool
        let nextLink: String?

        struct Row {
            let id: String
            let name: String
            let email: String
            let rolesText: String
            let stateText: String
            let active: Bool
            let isSelf: Bool
        }
    }

    @Sendable func membersPage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let page = try PageRequest(limit: Self.pageSize, cursor: request.uri.queryParameters["cursor"].map(String.init))
        let result = try await members.members(page: page, context: context)
        let rows = result.items.map { member in
            MembersView.Row(
                id: member.id.lowercased, name: member.displayName, email: member.email,
                rolesText: member.roles.map(\.label).joined(separator: ", "),
                stateText: Self.state(of: member), active: member.disabledAt == nil,
                isSelf: member.id == context.actor.userID)
        }
        return pages.page(
            "organisation-members",
            MembersView(
                shell: try await shell(context), notice: Self.notice(request), rows: rows, hasRows: !rows.isEmpty,
                firstPage: page.after == nil,
                nextLink: result.nextCursor.map { "/organisation/membres?cursor=\($0)" }))
    }

    static func state(of member: Member) -> String {
        var parts: [String] = []
        if let disabled = member.disabledAt {
            parts.append("désactivé le \(FrenchText.moment(disabled))")
        } else {
            parts.append("actif")
        }
        if member.boundBySecret {
            parts.append("tenu au secret professionnel")
        } else if member.boundBySecretProposed {
            parts.append("secret professionnel proposé, à confirmer par un chef de service")
        }
        return parts.joined(separator: " ; ").capitalisedFirstLetter
    }

    @Sendable func disableMember(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try Self.requireConfirmation(form)
        _ = try await members.disable(try context.parameters.uuid("userId"), context: context)
        return ConsolePages.redirect(to: "/organisation/membres?fait=desactive")
    }

    @Sendable func revokeSessions(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try Self.requireConfirmation(form)
        try await members.revokeSessions(of: try context.parameters.uuid("userId"), context: context)
        return ConsolePages.redirect(to: "/organisation/membres?fait=sessions")
    }

    // MARK: Invitations

    struct InvitationsView {
        let shell: Shell
        let tabs = Tabs(members: false, invitations: true, webhooks: false)
        let notice: String?
        let error: String?
        let emailConfigured: Bool
        let email: String
        let displayName: String
        let roles: [Choice]
        let boundProposed: Bool
        let rows: [Row]
        let hasRows: Bool
        let firstPage: Bool
        let nextLink: String?

        struct Row {
            let id: String
            let email: String
            let name: String
            let rolesText: String
            let statusText: String
            let pending: Bool
        }
    }

    /// A checkbox of a form's list.
    struct Choice {
        let value: String
        let label: String
        let checked: Bool
    }

    /// The roles an administrator may give: every one but the evaluator's, which the platform's
    /// operator gives to the State's organisations.
    static let invitableRoles: [Role] = [.socialWorker, .serviceHead, .housingOfficer, .facilitator, .orgAdmin]

    static func statusText(_ status: Invitation.Status, expiresAt: Date) -> String {
        switch status {
        case .pending: "En attente, jusqu'au \(FrenchText.moment(expiresAt))"
        case .accepted: "Acceptée"
        case .withdrawn: "Retirée"
        case .expired: "Expirée"
        }
    }

    @Sendable func invitationsPage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let page = try PageRequest(limit: Self.pageSize, cursor: request.uri.queryParameters["cursor"].map(String.init))
        return try await renderInvitations(
            page: page, notice: Self.notice(request), error: nil, email: "", displayName: "", roles: [],
            boundProposed: false, status: .ok, context: context)
    }

    private func renderInvitations(
        page: PageRequest, notice: String?, error: String?, email: String, displayName: String, roles: Set<Role>,
        boundProposed: Bool, status: HTTPResponse.Status, context: AuthenticatedContext
    ) async throws -> Response {
        let result = try await invitations.invitations(page: page, context: context)
        let rows = result.items.map { invitation in
            InvitationsView.Row(
                id: invitation.id.lowercased, email: invitation.email, name: invitation.displayName,
                rolesText: invitation.roles.map(\.label).joined(separator: ", "),
                statusText: Self.statusText(invitation.status, expiresAt: invitation.expiresAt),
                pending: invitation.status == .pending)
        }
        return pages.page(
            "organisation-invitations",
            InvitationsView(
                shell: try await shell(context), notice: notice, error: error, emailConfigured: emailConfigured,
                email: email, displayName: displayName,
                roles: Self.invitableRoles.map {
                    Choice(value: $0.rawValue, label: $0.label.capitalisedFirstLetter, checked: roles.contains($0))
                },
                boundProposed: boundProposed, rows: rows, hasRows: !rows.isEmpty, firstPage: page.after == nil,
                nextLink: result.nextCursor.map { "/organisation/invitations?cursor=\($0)" }),
            status: status)
    }

    /// The API's invitation, from the form: a refusal of what was typed (address, name, roles,
    /// already a member) comes back on the form, its values kept.
    @Sendable func invite(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        let email = form["email"] ?? ""
        let name = form["displayName"] ?? ""
        let roles = Set(Self.invitableRoles.filter { form["role-\($0.rawValue)"] == "oui" })
        let bound = form["boundBySecret"] == "oui"
        do {
            _ = try await invitations.invite(
                .init(email: email, displayName: name, roles: roles.sorted(), boundBySecret: bound), context: context)
        } catch let problem as Problem where problem.status == .unprocessableContent || problem.status == .conflict {
            return try await renderInvitations(
                page: try PageRequest(limit: Self.pageSize, cursor: nil), notice: nil, error: problem.detail,
                email: String(email.prefix(254)), displayName: String(name.prefix(200)), roles: roles,
                boundProposed: bound, status: problem.status, context: context)
        }
        return ConsolePages.redirect(to: "/organisation/invitations?fait=invite")
    }

    @Sendable func withdraw(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try Self.requireConfirmation(form)
        _ = try await invitations.withdraw(try context.parameters.uuid("invitationId"), context: context)
        return ConsolePages.redirect(to: "/organisation/invitations?fait=retire")
    }

    // MARK: Webhooks

    struct WebhooksView {
        let shell: Shell
        let tabs = Tabs(members: false, invitations: false, webhooks: true)
        let notice: String?
        let error: String?
        /// A secret just made (creation or rotation): shown on this answer only, never stored
        /// in an address, a cookie or a log.
        let secret: Secret?
        let url: String
        let topics: [Choice]
        let rows: [Row]
        let hasRows: Bool
        let deliveries: [DeliveryRow]
        let hasDeliveries: Bool

        struct Secret {
            let url: String
            let value: String
            let rotated: Bool
        }

        struct Row {
            let id: String
            let url: String
            let topicsText: String
            let createdText: String
            let stateText: String
            let active: Bool
        }

        struct DeliveryRow {
            let id: String
            let createdText: String
            let topicText: String
            let destination: String
            let statusText: String
            let attempts: Int
            let lastError: String
            let dead: Bool
        }
    }

    static func deliveryStatus(_ status: String) -> String {
        switch status {
        case "pending": "En attente"
        case "sending": "En cours d'envoi"
        case "delivered": "Remis"
        case "dead": "En échec définitif"
        case "cancelled": "Annulé (destinataire plus autorisé)"
        default: status
        }
    }

    @Sendable func webhooksPage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await renderWebhooks(
            notice: Self.notice(request), error: nil, secret: nil, url: "", topics: [], status: .ok, context: context)
    }

    private func renderWebhooks(
        notice: String?, error: String?, secret: WebhooksView.Secret?, url: String, topics: Set<Topic>,
        status: HTTPResponse.Status, context: AuthenticatedContext
    ) async throws -> Response {
        let subscriptions = try await webhooks.subscriptions(
            page: try PageRequest(limit: PageRequest.maximumLimit, cursor: nil), context: context)
        let deliveries = try await webhooks.deliveries(
            status: nil, page: try PageRequest(limit: Self.deliveriesShown, cursor: nil), context: context)
        let urls = Dictionary(subscriptions.items.map { ($0.id, $0.url) }, uniquingKeysWith: { first, _ in first })
        let rows = subscriptions.items.map { subscription in
            WebhooksView.Row(
                id: subscription.id.lowercased, url: subscription.url,
                topicsText: subscription.topics.compactMap { Topic(rawValue: $0)?.title }.joined(separator: " ; "),
                createdText: FrenchText.moment(subscription.createdAt),
                stateText: subscription.disabledAt.map { "Désactivé le \(FrenchText.moment($0))" } ?? "Actif",
                active: subscription.disabledAt == nil)
        }
        let deliveryRows = deliveries.items.map { delivery in
            WebhooksView.DeliveryRow(
                id: delivery.id.lowercased, createdText: FrenchText.moment(delivery.createdAt),
                topicText: Topic(rawValue: delivery.topic)?.title ?? delivery.topic,
                destination: delivery.channel == "webhook"
                    ? (delivery.subscriptionId.flatMap { urls[$0] } ?? "Webhook") : "E-mail à un membre",
                statusText: Self.deliveryStatus(delivery.status), attempts: delivery.attempts,
                lastError: delivery.lastError ?? "—", dead: delivery.status == "dead")
        }
        return pages.page(
            "organisation-webhooks",
            WebhooksView(
                shell: try await shell(context), notice: notice, error: error, secret: secret, url: url,
                topics: Topic.allCases.filter { $0 != .invitation }.map {
                    Choice(value: $0.rawValue, label: $0.title, checked: topics.contains($0))
                },
                rows: rows, hasRows: !rows.isEmpty, deliveries: deliveryRows, hasDeliveries: !deliveryRows.isEmpty),
            status: status)
    }

    /// The API's creation, from the form; its answer is this page with the secret, shown once
    /// (not a redirect: the secret would have to travel in an address or be kept somewhere).
    @Sendable func createWebhook(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        let url = form["url"] ?? ""
        let topics = Topic.allCases.filter { form["topic-\($0.rawValue)"] == "oui" }
        do {
            let created = try await webhooks.create(url: url, topics: topics.map(\.rawValue), context: context)
            return try await renderWebhooks(
                notice: "Le webhook est créé.",
                error: nil,
                secret: .init(url: created.subscription.url, value: created.secret, rotated: false), url: "",
                topics: [], status: .created, context: context)
        } catch let problem as Problem where problem.status == .unprocessableContent {
            return try await renderWebhooks(
                notice: nil, error: problem.detail, secret: nil, url: String(url.prefix(2000)), topics: Set(topics),
                status: problem.status, context: context)
        }
    }

    @Sendable func disableWebhook(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try Self.requireConfirmation(form)
        try await webhooks.disable(try context.parameters.uuid("subscriptionId"), context: context)
        return ConsolePages.redirect(to: "/organisation/webhooks?fait=webhook-desactive")
    }

    /// The new secret, on this answer only (as at creation).
    @Sendable func rotateSecret(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try Self.requireConfirmation(form)
        let rotated = try await webhooks.rotate(try context.parameters.uuid("subscriptionId"), context: context)
        return try await renderWebhooks(
            notice: "Le secret est renouvelé. L'ancien signe encore les envois pendant 24 heures.", error: nil,
            secret: .init(url: rotated.subscription.url, value: rotated.secret, rotated: true), url: "", topics: [],
            status: .ok, context: context)
    }

    @Sendable func replay(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try await webhooks.replay(try context.parameters.uuid("deliveryId"), context: context)
        return ConsolePages.redirect(to: "/organisation/webhooks?fait=relance")
    }
}
