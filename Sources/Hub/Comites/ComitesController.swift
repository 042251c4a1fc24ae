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

    /// The comité with the agenda the reader may see.
    func withAgenda(_ comite: Comite, on connection: PostgresConnection, context: AuthenticatedContext) async throws
        -> (Comite, ComiteGate.Touched)
    {
        var shown = comite
        let items = try await AgendaStore.items(of: comite.id, on: connection, logger: context.logger)
        shown.agenda = items
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
        let id = try context.parameters.uuid("comiteId")
        return try await gate.run(id, action: "comite.read", context: context) { connection, _, comite, _ in
            try await withAgenda(comite, on: connection, context: context)
        }
    }

    // MARK: The agenda

    /// Places the rules' items (AgendaRules on every followed situation's dates), replacing
    /// the previous rule items and keeping the facilitator's own.
    @Sendable func build(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        return try await gate.run(id, action: "comite.agenda.build", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.planned, to: "composer l'ordre du jour")
            let window = ComiteWindow(
                on: Day.date(comite.heldOn)!,
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
        return try await gate.run(id, action: "comite.agenda.order", facilitatorOnly: true, context: context) {
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

    @Sendable func addItem(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Comite> {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: NewAgendaItemRequest.self, context: context)
        guard let reason = try optionalText(body.reason, field: "reason") else {
            throw Problem.unprocessable("Le point ajouté à l'ordre du jour est motivé.", field: "reason")
        }
        let comite = try await gate.run(id, action: "comite.agenda.add", facilitatorOnly: true, context: context) {
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
        return EditedResponse(status: .created, response: comite)
    }

    @Sendable func removeItem(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("comiteId")
        let itemID = try context.parameters.uuid("itemId")
        try await gate.run(id, action: "comite.agenda.remove", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            let item = try await item(itemID, of: comite, on: connection, context: context)
            try comite.require(.planned, to: "composer l'ordre du jour")
            guard try await AgendaStore.remove(itemID, on: connection, logger: context.logger) else {
                throw Problem.notFound
            }
            return ((), .changed([item.householdId]))
        }
        return Response(status: .noContent)
    }

    /// Freezes every item's summary sheet and tells the cell's people.
    @Sendable func publish(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        return try await gate.run(id, action: "comite.publish", facilitatorOnly: true, context: context) {
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
        return try await gate.run(id, action: "comite.sheet.read", context: context) { connection, _, comite, _ in
            let item = try await item(itemID, of: comite, on: connection, context: context)
            guard let publishedAt = comite.publishedAt else {
                throw Problem.conflict("La fiche de synthèse est établie à la publication de l'ordre du jour.")
            }
            let entries = try await AgendaStore.sheet(of: itemID, on: connection, logger: context.logger)
            let sheet = SummarySheet(
                itemId: itemID, householdId: item.householdId, reference: item.reference, publishedAt: publishedAt,
                entries: entries)
            return (sheet, .disclosed([item.householdId], Set(entries.map(\.level)).union([.partners])))
        }
    }

    // MARK: The meeting

    /// The comité was held: who came, per person of the cell (those not named were absent).
    /// The next monthly comités are scheduled, so that three are always ahead.
    @Sendable func hold(_ request: Request, context: AuthenticatedContext) async throws -> Minutes {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: HoldRequest.self, context: context)
        return try await gate.run(id, action: "comite.hold", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.agendaPublished, to: "tenir le comité")
            guard let day = Day.date(comite.heldOn), day <= Date() else {
                throw Problem.conflict(
                    "Le comité se tient le \(MinutesDocument.day(comite.heldOn)) : il ne peut pas être tenu avant.")
            }
            let invited = Set(cell.people.map(\.userId))
            var presence: [UUID: Bool] = [:]
            for (index, entry) in body.attendance.enumerated() {
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
    @Sendable func decide(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<ItemDecision> {
        let id = try context.parameters.uuid("comiteId")
        let itemID = try context.parameters.uuid("itemId")
        let body = try await request.decodeJSON(as: ComiteDecisionRequest.self, context: context)
        let decision = try await gate.run(id, action: "comite.decision", facilitatorOnly: true, context: context) {
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
                    endReviewsHeldOn: reviews, comiteOn: Day.date(comite.heldOn)!, objectors: checked.objections.count)
                {
                case .refused(let sentence):
                    throw Problem.conflict(sentence)
                case .notAdopted:
                    adopted = false
                case .adopted:
                    let path = try await PathStore.snapshot(
                        of: item.householdId, on: connection, logger: context.logger)
                    let next = try PathStore.take(.end, from: path.facts)
                    let outcomeID = UUID()
                    outcome = outcomeID
                    try await ComiteMeetingStore.recordDecision(
                        checked, adopted: true, outcome: outcomeID, item: item, comite: id, by: actor, on: connection,
                        logger: context.logger)
                    _ = try await OutcomeStore.record(
                        end, household: item.householdId, id: outcomeID, by: actor, on: connection,
                        logger: context.logger)
                    try await PathStore.move(item.householdId, to: next, on: connection, logger: context.logger)
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
        return EditedResponse(status: .created, response: decision)
    }

    @Sendable func addAction(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<ComiteAction>
    {
        let id = try context.parameters.uuid("comiteId")
        let itemID = try context.parameters.uuid("itemId")
        let body = try await request.decodeJSON(as: NewActionRequest.self, context: context)
        let action = try await gate.run(id, action: "comite.action.add", facilitatorOnly: true, context: context) {
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
        return EditedResponse(status: .created, response: action)
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

    // MARK: Minutes

    func loadMinutes(
        _ id: UUID, cell: CoordinationCell, version: Int?, on connection: PostgresConnection,
        context: AuthenticatedContext
    ) async throws -> Minutes {
        guard let comite = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
            throw Problem.notFound
        }
        let items = try await AgendaStore.items(of: id, on: connection, logger: context.logger)
        let decisions = try await ComiteMeetingStore.decisions(of: id, on: connection, logger: context.logger)
        let actions = Dictionary(
            grouping: try await ComiteMeetingStore.actions(of: id, on: connection, logger: context.logger),
            by: \.itemId)
        let shownVersion = version ?? comite.minutesVersion
        return Minutes(
            comite: comite, cellName: cell.name, version: shownVersion, draft: comite.minutesVersion == 0,
            attendance: try await ComiteMeetingStore.attendance(of: id, on: connection, logger: context.logger),
            items: items.map {
                Minutes.Item(
                    id: $0.id, householdId: $0.householdId, reference: $0.reference, position: $0.position,
                    reasons: $0.reasons, decision: decisions[$0.id], actions: actions[$0.id] ?? [])
            },
            errata: try await ComiteMeetingStore.errata(
                of: id, upTo: shownVersion, on: connection, logger: context.logger))
    }

    /// The compte-rendu as the reader may read it: JSON, Markdown or printable HTML; a
    /// `version` before the latest leaves out the later errata.
    @Sendable func minutes(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("comiteId")
        let query = request.uri.queryParameters
        let format = query["format"].map(String.init) ?? "json"
        guard ["json", "markdown", "html"].contains(format) else {
            throw Problem.badRequest("Le paramètre « format » vaut json, markdown ou html.", field: "format")
        }
        let version = try query["version"].map { raw in
            guard let number = Int(String(raw)), number > 0 else {
                throw Problem.badRequest("Le paramètre « version » est un entier positif.", field: "version")
            }
            return number
        }
        let minutes = try await gate.run(id, action: "comite.minutes.read", context: context) {
            connection, _, comite, cell in
            guard [.held, .minutesValidated, .minutesDiffused].contains(comite.stage) else {
                throw Problem.conflict("Le compte-rendu est rédigé une fois le comité tenu.")
            }
            if let version, version > comite.minutesVersion {
                throw Problem.notFound
            }
            let minutes = try await loadMinutes(id, cell: cell, version: version, on: connection, context: context)
            return (minutes, .disclosed(minutes.items.map(\.householdId), minutes.levels))
        }
        let name = "compte-rendu-\(minutes.comite.reference)-v\(minutes.version)"
        switch format {
        case "markdown":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/markdown; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(name).md\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: MinutesDocument.markdown(minutes))))
        case "html":
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: MinutesDocument.html(minutes))))
        default:
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.hub.encode(minutes))))
        }
    }

    @Sendable func validate(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        return try await gate.run(id, action: "comite.minutes.validate", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.held, to: "valider le compte-rendu")
            try await ComiteStore.advance(comite, on: connection, logger: context.logger)
            guard let shown = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return (shown, .changed())
        }
    }

    @Sendable func diffuse(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        let id = try context.parameters.uuid("comiteId")
        return try await gate.run(id, action: "comite.minutes.diffuse", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.minutesValidated, to: "diffuser le compte-rendu")
            try await ComiteStore.advance(comite, on: connection, logger: context.logger)
            try await ComiteStore.invite(
                .minutesDiffused, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            guard let shown = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return (shown, .changed())
        }
    }

    /// After diffusion, a correction is an erratum: a new version of the minutes, diffused.
    @Sendable func addErratum(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<Erratum>
    {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: NewErratumRequest.self, context: context)
        guard let text = try optionalText(body.body, limit: 20000, field: "body") else {
            throw Problem.unprocessable("L'erratum dit ce qu'il corrige.", field: "body")
        }
        let erratum = try await gate.run(id, action: "comite.erratum", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.minutesDiffused, to: "corriger le compte-rendu par un erratum")
            let chosen = try level(body.level, default: .partners, field: "level")
            try checkWritable(chosen, veille: cell.isVeille, bound: actor.boundBySecret, field: "level")
            try check(
                body.itemId != nil || chosen == .partners, field: "level",
                "Un erratum qui ne porte sur aucun point est de niveau « partners » : tous les membres le lisent.")
            var item: AgendaItem?
            if let itemID = body.itemId {
                item = try await AgendaStore.items(of: id, only: itemID, on: connection, logger: context.logger).first
                try check(item != nil, field: "itemId", "Ce point n'est pas à l'ordre du jour de ce comité.")
            }
            let erratumID = try await ComiteMeetingStore.addErratum(
                body: text, level: chosen, item: item, comite: comite, by: actor, on: connection,
                logger: context.logger)
            try await ComiteStore.invite(
                .minutesDiffused, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            guard
                let shown = try await ComiteMeetingStore.errata(
                    of: id, upTo: comite.minutesVersion + 1, on: connection, logger: context.logger
                ).first(where: { $0.id == erratumID })
            else { throw Problem.internal }
            return (shown, .changed(item.map { [$0.householdId] } ?? [], [chosen]))
        }
        return EditedResponse(status: .created, response: erratum)
    }

    // MARK: Requests

    /// A partner asks for the situation to be reviewed at the next comité; the référent's
    /// organisation may propose to end the accompaniment.
    @Sendable func requestReview(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<ComiteRequestRecord>
    {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewComiteRequestRequest.self, context: context)
        let reason = try body.validated()
        let recorded = try await HouseholdGate(client: client).run(id, action: "comite.request", context: context) {
            connection, actor, facts in
            if body.kind == "endProposal" {
                guard AccessRules.mayRecordPath(actor, facts) else {
                    throw Problem.forbidden(
                        "La fin de l'accompagnement est proposée par l'organisation référente du ménage.")
                }
            }
            let recorded = try await ComiteMeetingStore.request(
                body, reason: reason, household: id, by: actor, on: connection, logger: context.logger)
            return (recorded, .changed())
        }
        return EditedResponse(status: .created, response: recorded)
    }
}

extension SummarySheet: ResponseEncodable {}
extension Minutes: ResponseEncodable {}
extension ItemDecision: ResponseEncodable {}
extension ComiteAction: ResponseEncodable {}
extension Erratum: ResponseEncodable {}
extension ComiteRequestRecord: ResponseEncodable {}
