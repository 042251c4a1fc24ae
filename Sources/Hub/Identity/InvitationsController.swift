import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Tenancy

/// Accounts an administrator cannot take over (ACCESS.md §1, issue 15). The admin invites an
/// address with roles; the person receives a single-use link valid 72 hours and sets their
/// own password, or, if the address already has an account, accepts the new membership once
/// signed in. The admin's answer is the same in both cases, and the admin never sets, reads
/// or receives a password or the link.
struct InvitationsController {
    let client: PostgresClient
    /// Invitations leave by e-mail: without an SMTP relay there is no way to send the link
    /// but through the admin, which is exactly what must not happen.
    let emailConfigured: Bool

    struct NewInvitationRequest: ClosedJSONObject {
        static let fields: Set<String> = ["email", "displayName", "roles", "boundBySecret"]
        let email: String
        let displayName: String
        let roles: [Role]
        /// A proposal only: a bound service head confirms it once the person has joined.
        let boundBySecret: Bool?
    }

    struct EnrolmentRequest: ClosedJSONObject {
        static let fields: Set<String> = ["password"]
        let password: String
    }

    struct Enrolled: ResponseEncodable {
        let userId: UUID
        let organisationId: UUID
    }

    struct Joined: ResponseEncodable {
        let organisationId: UUID
    }

    struct Pending: ResponseEncodable {
        let items: [PendingInvitation]
    }

