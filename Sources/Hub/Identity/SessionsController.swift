import Foundation
import Hummingbird
import Tenancy

/// Signing in and out, and `GET /v1/me`.
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
    }

    func addPublicRoutes(to group: RouterGroup<HubRequestContext>) {
        group.post("sessions", use: create)
    }

    func addRoutes(to group: RouterGroup<HubRequestContext>) {
        group.delete("sessions/current", use: delete)
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
            address: context.clientAddress, logger: context.logger)
        switch outcome {
        case .refused:
            throw Problem.signInRefused
        case .throttled(let retryAfter):
            throw Problem.tooManyRequests(retryAfter: retryAfter)
        case .signedIn(let token, let actor):
            let me = try await signIn.client.withActor(actor, logger: context.logger) { connection in
                try await Me.load(actor, on: connection, logger: context.logger)
            }
            return EditedResponse(
                status: .created,
                response: SessionResponse(
                    token: token, expiresAt: actor.sessionExpiresAt,
                    idleTimeoutSeconds: Int(signIn.policy.idleTimeout.components.seconds), me: me))
        }
    }

    @Sendable func delete(_ request: Request, context: HubRequestContext) async throws -> HTTPResponse.Status {
        try await signIn.signOut(try context.requireActor(), logger: context.logger)
        return .noContent
    }

    @Sendable func me(_ request: Request, context: HubRequestContext) async throws -> Me {
        let actor = try context.requireActor()
        return try await signIn.client.withActor(actor, logger: context.logger) { connection in
            try await Me.load(actor, on: connection, logger: context.logger)
        }
    }
}
