import Foundation
import Hummingbird
import Logging
import Mustache
import PostgresNIO
import Tenancy

/// A comité's pages (issue 21): its agenda, composed and published by the facilitator without
/// JavaScript (here); the meeting on a projector (`ComitePages+Meeting.swift`); the minutes and
/// the print pack (`ComitePages+Minutes.swift`). Every read goes through the API's `ComiteGate`
/// (members only: anyone else gets the page of a comité that does not exist) and its stores,
/// filtered per reader (R10); every form calls the API route's own function, its checks and
/// audit record included, then redirects to a page (post-redirect-get).
struct ComitePages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    var comites: ComitesController { ComitesController(client: client) }
    var gate: ComiteGate { ComiteGate(client: client) }

    /// The agenda's form offers the cell's situations up to this many.
    static let situationsOffered = 1000

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("comites/:comiteId", use: agenda)
        group.post("comites/:comiteId/ordre-du-jour/construction", use: buildAgenda)
        group.post("comites/:comiteId/points", use: addItem)
        group.post("comites/:comiteId/points/:itemId/retrait", use: removeItem)
        group.post("comites/:comiteId/points/:itemId/deplacement", use: moveItem)
        group.post("comites/:comiteId/publication", use: publish)
        group.post("comites/:comiteId/report", use: reschedule)
        group.post("comites/:comiteId/annulation", use: cancel)
        group.get("comites/:comiteId/seance", use: meeting)
        group.post("comites/:comiteId/seance", use: hold)
        group.post("comites/:comiteId/points/:itemId/decision", use: decide)
        group.post("comites/:comiteId/points/:itemId/actions", use: addAction)
        group.get("comites/:comiteId/compte-rendu", use: minutes)
        group.post("comites/:comiteId/compte-rendu/validation", use: validate)
        group.post("comites/:comiteId/compte-rendu/diffusion", use: diffuse)
        group.post("comites/:comiteId/compte-rendu/errata", use: addErratum)
        group.get("comites/:comiteId/impression", use: printPack)
    }

    // MARK: The frame of every page

    /// What every page reads beside its own: the reader, the comité and its cell.
    struct Frame: Sendable {
        let me: Me
        let comite: Comite
        let cell: CoordinationCell
        /// The names of the organisations the page mentions that the reader may read.
        let organisations: [UUID: String]

        func shell(_ context: AuthenticatedContext) -> Shell {
            var shell = Shell(me, actor: context.actor, csrf: context.csrfToken ?? "")
            shell.onCells = true
            return shell
        }

        func isFacilitator(_ actor: Actor) -> Bool { cell.isFacilitator(actor) }

        func organisation(_ id: UUID?) -> String? { id.flatMap { organisations[$0] } }

        /// An organisation of the cell by name, or as such when the reader may not read it.
        func organisationName(_ id: UUID) -> String { organisations[id] ?? "organisation membre" }
    }

    /// A page's read: through the gate as `action` (one transaction, one audit record of what
    /// `body` disclosed), then the frame.
    func frame<Result: Sendable>(
        _ id: UUID, action: String, context: AuthenticatedContext,
        _ body:
            @Sendable @escaping (PostgresConnection, Actor, Comite, CoordinationCell) async throws -> (
                Result, Disclosure
            )
    ) async throws -> (Frame, Result) {
        try await gate.run(id, action: action, context: context) { connection, actor, comite, cell in
            let (result, disclosure) = try await body(connection, actor, comite, cell)
            let frame = Frame(
                me: try await Me.load(actor, on: connection, logger: context.logger), comite: comite, cell: cell,
                organisations: try await OrganisationNames.of(
                    cell.organisationIds, on: connection, logger: context.logger))
            return ((frame, result), disclosure)
        }
    }

    struct Header {
        let id: String
        let heading: String
        let cellId: String
        let cellName: String
        let reference: String
        let stageLabel: String
        let reason: String?
        let cancellationReason: String?
        let tabs: [Tab]

        struct Tab {
            let href: String
            let label: String
            let current: Bool
        }

        enum Current { case agenda, meeting, minutes, printPack }

        init(_ frame: Frame, current: Current) {
            let comite = frame.comite
            let id = comite.id.lowercased
            self.id = id
            heading =
                "Comité \(comite.kind == "monthly" ? "de suivi mensuel" : ComiteVocabulary.comiteKinds[comite.kind]) du \(FrenchText.day(comite.heldOn))"
            cellId = frame.cell.id.lowercased
            cellName = frame.cell.name
            reference = comite.reference
            stageLabel = comite.stage.label
            reason = comite.reason
            cancellationReason = comite.cancellationReason
            let stage = comite.stage
            var tabs = [Tab(href: "/comites/\(id)", label: "Ordre du jour", current: current == .agenda)]
            if stage != .planned, stage != .cancelled {
                tabs.append(Tab(href: "/comites/\(id)/seance", label: "Séance", current: current == .meeting))
                tabs.append(
                    Tab(href: "/comites/\(id)/impression", label: "Dossier à imprimer", current: current == .printPack))
            }
            if [.held, .minutesValidated, .minutesDiffused].contains(stage) {
                tabs.append(
                    Tab(href: "/comites/\(id)/compte-rendu", label: "Compte-rendu", current: current == .minutes))
            }
            self.tabs = tabs
        }
    }

    /// What a form's success says on the page it leads back to (`?avis=`): fixed sentences,
    /// so that no text of a request is ever echoed from an address.
    static let notices = [
        "seance-programmee": "La séance est enregistrée ; les membres de la cellule sont prévenus.",
        "odj-construit": "L'ordre du jour est composé selon les règles du comité.",
        "point-ajoute": "La situation est inscrite à l'ordre du jour.",
        "point-retire": "La situation est retirée de l'ordre du jour.",
        "point-deplace": "L'ordre des situations est modifié.",
        "odj-publie":
            "L'ordre du jour est publié : les fiches de synthèse sont figées et les membres de la cellule sont prévenus.",
        "comite-reporte": "Le comité est reporté ; les membres de la cellule sont prévenus.",
        "comite-annule": "Le comité est annulé ; les membres de la cellule sont prévenus.",
        "seance-ouverte": "La séance est ouverte : les présences sont enregistrées.",
        "decision-enregistree": "La décision du comité est enregistrée.",
        "action-ajoutee": "L'action est enregistrée.",
        "cr-valide": "Le compte-rendu est validé (version 1).",
        "cr-diffuse": "Le compte-rendu est diffusé aux membres de la cellule.",
        "erratum-diffuse": "L'erratum est enregistré : une nouvelle version du compte-rendu est diffusée.",
    ]

    static func notice(_ request: Request) -> String? {
        request.uri.queryParameters["avis"].flatMap { notices[String($0)] }
    }

    /// A form's action through the API's function; on success, to `next` with a notice. A
    /// refusal the person can correct (a rule of the comité, a wrong value) shows the form's
    /// page again with the problem's words, at its status; a refusal of access is the error
    /// page.
    func submit(
        next: String, notice: String, again: (String, HTTPResponse.Status) async throws -> Response,
        _ action: () async throws -> Void
    ) async throws -> Response {
        do {
            try await action()
        } catch let problem as Problem where problem.isCorrectable {
            return try await again(problem.detail, problem.status)
        }
        let separator = next.contains("?") ? "&" : "?"
        return ConsolePages.redirect(to: "\(next)\(separator)avis=\(notice)")
    }

    // MARK: The agenda

    struct AgendaView {
        let shell: Shell
        let header: Header
        let error: String?
        let notice: String?
        let items: [ItemRow]
        let hasItems: Bool
        let mayCompose: Bool
        let mayMoveDay: Bool
        let published: Bool
        let addable: [Choice]
        let hasAddable: Bool
        let reschedules: [String]
        let hasReschedules: Bool
        let today: String

        struct ItemRow {
            let id: String
            let number: Int
            let householdId: String
            let situation: String
            let reasons: [String]
            let addedBy: String
            let first: Bool
            let last: Bool
        }
    }

    struct Choice {
        let value: String
        let label: String
        var selected = false
    }

    /// The agenda as the reader may see it, through the API's `comite.read` (R10: each item
    /// through its household's door, numbered among those shown); for the facilitator of a
    /// planned comité, the forms that compose it, with the cell's situations not yet on it.
    @Sendable func agenda(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await agendaPage(try context.parameters.uuid("comiteId"), context: context, notice: Self.notice(request))
    }

    func agendaPage(
        _ id: UUID, context: AuthenticatedContext, error: String? = nil, notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        // For the facilitator of a planned comité, the cell's situations not yet on the agenda,
        // read as the API's `GET …/situations` reads them, in the same transaction and record.
        let (frame, (shown, addable)) = try await frame(id, action: "comite.read", context: context) {
            connection, actor, comite, cell in
            let (shown, disclosure) = try await comites.withAgenda(comite, on: connection, context: context)
            guard cell.isFacilitator(actor), comite.stage == .planned else {
                return ((shown, [CellSituation]()), disclosure)
            }
            let onAgenda = Set((shown.agenda ?? []).map(\.householdId))
            let addable = try await CellStore.situations(
                of: cell.id, after: nil, limit: Self.situationsOffered, on: connection, logger: context.logger
            ).filter { !onAgenda.contains($0.householdId) }
            return ((shown, addable), .disclosed(disclosure.households + addable.map(\.householdId)))
        }
        let isFacilitator = frame.isFacilitator(context.actor)
        let mayCompose = isFacilitator && frame.comite.stage == .planned
        let items = shown.agenda ?? []
        let reschedules = (shown.reschedules ?? []).map {
            "Reporté du \(FrenchText.day($0.fromOn)) au \(FrenchText.day($0.toOn)) : \($0.reason)"
        }
        return pages.page(
            "comite-agenda",
            AgendaView(
                shell: frame.shell(context), header: Header(frame, current: .agenda), error: error, notice: notice,
                items: items.enumerated().map { index, item in
                    AgendaView.ItemRow(
                        id: item.id.lowercased, number: item.position, householdId: item.householdId.lowercased,
                        situation: Self.situation(item.householdName, item.reference),
                        reasons: item.reasons.map { Self.reason($0, frame) },
                        addedBy: ComiteVocabulary.itemAddedBy[item.addedBy], first: index == 0,
                        last: index == items.count - 1)
                }, hasItems: !items.isEmpty,
                mayCompose: mayCompose,
                mayMoveDay: isFacilitator && frame.comite.stage.isAhead,
                published: frame.comite.publishedAt != nil,
                addable: addable.map { Choice(value: $0.householdId.lowercased, label: "Ménage \($0.reference)") },
                hasAddable: !addable.isEmpty, reschedules: reschedules, hasReschedules: !reschedules.isEmpty,
                today: Day.today().iso),
            status: status)
    }

    /// The levels a comité's record may take for this writer (`checkWritable`'s rule in a cell):
    /// `secret` only for a professional bound by secrecy.
    static func writableLevels(_ actor: Actor) -> [Choice] {
        ([.partners] + (actor.boundBySecret ? [Level.secret] : [])).map {
            Choice(value: $0.rawValue, label: "\($0.label) — \(FrenchText.meaning($0))", selected: $0 == .partners)
        }
    }

    /// « Claire Martin (ALFI) : présent·e ».
    static func attendance(_ attendee: Attendee, _ frame: Frame) -> String {
        "\(attendee.name) (\(frame.organisationName(attendee.organisationId))) : \(attendee.present ? "présent·e" : "absent·e")"
    }

    /// « Awa Diallo (M-DEMO00001) », or the reference alone for a reader who may not read the
    /// household's identity.
    static func situation(_ name: String?, _ reference: String) -> String {
        name.map { "\($0) (\(reference))" } ?? "Ménage \(reference)"
    }

    /// « Demande d'un partenaire — … (Croix-Rouge française) ».
    static func reason(_ reason: AgendaItem.Reason, _ frame: Frame) -> String {
        let asked = frame.organisation(reason.organisationId).map { " (\($0))" } ?? ""
        let label = ComiteVocabulary.agendaReasons[reason.kind].capitalisedFirstLetter
        // A rule's detail may already open with its label (« Demande d'un partenaire : … »).
        guard !reason.detail.lowercased().hasPrefix(label.lowercased()) else { return "\(reason.detail)\(asked)" }
        return "\(label) — \(reason.detail)\(asked)"
    }

    // MARK: Composing the agenda

    private func comiteID(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("comiteId")
    }

    private func again(_ id: UUID, _ context: AuthenticatedContext) -> (String, HTTPResponse.Status) async throws
        -> Response
    {
        { error, status in try await agendaPage(id, context: context, error: error, status: status) }
    }

    @Sendable func buildAgenda(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try comiteID(context)
        return try await submit(next: "/comites/\(id.lowercased)", notice: "odj-construit", again: again(id, context)) {
            _ = try await comites.buildAgenda(of: id, context: context)
        }
    }

    @Sendable func addItem(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try comiteID(context)
        let form = try await ConsoleForm.read(&request, context: context)
        return try await submit(next: "/comites/\(id.lowercased)", notice: "point-ajoute", again: again(id, context)) {
            guard let household = form["householdId"].flatMap(UUID.init(uuidString:)) else {
                throw Problem.unprocessable("Choisissez la situation à inscrire.", field: "householdId")
            }
            _ = try await comites.addItem(
                to: id, NewAgendaItemRequest(householdId: household, reason: form["reason"] ?? ""), context: context)
        }
    }

    @Sendable func removeItem(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try comiteID(context)
        let item = try context.parameters.uuid("itemId")
        return try await submit(next: "/comites/\(id.lowercased)", notice: "point-retire", again: again(id, context)) {
            try await comites.removeItem(item, from: id, context: context)
        }
    }

    /// One place up or down (`ComitesController.moveItem`, recorded as `comite.agenda.order`).
    @Sendable func moveItem(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try comiteID(context)
        let item = try context.parameters.uuid("itemId")
        let form = try await ConsoleForm.read(&request, context: context)
        var moved = false
        let response = try await submit(
            next: "/comites/\(id.lowercased)", notice: "point-deplace", again: again(id, context)
        ) {
            moved = try await comites.moveItem(item, up: form["direction"] == "up", of: id, context: context)
        }
        // Already first or last: nothing moved, and no notice says it did.
        return moved || response.status != .seeOther ? response : ConsolePages.redirect(to: "/comites/\(id.lowercased)")
    }

    @Sendable func publish(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try comiteID(context)
        return try await submit(next: "/comites/\(id.lowercased)", notice: "odj-publie", again: again(id, context)) {
            _ = try await comites.publish(id, context: context)
        }
    }

    @Sendable func reschedule(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try comiteID(context)
        let form = try await ConsoleForm.read(&request, context: context)
        return try await submit(next: "/comites/\(id.lowercased)", notice: "comite-reporte", again: again(id, context))
        {
            _ = try await comites.reschedule(
                id, RescheduleComiteRequest(heldOn: form["heldOn"] ?? "", reason: form["reason"] ?? ""),
                context: context)
        }
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try comiteID(context)
        let form = try await ConsoleForm.read(&request, context: context)
        return try await submit(next: "/comites/\(id.lowercased)", notice: "comite-annule", again: again(id, context)) {
            _ = try await comites.cancel(id, CancelComiteRequest(reason: form["reason"] ?? ""), context: context)
        }
    }
}

