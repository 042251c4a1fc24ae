import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// The meeting: attendance, decisions (an end of accompaniment among them) and actions.
extension ComitesController {
    /// The comité was held: who came, per person of the cell (those not named were absent).
    /// The next monthly comités are scheduled, so that three are always ahead.
    @Sendable func hold(_ request: Request, context: AuthenticatedContext) async throws -> Minutes {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: HoldRequest.self, context: context)
        return try await hold(id, context: context) { _ in body.attendance }
    }

    /// `attendance` from the cell as the request loaded it (the console ticks its people).
    func hold(
        _ id: UUID, context: AuthenticatedContext,
        attendance: @escaping @Sendable (CoordinationCell) -> [HoldRequest.Presence]
    ) async throws -> Minutes {
        try await gate.run(id, action: "comite.hold", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.agendaPublished, to: "tenir le comité")
            guard comite.heldOn <= Day.today() else {
                throw Problem.conflict(
                    "Le comité se tient le \(MinutesDocument.day(comite.heldOn)) : il ne peut pas être tenu avant.")
            }
            let invited = Set(cell.people.map(\.userId))
            var presence: [UUID: Bool] = [:]
            for (index, entry) in attendance(cell).enumerated() {
                try check(
                    invited.contains(entry.userId) && presence[entry.userId] == nil,
                    field: "attendance[\(index)].userId",
                    "Chaque présence nomme une fois une personne invitée aux comités de la cellule.")
                presence[entry.userId] = entry.present
            }
            try await ComiteStore.advance(comite, on: connection, logger: context.logger)
            try await ComiteMeetingStore.recordAttendance(
                presence, comite: id, cell: cell.id, on: connection, logger: context.logger)
            try await ComiteStore.scheduleMonthly(
                ComiteCalendar.monthly(day: cell.comiteDay, after: Date()), cell: cell, by: actor,
                on: connection, logger: context.logger)
            let minutes = try await loadMinutes(id, cell: cell, version: nil, on: connection, context: context)
            return (minutes, .changed(minutes.items.map(\.householdId)))
        }
    }

    /// The comité's decision on an item. Ending the accompaniment needs a bilan de fin held in
    /// the 60 days before the comité (else 409, nothing recorded); a present care-team
    /// partner's objection records it as not adopted; adopted, it ends the household's path.
    @Sendable func decide(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<
        ItemDecision
    > {
        let id = try context.parameters.uuid("comiteId")
        let itemID = try context.parameters.uuid("itemId")
        let body = try await request.decodeJSON(as: ComiteDecisionRequest.self, context: context)
        return EditedResponse(status: .created, response: try await decide(itemID, of: id, body, context: context))
    }

    func decide(_ itemID: UUID, of id: UUID, _ body: ComiteDecisionRequest, context: AuthenticatedContext)
        async throws -> ItemDecision
    {
        try await gate.run(id, action: "comite.decision", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            let item = try await item(itemID, of: comite, on: connection, context: context)
            try comite.require(.held, to: "enregistrer une décision")
            let checked = try body.validated(veille: cell.isVeille, bound: actor.boundBySecret)
            try check(
                !cell.isVeille || checked.kind != .endAccompaniment, field: "decision",
                "La fin de l'accompagnement se décide en comité de suivi, avec les partenaires, non en veille sociale.")
            guard try await !ComiteMeetingStore.isDecided(itemID, on: connection, logger: context.logger) else {
                throw Problem.conflict("La décision du comité sur ce point est déjà enregistrée.")
            }
            var adopted = true
            var outcome: UUID?
            if checked.kind == .endAccompaniment, let end = body.end {
                guard
                    let facts = try await HouseholdFacts.load(
                        item.householdId, on: connection, logger: context.logger)
                else { throw Problem.notFound }
                let present = Set(
                    try await ComiteMeetingStore.attendance(of: id, on: connection, logger: context.logger)
                        .filter(\.present).map(\.organisationId))
                for (index, objection) in checked.objections.enumerated() {
                    try check(
                        present.contains(objection.organisationId)
                            && facts.careTeam.contains(objection.organisationId),
                        field: "objections[\(index)].organisationId",
                        "Une objection vient d'une organisation de l'équipe du ménage présente au comité.")
                }
                let reviews = try await ComiteMeetingStore.endReviews(
                    of: item.householdId, on: connection, logger: context.logger)
                switch EndOfAccompaniment.verdict(
                    endReviewsHeldOn: reviews, comiteOn: comite.heldOn.date, objectors: checked.objections.count)
                {
                case .refused(let sentence):
                    throw Problem.conflict(sentence)
                case .notAdopted:
                    adopted = false
                case .adopted:
                    let path = try await PathStore.snapshot(
                        of: item.householdId, on: connection, logger: context.logger)
                    let endedOn = try path.day(
                        end.endedOn, field: "end.endedOn", follows: path.lastMove, closesAccompaniment: true)
                    let next = try PathStore.take(.end, from: path.facts)
                    let outcomeID = UUID()
                    outcome = outcomeID
                    try await ComiteMeetingStore.recordDecision(
                        checked, adopted: true, outcome: outcomeID, item: item, comite: id, by: actor, on: connection,
                        logger: context.logger)
                    _ = try await OutcomeStore.record(
                        end, on: endedOn, household: item.householdId, id: outcomeID, by: actor, on: connection,
                        logger: context.logger)
                    try await PathStore.move(
                        item.householdId, to: next, on: endedOn, connection: connection, logger: context.logger)
                }
            }
            if outcome == nil {
                try await ComiteMeetingStore.recordDecision(
                    checked, adopted: adopted, outcome: nil, item: item, comite: id, by: actor, on: connection,
                    logger: context.logger)
            }
            guard
                let shown = try await ComiteMeetingStore.decisions(
                    of: id, only: itemID, on: connection, logger: context.logger)[itemID]
            else { throw Problem.internal }
            return (shown, .changed([item.householdId], [checked.discussion?.level ?? .partners]))
        }
    }

    @Sendable func addAction(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<ComiteAction>
    {
        let id = try context.parameters.uuid("comiteId")
        let itemID = try context.parameters.uuid("itemId")
        let body = try await request.decodeJSON(as: NewActionRequest.self, context: context)
        return EditedResponse(
            status: .created, response: try await addAction(to: itemID, of: id, body, context: context))
    }

    func addAction(to itemID: UUID, of id: UUID, _ body: NewActionRequest, context: AuthenticatedContext)
        async throws -> ComiteAction
    {
        try await gate.run(id, action: "comite.action.add", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            let item = try await item(itemID, of: comite, on: connection, context: context)
            try comite.require(.held, to: "décider une action")
            let (description, level) = try body.validated(veille: cell.isVeille, bound: actor.boundBySecret)
            try check(
                cell.organisationIds.contains(body.ownerOrganisationId), field: "ownerOrganisationId",
                "L'action est confiée à une organisation membre de la cellule.")
            var ownerName: String?
            if let owner = body.ownerUserId {
                guard
                    let person = cell.people.first(where: {
                        $0.userId == owner && $0.organisationId == body.ownerOrganisationId
                    })
                else {
                    throw Problem.unprocessable(
                        "La personne responsable est invitée aux comités au titre de cette organisation.",
                        field: "ownerUserId")
                }
                ownerName = person.name
            }
            let actionID = try await ComiteMeetingStore.addAction(
                body, description: description, level: level, ownerName: ownerName, item: item, comite: id, by: actor,
                on: connection, logger: context.logger)
            guard
                let shown = try await ComiteMeetingStore.actions(
                    of: id, only: actionID, on: connection, logger: context.logger
                ).first
            else { throw Problem.internal }
            return (shown, .changed([item.householdId], [level]))
        }
    }

    @Sendable func actions(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<ComiteAction> {
        let id = try context.parameters.uuid("comiteId")
        return try await gate.run(id, action: "comite.action.read", context: context) { connection, _, _, _ in
            let actions = try await ComiteMeetingStore.actions(of: id, on: connection, logger: context.logger)
            return (
                ItemList(items: actions), .disclosed(Array(Set(actions.map(\.householdId))), Set(actions.map(\.level)))
            )
        }
    }

    /// The owner organisation or the facilitator follows an action up, after the minutes too.
    @Sendable func followUp(_ request: Request, context: AuthenticatedContext) async throws -> ComiteAction {
        let id = try context.parameters.uuid("comiteId")
        let actionID = try context.parameters.uuid("actionId")
        let body = try await request.decodeJSON(as: ActionUpdateRequest.self, context: context)
        try checkCode(body.status, in: ActionUpdateRequest.statuses, field: "status")
        return try await gate.run(id, action: "comite.action.update", context: context) { connection, _, _, _ in
            guard
                let action = try await ComiteMeetingStore.actions(
                    of: id, only: actionID, on: connection, logger: context.logger
                ).first
            else { throw Problem.notFound }
            guard
                try await ComiteMeetingStore.setStatus(
                    body.status, of: actionID, on: connection, logger: context.logger)
            else {
                throw Problem.forbidden(
                    "Une action est suivie par l'organisation qui en a la charge ou par l'animateur.")
            }
            guard
                let shown = try await ComiteMeetingStore.actions(
                    of: id, only: actionID, on: connection, logger: context.logger
                ).first
            else { throw Problem.internal }
            return (shown, .changed([action.householdId], [action.level]))
        }
    }
}
