import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Tenancy

/// `orgAdmin` manages the users of their own organisation (ACCESS.md §1): lists, disables,
/// ends their sessions, proposes the bound-by-secret mark — and never makes an account or
/// sets a password (invitations do, `InvitationsController`). A bound service head of the
/// organisation confirms the mark. Another organisation's user answers 404, exactly as one
/// that does not exist (R7).
struct MembersController {
    let client: PostgresClient

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("users", use: list)
        group.get("users/:userId", use: show)
        group.post("users/:userId/disable", use: disable)
        group.delete("users/:userId/sessions", use: revokeSessions)
        group.post("users/:userId/bound-by-secret", use: proposeBound)
        group.delete("users/:userId/bound-by-secret", use: removeBound)
        group.post("users/:userId/bound-by-secret/confirm", use: confirmBound)
    }

    func admin(_ context: AuthenticatedContext) throws -> Actor {
        let actor = context.actor
        guard AccessRules.mayManageMembers(actor) else {
            throw Problem.forbidden("Seul l'administrateur de l'organisation gère ses utilisateurs.")
        }
        return actor
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<Member> {
        _ = try admin(context)
        return try await members(page: try PageRequest(request), context: context)
    }

    /// One page of the organisation's members, by e-mail: the route's and the console's.
    func members(page: PageRequest, context: AuthenticatedContext) async throws -> Page<Member> {
        let actor = try admin(context)
        let members = try await client.withActor(actor, logger: context.logger) { connection in
            try await Members.list(
                on: connection, organisationID: actor.organisationID, after: page.after, limit: page.fetchLimit,
                logger: context.logger)
        }
        return page.page(members, key: \.email)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Member {
        let actor = try admin(context)
        let userID = try context.parameters.uuid("userId")
        let member = try await client.withActor(actor, logger: context.logger) { connection in
            try await Members.find(
                on: connection, organisationID: actor.organisationID, userID: userID, logger: context.logger)
        }
        guard let member else { throw Problem.notFound }
        return member
    }

    @Sendable func disable(_ request: Request, context: AuthenticatedContext) async throws -> Member {
        _ = try admin(context)
        return try await disable(try context.parameters.uuid("userId"), context: context)
    }

    /// Disables a member (never oneself): the route's and the console's.
    func disable(_ userID: UUID, context: AuthenticatedContext) async throws -> Member {
        let actor = try admin(context)
        guard userID != actor.userID else {
            throw Problem.conflict("Un administrateur ne peut pas désactiver son propre compte.")
        }
        let member = try await client.withActor(actor, logger: context.logger) { connection in
            try await Members.disable(
                on: connection, organisationID: actor.organisationID, userID: userID, logger: context.logger)
        }
        guard let member else { throw Problem.notFound }
        return member
    }

    /// Ends every session of a member: each fails its very next request.
    @Sendable func revokeSessions(_ request: Request, context: AuthenticatedContext) async throws
        -> HTTPResponse.Status
    {
        _ = try admin(context)
        try await revokeSessions(of: try context.parameters.uuid("userId"), context: context)
        return .noContent
    }

    /// The route's and the console's: a user who is not a member answers 404.
    func revokeSessions(of userID: UUID, context: AuthenticatedContext) async throws {
        let actor = try admin(context)
        try await client.withActor(actor, logger: context.logger) { connection in
            guard
                try await Members.find(
                    on: connection, organisationID: actor.organisationID, userID: userID, logger: context.logger)
                    != nil
            else { throw Problem.notFound }
            _ = try await Members.revokeSessions(
                of: userID, organisationID: actor.organisationID, on: connection, logger: context.logger)
        }
    }

    /// The admin proposes the mark; the membership stays unbound until a service head confirms.
    @Sendable func proposeBound(_ request: Request, context: AuthenticatedContext) async throws -> Member {
        let actor = try admin(context)
        let userID = try context.parameters.uuid("userId")
        return try await client.withActor(actor, logger: context.logger) { connection in
            guard
                let member = try await Members.proposeBound(
                    userID, organisationID: actor.organisationID, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            try await connection.append(
                "membership.boundProposed", .changed([], []),
                actor: actor, requestID: context.id, logger: context.logger)
            return member
        }
    }

    /// Lowering a right needs nobody's confirmation: the mark, or its proposal, is removed at once.
    @Sendable func removeBound(_ request: Request, context: AuthenticatedContext) async throws -> Member {
        let actor = try admin(context)
        let userID = try context.parameters.uuid("userId")
        return try await client.withActor(actor, logger: context.logger) { connection in
            guard
                let member = try await Members.removeBound(
                    userID, organisationID: actor.organisationID, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            try await connection.append(
                "membership.boundRemoved", .changed([], []),
                actor: actor, requestID: context.id, logger: context.logger)
            return member
        }
    }

    /// A service head bound by secret confirms a colleague's proposed mark: two people, the
    /// proposer and the confirmer, never the same, never for oneself.
    @Sendable func confirmBound(_ request: Request, context: AuthenticatedContext) async throws -> Member {
        let actor = context.actor
        let userID = try context.parameters.uuid("userId")
        guard actor.roles.contains(.serviceHead), actor.boundBySecret else {
            throw Problem.forbidden(
                "Seul un chef de service tenu au secret professionnel confirme cette qualité d'un collègue.")
        }
        return try await client.withActor(actor, logger: context.logger) { connection in
            guard
                let before = try await Members.find(
                    on: connection, organisationID: actor.organisationID, userID: userID, logger: context.logger)
            else { throw Problem.notFound }
            guard userID != actor.userID else {
                throw Problem.conflict("Personne ne confirme sa propre qualité de professionnel tenu au secret.")
            }
            guard try await Members.confirmBound(userID, on: connection, logger: context.logger) else {
                throw Problem.conflict(
                    before.boundBySecret
                        ? "Ce membre est déjà tenu au secret."
                        : "Aucune proposition à confirmer, ou vous l'avez faite vous-même : une autre personne confirme."
                )
            }
            try await connection.append(
                "membership.boundConfirmed", .changed([], []),
                actor: actor, requestID: context.id, logger: context.logger)
            guard
                let member = try await Members.find(
                    on: connection, organisationID: actor.organisationID, userID: userID, logger: context.logger)
            else { throw Problem.notFound }
            return member
        }
    }
}
