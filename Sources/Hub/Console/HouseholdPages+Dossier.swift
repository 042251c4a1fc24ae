import Foundation
import Hummingbird
import Mustache
import PostgresNIO
import Tenancy

/// A household's dossier: identity, composition, the stages of its path and the current
/// diagnostic on the grid. It reads what `GET /v1/households/{id}` reads
/// (`HouseholdsController.read`), plus the path's moves, in the same gate and one
/// `household.read` record naming every level it shows. The household's notes and their form
/// (below), its whole path, its sharing and its access log are tabs: each costs its own reads
/// only when opened.
extension HouseholdPages {
    struct DossierView {
        let shell: Shell
        let header: HouseholdHeader
        let id: String
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
        let stages: [TimelineRow]
        let hasStages: Bool
        let diagnostic: DiagnosticView?
        /// Asking for the situation to be reviewed in comité: the kinds this reader may ask for,
        /// and the form's outcome.
        let requestKinds: [HouseholdPages.ListView.Choice]
        var notice: String? = nil
        var requestError: String? = nil
        var requestDraft: String? = nil

        struct PersonRow {
            let firstName: String
            let lastName: String
            let birthDate: String
            let relation: String
        }
    }

    struct NotesView {
        let shell: Shell
        let header: HouseholdHeader
        let id: String
        let notes: [NoteRow]
        let olderNotes: Bool
        let notesShown = HouseholdPages.notesShown
        /// R12: the export is for the lead organisation's bound professionals.
        let mayExport: Bool
        let levels: [LevelChoice]
        var flash: String?
        var noteError: String?
        var noteDraft: String?

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
    }

    /// What one gated read of a household gives its dossier.
    struct DossierRead: Sendable {
        let me: Me
        let household: Household
        let facts: HouseholdFacts
        let moves: [TimelineEntry]
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let notice =
            request.uri.queryParameters["avis"] == "examen-demande"
            ? "Votre demande d'examen est enregistrée : le prochain ordre du jour d'une cellule qui suit le ménage la reprendra."
            : nil
        return try await dossier(try context.parameters.uuid("householdId"), notice: notice, context: context)
    }

    func dossier(
        _ id: UUID, notice: String? = nil, requestError: String? = nil, requestDraft: String? = nil,
        status: HTTPResponse.Status = .ok, context: AuthenticatedContext
    ) async throws -> Response {
        let read = try await gate.run(id, action: "household.read", context: context) { connection, actor, facts in
            let (household, levels) = try await HouseholdsController.read(
                id, reader: actor, facts: facts, on: connection, context: context)
            let read = DossierRead(
                me: try await Me.load(actor, on: connection, logger: context.logger), household: household,
                facts: facts, moves: try await TimelineStore.moves(of: id, on: connection, logger: context.logger))
            return (read, .disclosed(levels))
        }
        var view = Self.view(of: read, actor: context.actor, csrf: context.csrfToken ?? "")
        view.notice = notice
        view.requestError = requestError
        view.requestDraft = requestDraft
        return pages.page("household", view, status: status)
    }

    /// A review in comité asked from the dossier, through the API's
    /// `POST /v1/households/{id}/comite-requests`.
    @Sendable func requestReview(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try context.parameters.uuid("householdId")
        let form = try await ConsoleForm.read(&request, context: context)
        let reason = form["reason"] ?? ""
        do {
            _ = try await ComitesController(client: client).requestReview(
                of: id, NewComiteRequestRequest(kind: form["kind"] ?? "", reason: reason), context: context)
        } catch let problem as Problem where problem.isCorrectable {
            return try await dossier(
                id, requestError: problem.detail, requestDraft: reason, status: problem.status, context: context)
        }
        return ConsolePages.redirect(to: "/menages/\(id.lowercased)?avis=examen-demande")
    }

    // MARK: Notes

    @Sendable func notes(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let flash = request.uri.queryParameters["note"] == "enregistree" ? "Votre note est enregistrée." : nil
        return try await notesPage(of: id, flash: flash, context: context)
    }

