import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// « Mes ménages », the search, the household page, its note form and its printable access
/// log (issue 20). Each page reads through the API's own gate and stores in one transaction,
/// with one audit record of everything it shows: a page is one more reader, never a second
/// implementation of a rule.
struct HouseholdPages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    var households: HouseholdsController { HouseholdsController(client: client) }
    var gate: HouseholdGate { HouseholdGate(client: client) }

    /// The household page shows the path's latest events and notes up to these.
    static let timelineShown = 200
    static let notesShown = 50

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("menages", use: list)
        group.post("menages/recherche", use: search)
        group.get("menages/:householdId", use: show)
        group.post("menages/:householdId/notes", use: addNote)
        group.get("menages/:householdId/consultations", use: accessLog)
    }

    // MARK: Mes ménages

    struct ListView {
        let shell: Shell
        let csrf: String
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
        let term = (form["q"] ?? "").trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(term.count) else {
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
        let csrf = context.csrfToken ?? ""
        var shell = Shell(me, actor: actor, csrf: csrf)
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
            shell: shell, csrf: csrf, search: search, resultText: resultText, rows: rows, hasRows: !rows.isEmpty,
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

    // MARK: The household page

    struct HouseholdView {
        let shell: Shell
        let csrf: String
        let id: String
        let reference: String
        let heading: String
        let statusLabel: String
        let orientedOn: String
        let orientedBy: String
        let leadName: String
        let referentName: String
        let publicLabel: String
        let situationLabel: String
        let resourcesLabel: String
        let daloText: String
        let declineReason: String?
        let compositionText: String
        let persons: [PersonRow]
        let timeline: [TimelineRow]
        let hasTimeline: Bool
        let earlierEvents: Bool
        let olderNotes: Bool
        /// R12: the export is for the lead organisation's bound professionals.
        let mayExport: Bool
        let timelineShown = HouseholdPages.timelineShown
        let notesShown = HouseholdPages.notesShown
        let diagnostic: DiagnosticView?
        let notes: [NoteRow]
        let levels: [LevelChoice]
        let lead: Bool
        let careTeam: [CareTeamRow]
        let consents: [ConsentRow]
        let mayReadAccessLog: Bool
        var flash: String?
        var noteError: String?
        var noteDraft: String?

        struct PersonRow {
            let firstName: String
            let lastName: String
            let birthDate: String
            let relation: String
        }
        struct TimelineRow {
            let day: String
            let text: String
        }
        struct NoteRow {
            let level: String
            let levelLabel: String
            let authorName: String
            let authorOrganisation: String
            let writtenAt: String
            let body: String
        }
        struct LevelChoice {
            let code: String
            let label: String
            let meaning: String
            let selected: Bool
        }
        struct CareTeamRow {
            let name: String
            let addedOn: String
            let consent: String
        }
        struct ConsentRow {
            let recipient: String
            let levelLabel: String
            let purpose: String
            let givenOn: String
            let obtainedHow: String
            let expiresOn: String
            let state: String
        }
    }

    /// What one gated read of a household gives its page.
    struct HouseholdRead: Sendable {
        let me: Me
        let household: Household
        let facts: HouseholdFacts
        let notes: [NoteRecord]
        /// More notes the reader may read than the page shows.
        let olderNotes: Bool
        /// The latest events of the path, oldest first, and whether earlier ones were left out.
        let timeline: [TimelineEntry]
        let earlierEvents: Bool
        let careTeam: [CareTeamMember]
        let consents: [ConsentRecord]
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let flash = request.uri.queryParameters["note"] == "enregistree" ? "Votre note est enregistrée." : nil
        return try await page(of: id, flash: flash, context: context)
    }

    /// The household page, read as the API's `GET /v1/households/{id}` reads it (the same
    /// gate, the same stores, one `household.read` record naming every level it shows).
    func page(
        of id: UUID, flash: String? = nil, noteError: String? = nil, noteDraft: String? = nil,
        draftLevel: Level = .secret,
        status: HTTPResponse.Status = .ok, context: AuthenticatedContext
    ) async throws -> Response {
        let read = try await gate.run(id, action: "household.read", context: context) { connection, actor, facts in
            let (household, householdLevels) = try await HouseholdsController.read(
                id, reader: actor, facts: facts, on: connection, context: context)
            var levels = householdLevels
            let (notes, olderNotes) = try await Self.readableNotes(
                of: id, actor: actor, facts: facts, context: context, on: connection)
            let timeline = try await Self.latestEvents(of: id, on: connection, context: context)
            levels.formUnion(notes.compactMap { Level(rawValue: $0.level) })
            levels.formUnion(timeline.events.compactMap { Level(rawValue: $0.level) })
            let lead = AccessRules.isLead(actor, facts)
            let read = HouseholdRead(
                me: try await Me.load(actor, on: connection, logger: context.logger), household: household,
                facts: facts, notes: notes, olderNotes: olderNotes, timeline: timeline.events,
                earlierEvents: timeline.earlier,
                careTeam: lead ? try await HouseholdStore.careTeam(of: id, on: connection, logger: context.logger) : [],
                consents: lead ? try await HouseholdStore.consents(of: id, on: connection, logger: context.logger) : [])
            return (read, .disclosed(levels))
        }
        var view = Self.view(of: read, actor: context.actor, csrf: context.csrfToken ?? "", draftLevel: draftLevel)
        view.flash = flash
        view.noteError = noteError
        view.noteDraft = noteDraft
        return pages.page("household", view, status: status)
    }

    /// The notes the reader may read, newest first: up to `notesShown`, read 100 at a time
    /// past those of other organisations they may not read, and whether more remain.
    static func readableNotes(
        of id: UUID, actor: Actor, facts: HouseholdFacts, context: AuthenticatedContext,
        on connection: PostgresConnection
    ) async throws -> ([NoteRecord], Bool) {
        var readable: [NoteRecord] = []
        var after: (Int64, UUID)?
        repeat {
            let page = try await HouseholdStore.notes(
                of: id, after: after, limit: 100, on: connection, logger: context.logger)
            readable += page.filter { $0.isReadable(by: actor, facts) }
            after = page.count == 100 ? page.last.map { TimeCursor.key($0.writtenAt, $0.id) } : nil
        } while after != nil && readable.count <= notesShown
        return (Array(readable.prefix(notesShown)), readable.count > notesShown)
    }

    /// The path's latest `timelineShown` events, oldest first (the store reads it from the
    /// start, a thousand at a time: a path is rarely longer than one read).
    static func latestEvents(of id: UUID, on connection: PostgresConnection, context: AuthenticatedContext)
        async throws -> (events: [TimelineEntry], earlier: Bool)
    {
        var events: [TimelineEntry] = []
        var cursor: (Day, Int64, String, UUID)?
        repeat {
            let page = try await TimelineStore.page(
                of: id, after: cursor, limit: 1000, on: connection, logger: context.logger)
            events += page
            cursor = try page.count == 1000 ? page.last.map { try TimelineEntry.decode(cursor: $0.cursor) } : nil
        } while cursor != nil
        return (Array(events.suffix(timelineShown)), events.count > timelineShown)
    }

    /// The note form: written through the API's own `writeNote` (its checks, the level's
    /// included), then back to the page (post-redirect-get). A refused note shows the page
    /// again with the text kept.
    @Sendable func addNote(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        let text = form["body"] ?? ""
        do {
            _ = try await households.writeNote(text, level: form["level"], household: id, context: context)
        } catch let problem as Problem where problem.status == .unprocessableContent {
            return try await page(
                of: id, noteError: problem.detail, noteDraft: text,
                draftLevel: form["level"].flatMap(Level.init(rawValue:)) ?? .secret, status: .unprocessableContent,
                context: context)
        }
        return ConsolePages.redirect(to: "/menages/\(id.lowercased)?note=enregistree#notes")
    }

    static func view(of read: HouseholdRead, actor: Actor, csrf: String, draftLevel: Level) -> HouseholdView {
        let household = read.household
        let applicant = household.persons.first
        let heading =
            applicant.map { "Ménage \($0.lastName.uppercased()) (\(household.reference))" }
            ?? "Ménage \(household.reference)"
        return HouseholdView(
            shell: Shell(read.me, actor: actor, csrf: csrf), csrf: csrf, id: household.id.lowercased,
            reference: household.reference, heading: heading,
            statusLabel: (PathState(rawValue: household.status)?.label ?? household.status).capitalisedFirstLetter,
            orientedOn: FrenchText.day(household.orientedOn), orientedBy: household.orientedBy.name,
            leadName: household.leadOrganisation.name, referentName: household.referentName ?? "pas encore désigné·e",
            publicLabel: HouseholdVocabulary.publics[household.public].capitalisedFirstLetter,
            situationLabel: HouseholdVocabulary.situations[household.currentSituation].capitalisedFirstLetter
                + (household.situationSince.map { " depuis le \(FrenchText.day($0))" } ?? ""),
            resourcesLabel: HouseholdVocabulary.resources[household.resourcesCategory].capitalisedFirstLetter,
            daloText: household.dalo.map {
                "reconnu prioritaire le \(FrenchText.day($0.recognisedOn)) (département \($0.departement))"
            } ?? "non", declineReason: household.declineReason,
            compositionText: Self.composition(adults: household.adults, children: household.children)
                + (household.singleParent ? ", famille monoparentale" : ""),
            persons: household.persons.map {
                .init(
                    firstName: $0.firstName, lastName: $0.lastName, birthDate: FrenchText.day($0.birthDate),
                    relation: HouseholdVocabulary.relations[$0.relation])
            },
            timeline: read.timeline.map { .init(day: FrenchText.day($0.on), text: FrenchText.timeline($0)) },
            hasTimeline: !read.timeline.isEmpty, earlierEvents: read.earlierEvents, olderNotes: read.olderNotes,
            mayExport: AccessRules.mayReadAccessLog(actor, read.facts),
            diagnostic: household.currentDiagnostic.map(DiagnosticView.init),
            notes: read.notes.map {
                .init(
                    level: $0.level, levelLabel: Level(rawValue: $0.level)?.label ?? $0.level,
                    authorName: $0.authorName, authorOrganisation: $0.authorOrganisation.name,
                    writtenAt: FrenchText.moment($0.writtenAt), body: $0.body)
            },
            levels: Level.allCases.map {
                .init(
                    code: $0.rawValue, label: $0.label.capitalisedFirstLetter, meaning: FrenchText.meaning($0),
                    selected: $0 == draftLevel)
            },
            lead: AccessRules.isLead(actor, read.facts),
            careTeam: read.careTeam.map {
                .init(
                    name: $0.organisation.name, addedOn: FrenchText.day($0.addedOn),
                    consent: $0.consentLevel.flatMap(Level.init(rawValue:)).map(\.label) ?? "aucun")
            },
            consents: read.consents.map {
                .init(
                    recipient: $0.recipientOrganisation.name,
                    levelLabel: Level(rawValue: $0.level)?.label ?? $0.level, purpose: $0.purpose,
                    givenOn: FrenchText.day($0.givenOn),
                    obtainedHow: HouseholdVocabulary.consentMethods[$0.obtainedHow],
                    expiresOn: FrenchText.day(Day($0.expiresAt)),
                    state: $0.active ? "actif" : ($0.withdrawnOn.map { "retiré le \(FrenchText.day($0))" } ?? "expiré"))
            },
            mayReadAccessLog: AccessRules.mayReadAccessLog(actor, read.facts))
    }

    static func composition(adults: Int, children: Int) -> String {
        let adultsText = adults == 1 ? "1 adulte" : "\(adults) adultes"
        switch children {
        case 0: return adultsText
        case 1: return "\(adultsText), 1 enfant"
        default: return "\(adultsText), \(children) enfants"
        }
    }

    // MARK: Qui a consulté mon dossier

    struct AccessLogView {
        let shell: Shell
        let id: String
        let reference: String
        let leadName: String
        let generatedOn: String
        let caption: String
        let entries: [Entry]
        let more: Bool

        struct Entry {
            let at: String
            let userName: String
            let organisation: String
            let action: String
            let levels: String
            let outcome: String
        }
    }

    /// The access log as the household reads it (R11), for the lead organisation's bound
    /// professionals, as the API's `…/access-log` allows: its 200 latest records.
    @Sendable func accessLog(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let limit = 200
        let (me, household, entries) = try await gate.run(id, action: "accessLog.read", context: context) {
            connection, actor, facts in
            guard AccessRules.mayReadAccessLog(actor, facts) else {
                throw Problem.forbidden(
                    "Le journal d'accès est consultable par les professionnels tenus au secret de l'organisation référente."
                )
            }
            guard let household = try await HouseholdStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.notFound
            }
            let entries = try await AccessLogController.entries(
                of: id, before: nil, limit: limit + 1, on: connection, context: context)
            return (
                (try await Me.load(actor, on: connection, logger: context.logger), household, entries),
                .disclosed([.partners])
            )
        }
        let view = AccessLogView(
            shell: Shell(me, actor: context.actor, csrf: context.csrfToken ?? ""), id: id.lowercased,
            reference: household.reference, leadName: household.leadOrganisation.name,
            generatedOn: FrenchText.day(Day.today()),
            caption: entries.count == 1
                ? "Le seul accès" : "Les \(min(entries.count, limit)) derniers accès, du plus récent au plus ancien",
            entries: entries.prefix(limit).map {
                .init(
                    at: FrenchText.moment($0.at), userName: $0.userName ?? "—", organisation: $0.organisation ?? "—",
                    action: AuditActionLabels.actions[$0.action].capitalisedFirstLetter,
                    levels: $0.levels.compactMap { Level(rawValue: $0)?.label }.joined(separator: ", "),
                    outcome: HouseholdVocabulary.accessOutcomes[$0.outcome])
            }, more: entries.count > limit)
        return pages.page("access-log", view)
    }
}

