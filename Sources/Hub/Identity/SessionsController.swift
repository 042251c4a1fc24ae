import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Signing in and out, one's own sessions, and `GET /v1/me`.
struct SessionsController {
    let signIn: SignIn

    struct SignInRequest: ClosedJSONObject {
        static let fields: Set<String> = ["email", "password", "organisationId"]
        let email: String
        let password: String
        let organisationId: UUID
    }

    struct SessionResponse: ResponseEncodable {
        let token: String
        let tokenType = "Bearer"
        let expiresAt: Date
        let idleTimeoutSeconds: Int
        let me: Me
        /// Invitations of other organisations waiting for this person (issue 15): each is
        /// accepted with `POST /v1/me/invitations/{invitationId}/accept`.
        let pendingInvitations: [PendingInvitation]
    }

    func addPublicRoutes(to group: RouterGroup<HubRequestContext>) {
        group.post("sessions", use: create)
    }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.delete("sessions/current", use: delete)
        group.get("sessions", use: list)
        group.delete("sessions", use: revokeAll)
        group.delete("sessions/:sessionId", use: revoke)
        group.get("me", use: me)
    }

    @Sendable func create(_ request: Request, context: HubRequestContext) async throws -> EditedResponse<
        SessionResponse
    > {
        let body = try await request.decodeJSON(as: SignInRequest.self, context: context)
        // Sizes are checked before any work: bcrypt on a megabyte password is a cheap attack.
        guard body.email.count <= 254, body.password.count <= 200 else { throw Problem.signInRefused }
        let outcome = try await signIn.attempt(
            email: body.email, password: body.password, organisationID: body.organisationId,
            address: context.clientAddress,
            clientDescription: ClientDescription.of(userAgent: request.headers[.userAgent]), logger: context.logger)
        switch outcome {
        case .refused:
            throw Problem.signInRefused
        case .throttled(let retryAfter):
            throw Problem.tooManyRequests(retryAfter: retryAfter)
        case .signedIn(let token, let actor):
            let (me, invitations) = try await signIn.client.withActor(actor, logger: context.logger) { connection in
                (
                    try await Me.load(actor, on: connection, logger: context.logger),
                    try await InvitationStore.pending(on: connection, logger: context.logger)
                )
            }
            return EditedResponse(
                status: .created,
                response: SessionResponse(
                    token: token, expiresAt: actor.sessionExpiresAt,
                    idleTimeoutSeconds: Int(signIn.policy.idleTimeout.components.seconds), me: me,
                    pendingInvitations: invitations))
        }
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try await signIn.signOut(context.actor, logger: context.logger)
        return .noContent
    }

    struct Sessions: ResponseEncodable {
        let items: [UserSession]
    }

    /// My live sessions in this organisation, the current one marked.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Sessions {
        let actor = context.actor
        return Sessions(
            items: try await signIn.client.withActor(actor, logger: context.logger) { connection in
                try await UserSessionStore.live(of: actor, on: connection, logger: context.logger)
            })
    }

    /// Ends one of my sessions: its very next request is refused. Another's is a 404.
    @Sendable func revoke(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let actor = context.actor
        let id = try context.parameters.uuid("sessionId")
        let revoked = try await signIn.client.withActor(actor, logger: context.logger) { connection in
            try await Members.revokeSessions(
                of: actor.userID, only: id, organisationID: actor.organisationID, on: connection,
                logger: context.logger)
        }
        guard revoked == 1 else { throw Problem.notFound }
        return .noContent
    }

    /// Ends every one of my sessions in this organisation, this one included.
    @Sendable func revokeAll(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let actor = context.actor
        _ = try await signIn.client.withActor(actor, logger: context.logger) { connection in
            try await Members.revokeSessions(
                of: actor.userID, organisationID: actor.organisationID, on: connection, logger: context.logger)
        }
        return .noContent
    }

    @Sendable func me(_ request: Request, context: AuthenticatedContext) async throws -> Me {
        let actor = context.actor
        return try await signIn.client.withActor(actor, logger: context.logger) { connection in
            try await Me.load(actor, on: connection, logger: context.logger)
        }
    }
}