    /// The notes the reader may read, as the API's `…/notes` reads them (its store, its rule
    /// and its `note.read` record), and the form to write one.
    func notesPage(
        of id: UUID, flash: String? = nil, noteError: String? = nil, noteDraft: String? = nil,
        draftLevel: Level = .secret, status: HTTPResponse.Status = .ok, context: AuthenticatedContext
    ) async throws -> Response {
        let (frame, (notes, olderNotes)) = try await tab(id, action: "note.read", context: context) {
            connection, actor, facts in
            let (notes, olderNotes) = try await Self.readableNotes(
                of: id, actor: actor, facts: facts, context: context, on: connection)
            return (
                (notes, olderNotes), .disclosed(Set(notes.compactMap { Level(rawValue: $0.level) }).union([.partners]))
            )
        }
        let view = NotesView(
            shell: frame.shell(context), header: frame.header(.notes, context), id: id.lowercased,
            notes: notes.map {
                .init(
                    level: $0.level, levelLabel: Level(rawValue: $0.level)?.label ?? $0.level,
                    authorName: $0.authorName, authorOrganisation: $0.authorOrganisation.name,
                    writtenAt: FrenchText.moment($0.writtenAt), body: $0.body)
            },
            olderNotes: olderNotes, mayExport: AccessRules.mayReadAccessLog(context.actor, frame.facts),
            levels: Level.allCases.map {
                .init(
                    code: $0.rawValue, label: $0.label.capitalisedFirstLetter, meaning: FrenchText.meaning($0),
                    selected: $0 == draftLevel)
            }, flash: flash, noteError: noteError, noteDraft: noteDraft)
        return pages.page("household-notes", view, status: status)
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

    /// The note form: written through the API's own `writeNote` (its checks, the level's
    /// included), then back to the notes (post-redirect-get). A refused note shows them again
    /// with the text kept.
    @Sendable func addNote(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        let text = form["body"] ?? ""
        do {
            _ = try await households.writeNote(text, level: form["level"], household: id, context: context)
        } catch let problem as Problem where problem.status == .unprocessableContent {
            return try await notesPage(
                of: id, noteError: problem.detail, noteDraft: text,
                draftLevel: form["level"].flatMap(Level.init(rawValue:)) ?? .secret, status: .unprocessableContent,
                context: context)
        }
        return ConsolePages.redirect(to: "/menages/\(id.lowercased)/notes?note=enregistree#notes")
    }

    static func view(of read: DossierRead, actor: Actor, csrf: String) -> DossierView {
        let household = read.household
        return DossierView(
            shell: Shell(read.me, actor: actor, csrf: csrf),
            header: HouseholdHeader(household, actor: actor, facts: read.facts, current: .dossier),
            id: household.id.lowercased,
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
            stages: read.moves.map(TimelineRow.init), hasStages: !read.moves.isEmpty,
            diagnostic: household.currentDiagnostic.map(DiagnosticView.init),
            requestKinds: ComiteVocabulary.requestKinds.codes.sorted().reversed().compactMap { kind in
                // Ending the accompaniment is proposed by the référent's organisation (the API's rule).
                kind == "endProposal" && !AccessRules.mayRecordPath(actor, read.facts)
                    ? nil
                    : .init(
                        value: kind, label: ComiteVocabulary.requestKinds[kind].capitalisedFirstLetter,
                        selected: kind == "review")
            })
    }

    static func composition(adults: Int, children: Int) -> String {
        let adultsText = adults == 1 ? "1 adulte" : "\(adults) adultes"
        switch children {
        case 0: return adultsText
        case 1: return "\(adultsText), 1 enfant"
        default: return "\(adultsText), \(children) enfants"
        }
    }
}

/// The top of each of a household's pages: its name and reference, and its tabs, each shown
/// only to a reader it serves.
struct HouseholdHeader {
    enum Tab: CaseIterable {
        case dossier, notes, path, sharing, accessLog
    }
    struct Link {
        let href: String
        let label: String
        let current: Bool
    }

