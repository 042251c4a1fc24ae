import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// The agenda: built by the rules, composed by the facilitator, published with its frozen
/// summary sheets.
extension ComitesController {
    /// Places the rules' items (AgendaRules on every followed situation's dates), replacing
    /// the previous rule items and keeping the facilitator's own.
    @Sendable func build(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        try await buildAgenda(of: try context.parameters.uuid("comiteId"), context: context)
    }

    func buildAgenda(of id: UUID, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.agenda.build", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.planned, to: "composer l'ordre du jour")
            let window = ComiteWindow(
                on: comite.heldOn.date,
                earlier: try await AgendaStore.earlierHeld(
                    in: cell.id, before: comite.heldOn, on: connection, logger: context.logger))
            let order = AgendaReasonKind.allCases
            let placed = try await AgendaStore.facts(of: id, on: connection, logger: context.logger)
                .compactMap { situation, facts -> (situation: UUID, reasons: [AgendaReason])? in
                    let reasons = AgendaRules.reasons(for: facts, at: window)
                    return reasons.isEmpty ? nil : (situation, reasons)
                }
                .sorted { a, b in
                    let (ka, kb) = (order.firstIndex(of: a.reasons[0].kind)!, order.firstIndex(of: b.reasons[0].kind)!)
                    return ka != kb ? ka < kb : a.situation.uuidString < b.situation.uuidString
                }
                .map { entry in
                    (
                        situation: entry.situation,
                        reasons: entry.reasons.map {
                            AgendaItem.Reason(
                                kind: $0.kind.rawValue, detail: $0.detail, organisationId: $0.organisationID)
                        }
                    )
                }
            guard try await AgendaStore.place(placed, in: id, on: connection, logger: context.logger) != nil else {
                throw Problem.conflict("L'ordre du jour de ce comité ne peut plus changer.")
            }
            let (shown, touched) = try await withAgenda(comite, on: connection, context: context)
            return (shown, .changed(touched.households))
        }
    }

    @Sendable func order(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: AgendaOrderRequest.self, context: context)
        return try await orderAgenda(of: id, body, context: context)
    }

    func orderAgenda(of id: UUID, _ body: AgendaOrderRequest, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.agenda.order", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.planned, to: "composer l'ordre du jour")
            let visible = try await AgendaStore.items(of: id, on: connection, logger: context.logger).map(\.id)
            try check(
                body.itemIds.count == visible.count && Set(body.itemIds) == Set(visible), field: "itemIds",
                "L'ordre donné nomme chaque point de l'ordre du jour une fois.")
            try await AgendaStore.order(body.itemIds, in: id, on: connection, logger: context.logger)
            let (shown, touched) = try await withAgenda(comite, on: connection, context: context)
            return (shown, .changed(touched.households))
        }
    }

    /// The console's « Monter » / « Descendre »: one place, computed from the agenda the
    /// facilitator sees under the same lock as `PUT …/agenda/order`, recorded as it is. False
    /// when the item is already first (up) or last (down).
    func moveItem(_ itemID: UUID, up: Bool, of id: UUID, context: AuthenticatedContext) async throws -> Bool {
        try await gate.run(id, action: "comite.agenda.order", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.planned, to: "composer l'ordre du jour")
            var order = try await AgendaStore.items(of: id, on: connection, logger: context.logger).map(\.id)
            guard let index = order.firstIndex(of: itemID) else { throw Problem.notFound }
            let target = up ? index - 1 : index + 1
            guard order.indices.contains(target) else { return (false, .changed()) }
            order.swapAt(index, target)
            try await AgendaStore.order(order, in: id, on: connection, logger: context.logger)
            let (_, touched) = try await withAgenda(comite, on: connection, context: context)
            return (true, .changed(touched.households))
        }
    }

    @Sendable func addItem(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Comite> {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: NewAgendaItemRequest.self, context: context)
        return EditedResponse(status: .created, response: try await addItem(to: id, body, context: context))
    }

    func addItem(to id: UUID, _ body: NewAgendaItemRequest, context: AuthenticatedContext) async throws -> Comite {
        guard let reason = try optionalText(body.reason, field: "reason") else {
            throw Problem.unprocessable("Le point ajouté à l'ordre du jour est motivé.", field: "reason")
        }
        return try await gate.run(id, action: "comite.agenda.add", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.planned, to: "composer l'ordre du jour")
            guard
                let situation = try await AgendaStore.situation(
                    of: body.householdId, in: cell.id, on: connection, logger: context.logger)
            else {
                throw Problem.unprocessable("La cellule ne suit pas ce ménage.", field: "householdId")
            }
            guard
                try await AgendaStore.add(
                    situation: situation, reason: reason, to: id, on: connection, logger: context.logger) != nil
            else { throw Problem.conflict("Ce ménage est déjà à l'ordre du jour.") }
            let (shown, _) = try await withAgenda(comite, on: connection, context: context)
            return (shown, .changed([body.householdId]))
        }
    }

    @Sendable func removeItem(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await removeItem(
            try context.parameters.uuid("itemId"), from: try context.parameters.uuid("comiteId"), context: context)
        return Response(status: .noContent)
    }

    func removeItem(_ itemID: UUID, from id: UUID, context: AuthenticatedContext) async throws {
        try await gate.run(id, action: "comite.agenda.remove", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            let item = try await item(itemID, of: comite, on: connection, context: context)
            try comite.require(.planned, to: "composer l'ordre du jour")
            guard try await AgendaStore.remove(itemID, on: connection, logger: context.logger) else {
                throw Problem.notFound
            }
            return ((), .changed([item.householdId]))
        }
    }

    /// Freezes every item's summary sheet and tells the cell's people.
    @Sendable func publish(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        try await publish(try context.parameters.uuid("comiteId"), context: context)
    }

    func publish(_ id: UUID, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.publish", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.planned, to: "publier l'ordre du jour")
            guard try await AgendaStore.publish(id, on: connection, logger: context.logger) != nil else {
                throw Problem.internal
            }
            try await ComiteStore.invite(
                .agendaPublished, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            // Published now: its stage and publication time as stored.
            guard let published = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            let (shown, touched) = try await withAgenda(published, on: connection, context: context)
            return (shown, .changed(touched.households))
        }
    }

    @Sendable func sheet(_ request: Request, context: AuthenticatedContext) async throws -> SummarySheet {
        let id = try context.parameters.uuid("comiteId")
        let itemID = try context.parameters.uuid("itemId")
        guard let sheet = try await sheets(of: id, only: itemID, context: context).sheets.first else {
            throw Problem.notFound
        }
        return sheet
    }

    /// The frozen summary sheets of the items the reader sees (one item's, or all of them for
    /// the console's meeting and print pack), with the comité and its agenda, in one
    /// `comite.sheet.read` record naming the households and levels shown.
    func sheets(of id: UUID, only itemID: UUID? = nil, context: AuthenticatedContext) async throws
        -> (comite: Comite, cell: CoordinationCell, sheets: [SummarySheet])
    {
        try await gate.run(id, action: "comite.sheet.read", context: context) { connection, _, comite, cell in
            let (shown, sheets, disclosure) = try await loadSheets(
                of: comite, only: itemID, on: connection, context: context)
            return ((shown, cell, sheets), disclosure)
        }
    }

    /// The sheets of a published comité's items the reader sees, read in the caller's
    /// transaction; the comité comes back with that agenda.
    func loadSheets(
        of comite: Comite, only itemID: UUID? = nil, on connection: PostgresConnection, context: AuthenticatedContext
    ) async throws -> (Comite, [SummarySheet], Disclosure) {
        let items = try await AgendaStore.items(of: comite.id, only: itemID, on: connection, logger: context.logger)
        if itemID != nil, items.isEmpty { throw Problem.notFound }
        guard let publishedAt = comite.publishedAt else {
            throw Problem.conflict("La fiche de synthèse est établie à la publication de l'ordre du jour.")
        }
        var sheets: [SummarySheet] = []
        var levels: Set<Level> = [.partners]
        for item in items {
            let entries = try await AgendaStore.sheet(of: item.id, on: connection, logger: context.logger)
            levels.formUnion(entries.map(\.level))
            sheets.append(
                SummarySheet(
                    itemId: item.id, householdId: item.householdId, reference: item.reference,
                    householdName: item.householdName, publishedAt: publishedAt, entries: entries))
        }
        var shown = comite
        shown.agenda = items
        return (shown, sheets, .disclosed(items.map(\.householdId), levels))
    }
}