/// The names of organisations, as the reader may read them (their partners in shared
/// programmes: the table's policy).
enum OrganisationNames {
    static func of(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: String] {
        let rows = try await connection.query(
            "SELECT id, name FROM organisations WHERE id = ANY(\(ids))", logger: logger)
        var names: [UUID: String] = [:]
        for try await (id, name) in rows.decode((UUID, String).self) { names[id] = name }
        return names
    }
}

// The agenda page's views name their fields (as the dossier's do): swift-mustache would
// otherwise reflect every field of a view at each lookup, and an agenda has hundreds of items
// (`bash bench/run.sh --routes agendapage`).
extension ComitePages.AgendaView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "shell": shell
        case "header": header
        case "error": error
        case "notice": notice
        case "items": items
        case "hasItems": hasItems
        case "mayCompose": mayCompose
        case "mayMoveDay": mayMoveDay
        case "published": published
        case "addable": addable
        case "hasAddable": hasAddable
        case "reschedules": reschedules
        case "hasReschedules": hasReschedules
        case "today": today
        default: nil
        }
    }
}

extension ComitePages.AgendaView.ItemRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "number": number
        case "householdId": householdId
        case "situation": situation
        case "reasons": reasons
        case "addedBy": addedBy
        case "first": first
        case "last": last
        default: nil
        }
    }
}

extension ComitePages.Header: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "heading": heading
        case "cellId": cellId
        case "cellName": cellName
        case "reference": reference
        case "stageLabel": stageLabel
        case "reason": reason
        case "cancellationReason": cancellationReason
        case "tabs": tabs
        default: nil
        }
    }
}

extension ComitePages.Header.Tab: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "href": href
        case "label": label
        case "current": current
        default: nil
        }
    }
}

extension ComitePages.Choice: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}
