import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// The cells a reader belongs to, and a cell's page (issue 21): its comités past and coming,
/// a session requested, the review requests waiting for its next agenda, and the reader's
/// calendar address. A comité's own pages are `ComitePages`. Each page reads through the API's
/// stores under the reader's row level security; what names a household is audited.
struct CellPages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    let publicURL: String
    var cells: CellsController { CellsController(client: client) }

    /// A cell's page lists its comités up to this many (five years of monthly ones and more).
    static let comitesShown = 100

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("cellules", use: list)
        group.get("cellules/:cellId", use: show)
        group.post("cellules/:cellId/comites", use: requestComite)
        group.post("cellules/:cellId/calendrier", use: openFeed)
        group.post("cellules/:cellId/calendrier/revocation", use: revokeFeed)
    }

    /// The diary's fetch, without a session: outside the console's door.
    func addFeedRoute(to router: Router<HubRequestContext>) {
        router.get("calendrier/:feed", use: feed)
    }

    // MARK: The cells

    struct ListView {
        let shell: Shell
        let cells: [Row]
        let hasCells: Bool

        struct Row {
            let id: String
            let name: String
            let kindLabel: String
            let territory: String?
            let facilitatorName: String
        }
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        guard AccessRules.worksOnHouseholds(actor) else {
            throw Problem.forbidden(
                "Les cellules de coordination réunissent les professionnels qui suivent les ménages.")
        }
        let (me, cells) = try await client.withActor(actor, logger: context.logger) { connection in
            (
                try await Me.load(actor, on: connection, logger: context.logger),
                try await CellStore.list(after: nil, limit: 200, on: connection, logger: context.logger)
            )
        }
        var shell = Shell(me, actor: actor, csrf: context.csrfToken ?? "")
        shell.onCells = true
        return pages.page(
            "cells",
            ListView(
                shell: shell,
                cells: cells.map {
                    .init(
                        id: $0.id.lowercased, name: $0.name, kindLabel: ComiteVocabulary.cellKinds[$0.kind],
                        territory: $0.territory, facilitatorName: $0.facilitator.name)
                }, hasCells: !cells.isEmpty))
    }

    // MARK: A cell

    struct CellView {
        let shell: Shell
        let id: String
        let name: String
        let kindLabel: String
        let territory: String?
        let facilitatorName: String
        let comiteDayText: String
        let people: [String]
        let coming: [ComiteRow]
        let past: [ComiteRow]
        let requests: [RequestRow]
        let hasComing: Bool
        let hasPast: Bool
        let hasRequests: Bool
        let isFacilitator: Bool
        let isVeille: Bool
        let emergencies: [Choice]
        let feedSince: String?
        let feedURL: String?
        let error: String?
        let notice: String?
        let draftDay: String
        let draftReason: String

        struct ComiteRow {
            let id: String
            let day: String
            let kindLabel: String
            let stageLabel: String
            let reference: String
        }

        struct RequestRow {
            let householdId: String
            let reference: String
            let householdName: String?
            let kindLabel: String
            let reason: String
            let organisationName: String
            let requestedAt: String
        }

        struct Choice {
            let code: String
            let label: String
        }
    }

    /// What the page shows beside its form's state.
    struct Read: Sendable {
        let me: Me
        let cell: CoordinationCell
        let comites: [Comite]
        let requests: [PendingComiteRequest]
        let feedSince: Date?
    }

    /// The cell, its comités and the reader's calendar address, in one transaction; for its
    /// facilitator, the waiting requests too, recorded as `cell.requests` (they name
    /// households), as `GET /v1/cells/{id}/situations` records its page. Not a member: 404, as
    /// the API.
    func read(_ id: UUID, context: AuthenticatedContext) async throws -> Read {
        try await client.withActor(context.actor, logger: context.logger) { connection in
            let actor = context.actor
            let cell = try await cells.cell(id, on: connection, context: context)
            var requests: [PendingComiteRequest] = []
            if cell.isFacilitator(actor) {
                requests = try await ComiteRequestStore.pending(in: id, on: connection, logger: context.logger)
                try await connection.append(
                    "cell.requests", .disclosed(Array(Set(requests.map(\.householdId)))), actor: actor,
                    requestID: context.id, logger: context.logger)
            }
            return Read(
                me: try await Me.load(actor, on: connection, logger: context.logger), cell: cell,
                comites: try await ComiteStore.list(
                    of: id, after: nil, limit: Self.comitesShown, on: connection, logger: context.logger),
                requests: requests,
                feedSince: try await CalendarFeedStore.live(cell: id, by: actor, on: connection, logger: context.logger)
            )
        }
    }

    func render(
        _ read: Read, context: AuthenticatedContext, error: String? = nil, notice: String? = nil,
        feedURL: String? = nil, draftDay: String = "", draftReason: String = "",
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let cell = read.cell
        let today = Day.today()
        let rows = read.comites.map { comite in
            CellView.ComiteRow(
                id: comite.id.lowercased, day: FrenchText.day(comite.heldOn),
                kindLabel: ComiteVocabulary.comiteKinds[comite.kind], stageLabel: comite.stage.label,
                reference: comite.reference)
        }
        let isComing = read.comites.map { $0.heldOn >= today && $0.stage.isAhead }
        // Coming ones soonest first; past ones latest first.
        let coming = Array(zip(rows, isComing).filter(\.1).map(\.0).reversed())
        let past = zip(rows, isComing).filter { !$0.1 }.map(\.0)
        var shell = Shell(read.me, actor: context.actor, csrf: context.csrfToken ?? "")
        shell.onCells = true
        return pages.page(
            "cell",
            CellView(
                shell: shell, id: cell.id.lowercased, name: cell.name,
                kindLabel: ComiteVocabulary.cellKinds[cell.kind], territory: cell.territory,
                facilitatorName: cell.facilitator.name,
                comiteDayText: "le \(cell.comiteDay == 1 ? "1er" : String(cell.comiteDay)) de chaque mois",
                people: cell.people.map(\.name),
                coming: coming, past: past,
                requests: read.requests.map {
                    .init(
                        householdId: $0.householdId.lowercased, reference: $0.reference,
                        householdName: $0.householdName, kindLabel: ComiteVocabulary.requestKinds[$0.kind],
                        reason: $0.reason, organisationName: $0.organisationName ?? "une organisation partenaire",
                        requestedAt: FrenchText.moment($0.requestedAt))
                },
                hasComing: !coming.isEmpty, hasPast: !past.isEmpty, hasRequests: !read.requests.isEmpty,
                isFacilitator: cell.isFacilitator(context.actor),
                isVeille: cell.isVeille,
                emergencies: VeilleEmergency.allCases.map {
                    .init(code: $0.rawValue, label: $0.label)
                },
                feedSince: read.feedSince.map(FrenchText.moment), feedURL: feedURL, error: error, notice: notice,
                draftDay: draftDay, draftReason: draftReason),
            status: status)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("cellId")
        let notice = request.uri.queryParameters["avis"].flatMap { Self.notices[String($0)] }
        return render(try await read(id, context: context), context: context, notice: notice)
    }

    /// What a form's success says on the page it leads back to (`?avis=`): fixed sentences,
    /// so that no text of the request is ever echoed from an address.
    static let notices = [
        "calendrier-revoque": "L'adresse de votre calendrier est révoquée : elle ne répond plus."
    ]

    // MARK: Forms

    /// A session requested by a member, or recorded after the fact by the facilitator, through
    /// the API's `POST /v1/cells/{id}/comites`; then on to the new comité's page.
    @Sendable func requestComite(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try context.parameters.uuid("cellId")
        let form = try await ConsoleForm.read(&request, context: context)
        let day = form["heldOn"] ?? ""
        let reason = form["reason"] ?? ""
        let emergency = form["emergency"]?.nilIfEmpty
        do {
            let comite = try await cells.requestComite(
                in: id, NewComiteRequest(heldOn: day, reason: reason, emergency: emergency), context: context)
            return ConsolePages.redirect(to: "/comites/\(comite.id.lowercased)?avis=seance-programmee")
        } catch let problem as Problem where problem.isCorrectable {
            return render(
                try await read(id, context: context), context: context, error: problem.detail, draftDay: day,
                draftReason: reason, status: problem.status)
        }
    }

    /// A new calendar address, shown once on the page (never in an address, so never in a
    /// log or a history); the previous one stops answering.
    @Sendable func openFeed(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("cellId")
        let token = try await client.audited(action: "calendar.open", denying: [], context: context) {
            connection, actor in
            _ = try await cells.cell(id, on: connection, context: context)
            return (
                try await CalendarFeedStore.open(cell: id, by: actor, on: connection, logger: context.logger),
                .changed()
            )
        }
        return render(
            try await read(id, context: context), context: context,
            notice:
                "Votre adresse de calendrier est créée. Copiez-la maintenant dans votre agenda : elle ne sera plus affichée.",
            feedURL: "\(publicURL)/calendrier/\(token).ics")
    }

    @Sendable func revokeFeed(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("cellId")
        try await client.audited(action: "calendar.revoke", denying: [], context: context) { connection, actor in
            _ = try await cells.cell(id, on: connection, context: context)
            try await CalendarFeedStore.revoke(cell: id, by: actor, on: connection, logger: context.logger)
            return ((), .changed())
        }
        return ConsolePages.redirect(to: "/cellules/\(id.lowercased)?avis=calendrier-revoque")
    }

    // MARK: The diary's feed

    /// `GET /calendrier/{token}.ics`: the cell's comités while the address is live; 404 for a
    /// revoked, unknown or malformed one, all alike.
    @Sendable func feed(_ request: Request, context: HubRequestContext) async throws -> Response {
        let file = context.parameters.get("feed") ?? ""
        guard file.hasSuffix(".ics") else { throw Problem.notFound }
        let token = String(file.dropLast(4))
        guard token.utf8.count == 43 else { throw Problem.notFound }
        let feed = try await client.withConnectionOrUnavailable { connection in
            try await CalendarFeedStore.feed(token: token, on: connection, logger: context.logger)
        }
        guard let feed else { throw Problem.notFound }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/calendar; charset=utf-8",
                .contentDisposition: "inline; filename=\"comites.ics\"",
            ],
            body: .init(
                byteBuffer: ByteBuffer(
                    string: CalendarDocument.ics(
                        cellName: feed.cellName, comites: feed.comites, publicURL: publicURL))))
    }
}

extension Problem {
    /// A refusal the person corrects on the form (a wrong value, a rule of the comité): the
    /// form's page again, with these words. Not for a refusal of access.
    var isCorrectable: Bool { [.badRequest, .conflict, .unprocessableContent].contains(status) }
}
