import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Tenancy

/// `orgAdmin` manages the users of their own organisation (ACCESS.md §1). Another
/// organisation's user answers 404, exactly as one that does not exist (R7).
struct MembersController {
    let client: PostgresClient

    struct NewMemberRequest: ClosedJSONObject {
        static let fields: Set<String> = ["email", "displayName", "password", "roles", "boundBySecret"]
        let email: String
        let displayName: String
        let password: String
        let roles: [Role]
        let boundBySecret: Bool
    }

    func addRoutes(to group: RouterGroup<HubRequestContext>) {
        group.get("users", use: list)
        group.post("users", use: create)
        group.get("users/:userId", use: show)
        group.post("users/:userId/disable", use: disable)
    }

    func admin(_ context: HubRequestContext) throws -> Actor {
        let actor = try context.requireActor()
        guard AccessRules.mayManageMembers(actor) else {
            throw Problem.forbidden("Seul l'administrateur de l'organisation gère ses utilisateurs.")
        }
        return actor
    }

    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> Page<Member> {
        let actor = try admin(context)
        let page = try PageRequest(request)
        let members = try await client.withActor(actor, logger: context.logger) { connection in
            try await Members.list(
                on: connection, organisationID: actor.organisationID, after: page.after, limit: page.fetchLimit,
                logger: context.logger)
        }
        return page.page(members, key: \.email)
    }

    @Sendable func show(_ request: Request, context: HubRequestContext) async throws -> Member {
        let actor = try admin(context)
        let userID = try context.parameters.uuid("userId")
        let member = try await client.withActor(actor, logger: context.logger) { connection in
            try await Members.find(
                on: connection, organisationID: actor.organisationID, userID: userID, logger: context.logger)
        }
        guard let member else { throw Problem.notFound }
        return member
    }

    @Sendable func create(_ request: Request, context: HubRequestContext) async throws -> Response {
        let actor = try admin(context)
        let body = try await request.decodeJSON(as: NewMemberRequest.self, context: context)
        let new = try await validated(body)
        do {
            let member = try await client.withActor(actor, logger: context.logger) { connection in
                try await Members.create(
                    new, on: connection, organisationID: actor.organisationID, logger: context.logger)
            }
            var response = try EditedResponse(status: .created, response: member).response(
                from: request, context: context)
            response.headers[.location] = "/v1/users/\(member.id)"
            return response
        } catch MemberError.emailUnavailable {
            throw Problem.conflict("Cette adresse e-mail ne peut pas être utilisée pour un nouveau compte.")
        }
    }

    @Sendable func disable(_ request: Request, context: HubRequestContext) async throws -> Member {
        let actor = try admin(context)
        let userID = try context.parameters.uuid("userId")
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

    /// The checks JSON decoding cannot make, each answered with the field at fault.
    func validated(_ body: NewMemberRequest) async throws -> NewMember {
        let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: \.isWhitespace)
        else { throw Problem.unprocessable("L'adresse e-mail n'est pas valide.", field: "email") }
        let name = body.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw Problem.unprocessable("Le nom affiché doit compter de 1 à 200 caractères.", field: "displayName")
        }
        guard (Credentials.minimumPasswordLength...200).contains(body.password.count) else {
            throw Problem.unprocessable(
                "Le mot de passe doit compter de \(Credentials.minimumPasswordLength) à 200 caractères.",
                field: "password")
        }
        guard !body.roles.isEmpty else {
            throw Problem.unprocessable("Au moins un rôle est requis.", field: "roles")
        }
        return NewMember(
            email: email, displayName: name, passwordHash: try await Credentials.hashPassword(body.password),
            roles: Set(body.roles), boundBySecret: body.boundBySecret)
    }
}

extension Parameters {
    /// A path id; a malformed one is a 400 naming the parameter.
    func uuid(_ name: String) throws -> UUID {
        guard let raw = self.get(name), let id = UUID(uuidString: raw) else {
            throw Problem.badRequest("L'identifiant « \(name) » n'est pas un UUID valide.", field: name)
        }
        return id
    }
}
