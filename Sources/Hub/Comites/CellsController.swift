import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// Coordination cells and veilles sociales (issue 6): created by the programme's porteur or
/// opérateur (a veille by its own organisation), their people added by each member
/// organisation, the situations they follow added through each household's door, and their
/// comités: monthly ones scheduled ahead, extraordinary ones on a member's request.
struct CellsController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("cells", use: list)
        group.post("cells", use: create)
        group.get("cells/:cellId", use: show)
        group.post("cells/:cellId/people", use: addPerson)
        group.get("cells/:cellId/situations", use: situations)
        group.post("cells/:cellId/situations", use: follow)
        group.delete("cells/:cellId/situations/:householdId", use: unfollow)
        group.get("cells/:cellId/comites", use: comites)
        group.post("cells/:cellId/comites", use: requestComite)
    }

    /// The cell as the reader sees it, or 404 (not a member: as if it did not exist).
    func cell(_ id: UUID, on connection: PostgresConnection, context: AuthenticatedContext) async throws
        -> CoordinationCell
    {
        guard let cell = try await CellStore.find(id, on: connection, logger: context.logger) else {
            throw Problem.notFound
        }
        return cell
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<CoordinationCell> {
        let actor = context.actor
        // As GET /v1/households: an administrator or an evaluator has no cells to list.
        guard AccessRules.worksOnHouseholds(actor) else {
            throw Problem.forbidden(
                "Les cellules de coordination réunissent les professionnels qui suivent les ménages.")
        }
        let page = try PageRequest(request)
        let after = try page.after.map(TimeCursor.decode)
        let cells = try await client.withActor(actor, logger: context.logger) { connection in
            try await CellStore.list(after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(cells) { TimeCursor.encode($0.createdAt, $0.id) }
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        let body = try await request.decodeJSON(as: NewCellRequest.self, context: context)
        let (name, territory) = try body.validated()
        let created = try await client.withActor(actor, logger: context.logger) { connection in
            guard actor.has(.facilitator) || actor.has(.serviceHead) else {
                throw Problem.forbidden("Une cellule est constituée par un animateur ou un chef de service.")
            }
            var organisations: Set<UUID> = []
            if let programme = body.programmeId {
                guard
                    let parts = try await HouseholdStore.programmeParts(
                        programme, for: actor.organisationID, on: connection, logger: context.logger)
                else { throw Problem.unprocessable("Programme inconnu.", field: "programmeId") }
                guard !parts.mine.isDisjoint(with: [.holder, .operator]) else {
                    throw Problem.forbidden(
                        "Une cellule de coordination est constituée par le porteur ou l'opérateur du programme.")
                }
                for (index, organisation) in (body.organisationIds ?? []).enumerated() {
                    let theirs = parts.partners[organisation] ?? []
                    try check(
                        !theirs.subtracting([.evaluator]).isEmpty, field: "organisationIds[\(index)]",
                        "Les membres d'une cellule sont des partenaires du programme ; l'évaluateur n'en est pas.")
                    organisations.insert(organisation)
                }
            }
            guard
                let facilitator = try await CellStore.colleague(
                    body.facilitatorUserId, on: connection, logger: context.logger)
            else {
                throw Problem.unprocessable(
                    "L'animateur est un membre actif de votre organisation.", field: "facilitatorUserId")
            }
            let mayFacilitate: Set<Role> = body.isVeille ? [.facilitator, .serviceHead] : [.facilitator]
            try check(
                !facilitator.roles.isDisjoint(with: mayFacilitate), field: "facilitatorUserId",
                body.isVeille
                    ? "La veille sociale est animée par un animateur ou un chef de service de votre organisation."
                    : "L'animateur a le rôle « facilitator » dans votre organisation.")
            let id = try await CellStore.create(
                body, name: name, territory: territory, facilitatorName: facilitator.name,
                organisations: organisations, by: actor, on: connection, logger: context.logger)
            let created = try await cell(id, on: connection, context: context)
            try await ComiteStore.scheduleMonthly(
                ComiteCalendar.monthly(day: body.comiteDay, after: Date()), cell: created, by: actor, on: connection,
                logger: context.logger)
            return created
        }
        var response = try EditedResponse(status: .created, response: created).response(
            from: request, context: context)
        response.headers[.location] = "/v1/cells/\(created.id)"
        return response
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> CoordinationCell {
        let actor = context.actor
        let id = try context.parameters.uuid("cellId")
        return try await client.withActor(actor, logger: context.logger) { connection in
            try await cell(id, on: connection, context: context)
        }
    }

    /// A member organisation invites one of its own people to the cell's comités.
    @Sendable func addPerson(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<CoordinationCell>
    {
        let actor = context.actor
        let id = try context.parameters.uuid("cellId")
        let body = try await request.decodeJSON(as: NewCellPersonRequest.self, context: context)
        let updated = try await client.withActor(actor, logger: context.logger) { connection in
            _ = try await cell(id, on: connection, context: context)
            guard let person = try await CellStore.colleague(body.userId, on: connection, logger: context.logger),
                !person.roles.isDisjoint(with: AccessRules.householdRoles)
            else {
                throw Problem.unprocessable(
                    "La personne invitée est un membre actif de votre organisation qui travaille avec les ménages.",
                    field: "userId")
            }
            guard
                try await CellStore.addPerson(
                    body.userId, name: person.name, to: id, by: actor, on: connection, logger: context.logger)
            else { throw Problem.conflict("Cette personne est déjà invitée aux comités de la cellule.") }
            return try await cell(id, on: connection, context: context)
        }
        return EditedResponse(status: .created, response: updated)
    }

    /// The situations the reader may see; the page's households are recorded as disclosed.
    @Sendable func situations(_ request: Request, context: AuthenticatedContext) async throws -> Page<CellSituation> {
        let id = try context.parameters.uuid("cellId")
        let page = try PageRequest(request)
        let situations = try await listSituations(
            of: id, after: try page.after.map(TimeCursor.decode), limit: page.limit, context: context)
        return page.page(situations) { TimeCursor.encode($0.addedAt, $0.id) }
    }

    /// Up to `limit` situations, and one more if there are (for the page's next cursor); the
    /// `limit` shown are recorded as disclosed.
    func listSituations(of id: UUID, after: (Int64, UUID)?, limit: Int, context: AuthenticatedContext) async throws
        -> [CellSituation]
    {
        let actor = context.actor
        return try await client.withActor(actor, logger: context.logger) { connection in
            _ = try await cell(id, on: connection, context: context)
            let situations = try await CellStore.situations(
                of: id, after: after, limit: limit + 1, on: connection, logger: context.logger)
            try await connection.append(
                "cell.situations", .disclosed(situations.prefix(limit).map(\.householdId)), actor: actor,
                requestID: context.id, logger: context.logger)
            return situations
        }
    }

    @Sendable func follow(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<CellSituation>
    {
        let id = try context.parameters.uuid("cellId")
        let body = try await request.decodeJSON(as: NewSituationRequest.self, context: context)
        let situation = try await gate.run(body.householdId, action: "cell.follow", context: context) {
            connection, actor, _ in
            let cell = try await cell(id, on: connection, context: context)
            if let programme = cell.programmeId {
                let path = try await PathStore.snapshot(of: body.householdId, on: connection, logger: context.logger)
                try check(
                    path.programme == programme, field: "householdId",
                    "Ce ménage est accompagné dans un autre programme que celui de la cellule.")
            }
            guard
                try await CellStore.follow(body.householdId, in: id, by: actor, on: connection, logger: context.logger)
            else { throw Problem.conflict("La cellule suit déjà ce ménage.") }
            guard
                let shown = try await CellStore.situations(
                    of: id, only: body.householdId, after: nil, limit: 1, on: connection, logger: context.logger
                ).first
            else { throw Problem.internal }
            return (shown, .changed())
        }
        return EditedResponse(status: .created, response: situation)
    }

    @Sendable func unfollow(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("cellId")
        let household = try context.parameters.uuid("householdId")
        try await gate.run(household, action: "cell.unfollow", context: context) { connection, _, _ in
            _ = try await cell(id, on: connection, context: context)
            guard try await CellStore.unfollow(household, in: id, on: connection, logger: context.logger) else {
                throw Problem.notFound
            }
            return ((), .changed())
        }
        return Response(status: .noContent)
    }

    @Sendable func comites(_ request: Request, context: AuthenticatedContext) async throws -> Page<Comite> {
        let actor = context.actor
        let id = try context.parameters.uuid("cellId")
        let page = try PageRequest(request)
        let after = try page.after.map(Self.dayCursor)
        let comites = try await client.withActor(actor, logger: context.logger) { connection in
            _ = try await cell(id, on: connection, context: context)
            return try await ComiteStore.list(
                of: id, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(comites) { "\($0.heldOn)|\($0.id.uuidString)" }
    }

    static func dayCursor(_ text: String) throws -> (Day, UUID) {
        let parts = text.split(separator: "|")
        guard parts.count == 2, let day = Day(iso: parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor")
        }
        return (day, id)
    }

    /// An extraordinary session, or a veille's emergency, requested by a member with a reason.
    @Sendable func requestComite(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("cellId")
        let body = try await request.decodeJSON(as: NewComiteRequest.self, context: context)
        let comite = try await requestComite(in: id, body, context: context)
        var response = try EditedResponse(status: .created, response: comite).response(from: request, context: context)
        response.headers[.location] = "/v1/comites/\(comite.id)"
        return response
    }

    func requestComite(in id: UUID, _ body: NewComiteRequest, context: AuthenticatedContext) async throws -> Comite {
        let actor = context.actor
        return try await client.withActor(actor, logger: context.logger) { connection in
            let cell = try await cell(id, on: connection, context: context)
            let reason = try body.validated(
                veille: cell.isVeille,
                byFacilitator: cell.isFacilitator(actor),
                programme: try await cell.programmePeriod(on: connection, logger: context.logger))
            let comite = try await ComiteStore.request(
                body, reason: reason, cell: cell, by: actor, on: connection,
                logger: context.logger)
            guard let shown = try await ComiteStore.find(comite, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return shown
        }
    }
}

extension CoordinationCell: ResponseEncodable {}
extension CellSituation: ResponseEncodable {}
extension Comite: ResponseEncodable {}
