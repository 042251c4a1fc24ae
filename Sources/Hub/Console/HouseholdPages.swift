import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// « Mes ménages » and its search (here), and a household's pages: its dossier with the note
/// form (`HouseholdPages+Dossier.swift`), its path, its sharing and its access log
/// (`HouseholdPages+Tabs.swift`). Each page reads through the API's own gate and stores in
/// one transaction, with one audit record of everything it shows: a page is one more
/// reader, never a second implementation of a rule.
struct HouseholdPages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    var households: HouseholdsController { HouseholdsController(client: client) }
    var gate: HouseholdGate { HouseholdGate(client: client) }

    /// A household's pages show its path's latest events and notes up to these.
    static let timelineShown = 200
    static let notesShown = 50

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("menages", use: list)
        group.post("menages/recherche", use: search)
        group.get("menages/:householdId", use: show)
        group.post("menages/:householdId/examen-en-comite", use: requestReview)
        group.get("menages/:householdId/notes", use: notes)
        group.post("menages/:householdId/notes", use: addNote)
        group.get("menages/:householdId/parcours", use: path)
        group.get("menages/:householdId/partage", use: sharing)
        group.get("menages/:householdId/consultations", use: accessLog)
    }

    // MARK: Mes ménages

    struct ListView {
        let shell: Shell
        let search: String?
        let resultText: String
        let rows: [Row]
        let hasRows: Bool
        let programmes: [Choice]
        let statuses: [Choice]
        let mineOnly: Bool
        let firstPage: Bool
        /// The next page: a link for the list, a form for a search (its term stays in a body).
        let nextLink: String?
        let nextCursor: String?

        struct Row {
            let id: String
            let reference: String
            let applicantName: String
            let statusLabel: String
            let composition: String
            let leadName: String
            let referentName: String
        }

        /// An option of a filter's list.
        struct Choice {
            let value: String
            let label: String
            let selected: Bool
        }
    }

    /// The list, with the API's filters in the query (`programme`, `statut`, `referent=moi`)
    /// and its paging (`cursor`).
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = HouseholdStore.ListFilter()
        if let raw = query["programme"].map(String.init), !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else {
                throw Problem.badRequest("Ce programme n'existe pas.", field: "programme")
            }
            filter.programmeID = id
        }
        if let raw = query["statut"].map(String.init), !raw.isEmpty {
            guard PathState(rawValue: raw) != nil else {
                throw Problem.badRequest("Cette étape du parcours n'existe pas.", field: "statut")
            }
            filter.status = raw
        }
        let mineOnly = query["referent"] == "moi"
        if mineOnly { filter.referentID = context.actor.userID }
        let page = try PageRequest(limit: 50, cursor: query["cursor"].map(String.init))
        let result = try await households.households(filter, page: page, context: context)
        var next: String?
        if let cursor = result.nextCursor {
            var parts = ["cursor=\(cursor)"]
            if let id = filter.programmeID { parts.append("programme=\(id.lowercased)") }
            if let status = filter.status { parts.append("statut=\(status)") }
            if mineOnly { parts.append("referent=moi") }
            next = "/menages?" + parts.joined(separator: "&")
        }
        return try await render(
            result.items, search: nil, filter: filter, mineOnly: mineOnly, firstPage: page.after == nil,
            nextLink: next, nextCursor: nil, context: context)
    }

    /// The search, posted: its term travels in the body, never in an address, so that no
    /// log, history or proxy keeps it. It runs over what the reader may see (R7: « aucun
    /// ménage » alike for no match and for a household that is not theirs).
    @Sendable func search(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        guard let term = HouseholdStore.ListFilter.searchTerm(form["q"] ?? "") else {
            throw Problem.badRequest(
                "La recherche porte sur une référence ou un nom : de 1 à 100 caractères.", field: "q")
        }
        var filter = HouseholdStore.ListFilter()
        filter.search = term
        let page = try PageRequest(limit: 50, cursor: form["cursor"]?.nilIfEmpty)
        let result = try await households.households(filter, page: page, context: context)
        return try await render(
            result.items, search: term, filter: filter, mineOnly: false, firstPage: page.after == nil, nextLink: nil,
            nextCursor: result.nextCursor, context: context)
    }

    private func render(
        _ items: [HouseholdSummary], search: String?, filter: HouseholdStore.ListFilter, mineOnly: Bool,
        firstPage: Bool, nextLink: String?, nextCursor: String?, context: AuthenticatedContext
    ) async throws -> Response {
        let actor = context.actor
        let (me, programmes) = try await client.withActor(actor, logger: context.logger) { connection in
            (
                try await Me.load(actor, on: connection, logger: context.logger),
                try await Programmes.list(on: connection, after: nil, limit: 100, logger: context.logger)
            )
        }
        var shell = Shell(me, actor: actor, csrf: context.csrfToken ?? "")
        shell.onHouseholds = true
        let count = items.count
        let more = nextLink != nil || nextCursor != nil
        let resultText =
            switch (count, firstPage) {
            case (0, true): "Aucun ménage"
            case (0, false): "Aucun ménage de plus"
            case (1, true): "1 ménage"
            case (_, true): more ? "Les \(count) premiers ménages" : "\(count) ménages"
            case (_, false): "\(FrenchText.count(count, "ménage", "ménages")) de plus"
            }
        let rows = items.map { item in
            ListView.Row(
                id: item.id.lowercased, reference: item.reference, applicantName: item.applicantName ?? "—",
                statusLabel: (PathState(rawValue: item.status)?.label ?? item.status).capitalisedFirstLetter,
                composition: Self.composition(adults: item.adults, children: item.children),
                leadName: item.leadOrganisation.name, referentName: item.referentName ?? "—")
        }
        let view = ListView(
            shell: shell, search: search, resultText: resultText, rows: rows, hasRows: !rows.isEmpty,
            programmes: programmes.map {
                .init(value: $0.id.lowercased, label: $0.name, selected: $0.id == filter.programmeID)
            },
            statuses: PathState.allCases.map {
                .init(
                    value: $0.rawValue, label: $0.label.capitalisedFirstLetter, selected: $0.rawValue == filter.status)
            },
            mineOnly: mineOnly, firstPage: firstPage, nextLink: nextLink, nextCursor: nextCursor)
        return pages.page("households", view)
    }
}

extension UUID {
    /// Identifiers in the console's addresses, as the API writes them.
    var lowercased: String { uuidString.lowercased() }
}