    func addPublicRoutes(to group: RouterGroup<HubRequestContext>) {
        group.get("enrolments/:token", use: offer)
        group.post("enrolments/:token", use: enrol)
    }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.post("invitations", use: invite)
        group.get("invitations", use: list)
        group.post("invitations/:invitationId/withdraw", use: withdraw)
        group.get("me/invitations", use: pending)
        group.post("me/invitations/:invitationId/accept", use: accept)
    }

    func admin(_ context: AuthenticatedContext) throws -> Actor {
        let actor = context.actor
        guard AccessRules.mayManageMembers(actor) else {
            throw Problem.forbidden("Seul l'administrateur de l'organisation invite ses utilisateurs.")
        }
        return actor
    }

    // MARK: The admin

    /// 202: the invitation is recorded and its e-mail is on its way — known address or not.
    @Sendable func invite(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Invitation>
    {
        _ = try admin(context)
        let body = try await request.decodeJSON(as: NewInvitationRequest.self, context: context)
        return EditedResponse(status: .accepted, response: try await invite(body, context: context))
    }

    /// Checks and records an invitation, with its audit record: the route's and the console's.
    func invite(_ body: NewInvitationRequest, context: AuthenticatedContext) async throws -> Invitation {
        let actor = try admin(context)
        let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.length <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: \.isWhitespace)
        else { throw Problem.unprocessable("L'adresse e-mail n'est pas valide.", field: "email") }
        let name = body.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.length) else {
            throw Problem.unprocessable("Le nom affiché doit compter de 1 à 200 caractères.", field: "displayName")
        }
        guard !body.roles.isEmpty else {
            throw Problem.unprocessable("Au moins un rôle est requis.", field: "roles")
        }
        guard emailConfigured else {
            throw Problem.conflict(
                "Les invitations partent par e-mail : le hub n'a pas de relais SMTP (HUB_SMTP_HOST).")
        }
        let id = UUID()
        return try await client.withActor(actor, logger: context.logger) { connection in
            let outcome = try await InvitationStore.invite(
                id: id, email: email, displayName: name, roles: Set(body.roles).sorted(),
                boundProposed: body.boundBySecret ?? false, token: Credentials.newToken(), on: connection,
                logger: context.logger)
            switch outcome {
            case .member: throw Problem.conflict("Cette personne est déjà membre de votre organisation.")
            case .forbidden: throw Problem.forbidden("Seul l'administrateur de l'organisation invite ses utilisateurs.")
            case .invited: break
            }
            try await connection.append(
                body.boundBySecret == true ? "invitation.create.boundProposed" : "invitation.create",
                .changed([], []),
                actor: actor, requestID: context.id, logger: context.logger)
            guard let invitation = try await InvitationStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return invitation
        }
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<Invitation> {
        _ = try admin(context)
        return try await invitations(page: try PageRequest(request), context: context)
    }

    /// One page of the organisation's invitations: the route's and the console's.
    func invitations(page: PageRequest, context: AuthenticatedContext) async throws -> Page<Invitation> {
        let actor = try admin(context)
        let invitations = try await client.withActor(actor, logger: context.logger) { connection in
            try await InvitationStore.list(
                after: page.after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(invitations, key: \.cursor)
    }

    /// The link no longer opens. An invitation already accepted or withdrawn is a 409;
    /// another organisation's a 404.
    @Sendable func withdraw(_ request: Request, context: AuthenticatedContext) async throws -> Invitation {
        _ = try admin(context)
        return try await withdraw(try context.parameters.uuid("invitationId"), context: context)
    }

    /// The route's and the console's, with its audit record.
    func withdraw(_ id: UUID, context: AuthenticatedContext) async throws -> Invitation {
        let actor = try admin(context)
        return try await client.withActor(actor, logger: context.logger) { connection in
            guard try await InvitationStore.find(id, on: connection, logger: context.logger) != nil else {
                throw Problem.notFound
            }
            guard try await InvitationStore.withdraw(id, on: connection, logger: context.logger) else {
                throw Problem.conflict("Cette invitation a déjà été acceptée ou retirée.")
            }
            try await connection.append(
                "invitation.withdraw", .changed([], []),
                actor: actor, requestID: context.id, logger: context.logger)
            return try await InvitationStore.find(id, on: connection, logger: context.logger)!
        }
    }

    // MARK: The person

    static let linkRefused = Problem(
        status: .notFound, code: "not-found", title: "Lien d'inscription invalide",
        detail: "Ce lien d'inscription n'est pas valable : déjà utilisé, expiré, retiré ou inconnu.")

    /// What the link opens, for whoever holds it (the token is the credential).
    @Sendable func offer(_ request: Request, context: HubRequestContext) async throws -> InvitationOffer {
        let token = try context.parameters.require("token")
        let offer = try await client.withConnectionOrUnavailable { connection in
            try await InvitationStore.offer(token: token, on: connection, logger: context.logger)
        }
        guard let offer else { throw Self.linkRefused }
        return offer
    }

    /// The person sets their password: their account and membership exist from now on, not
    /// bound until a service head confirms. The link is spent.
    @Sendable func enrol(_ request: Request, context: HubRequestContext) async throws -> EditedResponse<Enrolled> {
        let token = try context.parameters.require("token")
        let body = try await request.decodeJSON(as: EnrolmentRequest.self, context: context)
        guard (Credentials.minimumPasswordLength...200).contains(body.password.count) else {
            throw Problem.unprocessable(
                "Le mot de passe doit compter de \(Credentials.minimumPasswordLength) à 200 caractères.",
                field: "password")
        }
        guard
            let offer = try await client.withConnectionOrUnavailable({ connection in
                try await InvitationStore.offer(token: token, on: connection, logger: context.logger)
            })
        else { throw Self.linkRefused }
        guard !offer.accountExists else {
            throw Problem.conflict(
                "Cette adresse a déjà un compte : connectez-vous, l'invitation vous y attend.")
        }
        let hash = try await Credentials.hashPassword(body.password)
        let enrolled = try await client.withConnectionOrUnavailable { connection in
            try await InvitationStore.enrol(token: token, passwordHash: hash, on: connection, logger: context.logger)
        }
        guard let enrolled else { throw Self.linkRefused }
        context.logger.info("enrolment", metadata: ["user_id": "\(enrolled.user)"])
        return EditedResponse(
            status: .created, response: Enrolled(userId: enrolled.user, organisationId: enrolled.organisation))
    }

    /// Invitations of other organisations waiting for me.
    @Sendable func pending(_ request: Request, context: AuthenticatedContext) async throws -> Pending {
        let actor = context.actor
        return Pending(
            items: try await client.withActor(actor, logger: context.logger) { connection in
                try await InvitationStore.pending(on: connection, logger: context.logger)
            })
    }

    /// I join the organisation that invited me; I sign in for it next.
    @Sendable func accept(_ request: Request, context: AuthenticatedContext) async throws -> Joined {
        let actor = context.actor
        let id = try context.parameters.uuid("invitationId")
        let organisation = try await client.withActor(actor, logger: context.logger) { connection in
            try await InvitationStore.accept(id, on: connection, logger: context.logger)
        }
        guard let organisation else { throw Problem.notFound }
        return Joined(organisationId: organisation)
    }
}
