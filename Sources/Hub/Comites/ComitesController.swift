import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// A comité's life (issue 6): the agenda built by the rules and composed by the facilitator,
/// publication with the frozen summary sheets, the meeting (attendance, decisions, the end of
/// an accompaniment, actions), the minutes validated and diffused, errata after diffusion.
/// Everything about a household is read through its door and at its level (R10).
struct ComitesController {
    let client: PostgresClient
    var gate: ComiteGate { ComiteGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("comites/:comiteId", use: show)
        group.post("comites/:comiteId/agenda/build", use: build)
        group.put("comites/:comiteId/agenda/order", use: order)
        group.post("comites/:comiteId/items", use: addItem)
        group.delete("comites/:comiteId/items/:itemId", use: removeItem)
        group.post("comites/:comiteId/publish", use: publish)
        group.post("comites/:comiteId/reschedule", use: reschedule)
        group.post("comites/:comiteId/cancel", use: cancel)
        group.get("comites/:comiteId/items/:itemId/sheet", use: sheet)
        group.post("comites/:comiteId/hold", use: hold)
        group.post("comites/:comiteId/items/:itemId/decision", use: decide)
        group.post("comites/:comiteId/items/:itemId/actions", use: addAction)
        group.get("comites/:comiteId/actions", use: actions)
        group.patch("comites/:comiteId/actions/:actionId", use: followUp)
        group.get("comites/:comiteId/minutes", use: minutes)
        group.post("comites/:comiteId/minutes/validate", use: validate)
        group.post("comites/:comiteId/minutes/diffuse", use: diffuse)
        group.post("comites/:comiteId/errata", use: addErratum)
        group.post("households/:householdId/comite-requests", use: requestReview)
    }

    /// The comité with the agenda the reader may see, and the moves of its day.
    func withAgenda(_ comite: Comite, on connection: PostgresConnection, context: AuthenticatedContext) async throws
        -> (Comite, Disclosure)
    {
        var shown = comite
        let items = try await AgendaStore.items(of: comite.id, on: connection, logger: context.logger)
        shown.agenda = items
        shown.reschedules = try await ComiteStore.reschedules(of: comite.id, on: connection, logger: context.logger)
        return (shown, .disclosed(items.map(\.householdId)))
    }

    func item(_ id: UUID, of comite: Comite, on connection: PostgresConnection, context: AuthenticatedContext)
        async throws -> AgendaItem
    {
        guard
            let item = try await AgendaStore.items(of: comite.id, only: id, on: connection, logger: context.logger)
                .first
        else { throw Problem.notFound }
        return item
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        try await comite(try context.parameters.uuid("comiteId"), context: context).comite
    }

    /// The comité with its agenda as the reader may see it, and its cell: the API's route and
    /// the console's pages, in one `comite.read` record.
    func comite(_ id: UUID, context: AuthenticatedContext) async throws -> (comite: Comite, cell: CoordinationCell) {
        try await gate.run(id, action: "comite.read", context: context) { connection, _, comite, cell in
            let (shown, disclosure) = try await withAgenda(comite, on: connection, context: context)
            return ((shown, cell), disclosure)
        }
    }

    // MARK: Requests

    /// A partner asks for the situation to be reviewed at the next comité; the référent's
    /// organisation may propose to end the accompaniment.
    @Sendable func requestReview(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<ComiteRequestRecord>
    {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewComiteRequestRequest.self, context: context)
        return EditedResponse(status: .created, response: try await requestReview(of: id, body, context: context))
    }

    func requestReview(of id: UUID, _ body: NewComiteRequestRequest, context: AuthenticatedContext) async throws
        -> ComiteRequestRecord
    {
        let reason = try body.validated()
        return try await HouseholdGate(client: client).run(id, action: "comite.request", context: context) {
            connection, actor, facts in
            if body.kind == "endProposal" {
                guard AccessRules.mayRecordPath(actor, facts) else {
                    throw Problem.forbidden(
                        "La fin de l'accompagnement est proposée par l'organisation référente du ménage.")
                }
            }
            let recorded = try await ComiteRequestStore.request(
                body, reason: reason, household: id, by: actor, on: connection, logger: context.logger)
            return (recorded, .changed())
        }
    }
}

extension SummarySheet: ResponseEncodable {}
extension Minutes: ResponseEncodable {}
extension ItemDecision: ResponseEncodable {}
extension ComiteAction: ResponseEncodable {}
extension Erratum: ResponseEncodable {}
extension ComiteRequestRecord: ResponseEncodable {}