/// A diagnostic as its page shows it: only the pieces the reader may read are there at all
/// (`DiagnosticStore.current` already left the others out), so nothing marks what is hidden.
struct DiagnosticView {
    struct Piece {
        let value: String
        let level: String
        let levelLabel: String

        init?(_ levelled: Levelled?, value: (String) -> String = { $0 }) {
            guard let levelled else { return nil }
            self.value = value(levelled.value)
            level = levelled.level
            levelLabel = Level(rawValue: levelled.level)?.label ?? levelled.level
        }
    }
    struct Item {
        let label: String
        let assessment: Piece?
        let comment: Piece?
    }
    struct Section {
        let code: String
        let title: String
        let view: Piece?
        let items: [Item]
        let hasItems: Bool
    }

    let version: Int
    let validatedOn: String
    let authorName: String
    let referentName: String
    let sections: [Section]
    let preconisations: Piece?

    init(_ diagnostic: Diagnostic) {
        version = diagnostic.version
        validatedOn = diagnostic.validatedOn.map(FrenchText.day) ?? "—"
        authorName = diagnostic.authorOrganisation.name
        referentName = diagnostic.referentName
        sections = diagnostic.sections.map { section in
            let items = section.items.compactMap { item -> Item? in
                let assessment = Piece(item.assessment) { Assessment(rawValue: $0)?.label ?? $0 }
                let comment = Piece(item.comment)
                guard assessment != nil || comment != nil else { return nil }
                return Item(label: item.label, assessment: assessment, comment: comment)
            }
            return Section(
                code: section.code, title: section.title, view: Piece(section.view), items: items,
                hasItems: !items.isEmpty)
        }
        preconisations = Piece(diagnostic.preconisations)
    }
}

extension UUID {
    /// Identifiers in the console's addresses, as the API writes them.
    var lowercased: String { uuidString.lowercased() }
}
