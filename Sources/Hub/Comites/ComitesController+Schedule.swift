import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// A comité not yet held moved to another day, or cancelled, each with its reason and the
/// cell's people told (issue 18). A held comité keeps its day: its minutes are a record.
extension ComitesController {
    /// The new day follows the rules of a session the facilitator records (ComiteDay). An
    /// agenda already published keeps its frozen summary sheets, so it moves no earlier than
    /// the day it was published; a planned one is built again by the facilitator for the new day.
    @Sendable func reschedule(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: RescheduleComiteRequest.self, context: context)
        return try await reschedule(id, body, context: context)
    }

    func reschedule(_ id: UUID, _ body: RescheduleComiteRequest, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.reschedule", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.requireAhead(to: "le reporter")
            let (day, reason) = try body.validated(
                programme: try await cell.programmePeriod(on: connection, logger: context.logger))
            try check(day != comite.heldOn, field: "heldOn", "Le comité est déjà prévu ce jour-là.")
            if let publishedAt = comite.publishedAt {
                let published = Day(publishedAt)
                try check(
                    day >= published, field: "heldOn",
                    "Les fiches de synthèse ont été figées le \(published.french) : le comité ne se reporte pas avant ce jour."
                )
            }
            guard
                try await ComiteStore.reschedule(
                    comite, to: day, reason: reason, by: actor, on: connection, logger: context.logger)
            else {
                throw Problem.conflict(
                    "Un autre comité mensuel de la cellule, prévu ou annulé, occupe déjà ce jour-là.")
            }
            try await ComiteStore.invite(
                .comiteRescheduled, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            return try await reloaded(id, on: connection, context: context)
        }
    }

    /// The review requests its agenda took go back to the next comité (sql/0016).
    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: CancelComiteRequest.self, context: context)
        return try await cancel(id, body, context: context)
    }

    func cancel(_ id: UUID, _ body: CancelComiteRequest, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.cancel", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.requireAhead(to: "l'annuler")
            let reason = try body.validated()
            try await ComiteStore.cancel(comite, reason: reason, on: connection, logger: context.logger)
            try await ComiteStore.invite(
                .comiteCancelled, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            return try await reloaded(id, on: connection, context: context)
        }
    }

    /// The comité as stored after the change, with its agenda and its moves.
    private func reloaded(_ id: UUID, on connection: PostgresConnection, context: AuthenticatedContext)
        async throws -> (Comite, Disclosure)
    {
        guard let changed = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
            throw Problem.internal
        }
        let (shown, touched) = try await withAgenda(changed, on: connection, context: context)
        return (shown, .changed(touched.households))
    }
}