    let heading: String
    let reference: String
    let tabs: [Link]

    init(_ household: Household, actor: Actor, facts: HouseholdFacts, current: Tab) {
        reference = household.reference
        heading =
            household.persons.first.map { "Ménage \($0.lastName.uppercased()) (\(household.reference))" }
            ?? "Ménage \(household.reference)"
        let base = "/menages/\(household.id.lowercased)"
        tabs = Tab.allCases.compactMap { tab in
            switch tab {
            case .dossier: Link(href: base, label: "Dossier", current: current == tab)
            case .notes: Link(href: "\(base)/notes", label: "Notes", current: current == tab)
            case .path: Link(href: "\(base)/parcours", label: "Parcours", current: current == tab)
            case .sharing:
                AccessRules.isLead(actor, facts)
                    ? Link(href: "\(base)/partage", label: "Équipe et consentements", current: current == tab) : nil
            case .accessLog:
                AccessRules.mayReadAccessLog(actor, facts)
                    ? Link(href: "\(base)/consultations", label: "Qui a consulté le dossier", current: current == tab)
                    : nil
            }
        }
    }
}

/// An event of the path in a sentence, on its day.
struct TimelineRow {
    let day: String
    let text: String

    init(_ entry: TimelineEntry) {
        day = FrenchText.day(entry.on)
        text = FrenchText.timeline(entry)
    }
}
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

// The dossier is the console's most read page: its views name their fields to the templates
// themselves, without reflection (`ConsolePages.fields` reflects every other page's view).

extension HouseholdPages.DossierView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "shell": shell
        case "header": header
        case "id": id
        case "statusLabel": statusLabel
        case "orientedOn": orientedOn
        case "orientedBy": orientedBy
        case "leadName": leadName
        case "referentName": referentName
        case "publicLabel": publicLabel
        case "situationLabel": situationLabel
        case "resourcesLabel": resourcesLabel
        case "daloText": daloText
        case "declineReason": declineReason
        case "compositionText": compositionText
        case "persons": persons
        case "stages": stages
        case "hasStages": hasStages
        case "diagnostic": diagnostic
        case "requestKinds": requestKinds
        case "notice": notice
        case "requestError": requestError
        case "requestDraft": requestDraft
        default: nil
        }
    }
}

extension HouseholdPages.DossierView.PersonRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "firstName": firstName
        case "lastName": lastName
        case "birthDate": birthDate
        case "relation": relation
        default: nil
        }
    }
}

extension Shell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "userName": userName
        case "organisationName": organisationName
        case "csrf": csrf
        case "worksOnHouseholds": worksOnHouseholds
        case "readsMessages": readsMessages
        case "managesMembers": managesMembers
        case "readsIndicators": readsIndicators
        case "hasMenu": hasMenu
        case "onHouseholds": onHouseholds
        case "onCells": onCells
        case "onMessages": onMessages
        case "onOrganisation": onOrganisation
        case "onIndicators": onIndicators
        default: nil
        }
    }
}

extension HouseholdHeader: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "heading": heading
        case "reference": reference
        case "tabs": tabs
        default: nil
        }
    }
}

extension HouseholdHeader.Link: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "href": href
        case "label": label
        case "current": current
        default: nil
        }
    }
}

extension TimelineRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "day": day
        case "text": text
        default: nil
        }
    }
}

extension DiagnosticView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "version": version
        case "validatedOn": validatedOn
        case "authorName": authorName
        case "referentName": referentName
        case "sections": sections
        case "preconisations": preconisations
        default: nil
        }
    }
}

extension DiagnosticView.Section: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "code": code
        case "title": title
        case "view": view
        case "items": items
        case "hasItems": hasItems
        default: nil
        }
    }
}

extension DiagnosticView.Item: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "assessment": assessment
        case "comment": comment
        default: nil
        }
    }
}

extension DiagnosticView.Piece: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "level": level
        case "levelLabel": levelLabel
        default: nil
        }
    }
}
