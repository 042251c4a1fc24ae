import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// The meeting, on the room's projector: the attendance that opens it, then one situation at
/// a time (`?point=N`) with its summary sheet, the discussion, the decision (the end of an
/// accompaniment refused without a recent bilan de fin, or not adopted on a present partner's
/// objection: the API's rule and its words) and the actions decided, each with an owner and a
/// due day.
extension ComitePages {
    struct MeetingView {
        let shell: Shell
        let header: Header
        let error: String?
        let notice: String?
        let mayRun: Bool
        /// Before the meeting: the attendance form (or the day it opens).
        let awaitingHold: Bool
        let opensOn: String?
        let people: [Person]
        /// Once held: who came, the situations, the one shown.
        let held: Bool
        let attendance: [String]
        let points: [PointLink]
        let point: Point?

        struct Person {
            let userId: String
            let name: String
        }

        struct PointLink {
            let href: String
            let number: Int
            let situation: String
            let decided: Bool
            let current: Bool
        }

        struct Point {
            let id: String
            let number: Int
            let count: Int
            let householdId: String
            let situation: String
            let reasons: [String]
            let sections: [SheetSection]
            let hasSheet: Bool
            let decision: DecisionText?
            let actions: [ActionText]
            let mayDecide: Bool
            let mayAddAction: Bool
            let decisions: [Choice]
            let outcomes: [Choice]
            let objectors: [Choice]
            let levels: [Choice]
            let owners: [Choice]
            let today: String
            let previous: String?
            let next: String?
        }
    }

    struct SheetSection {
        let label: String
        let entries: [Entry]

        struct Entry {
            let label: String
            let text: String
            let levelLabel: String
            let level: String
        }

        /// The sheet's entries by section, in the order they came.
        static func of(_ entries: [SheetEntry]) -> [SheetSection] {
            var sections: [SheetSection] = []
            for entry in entries {
                let shown = Entry(
                    label: entry.label, text: entry.text, levelLabel: entry.level.label, level: entry.level.rawValue)
                if let last = sections.last, last.label == entry.sectionLabel.capitalisedFirstLetter {
                    sections[sections.count - 1] = SheetSection(label: last.label, entries: last.entries + [shown])
                } else {
                    sections.append(SheetSection(label: entry.sectionLabel.capitalisedFirstLetter, entries: [shown]))
                }
            }
            return sections
        }
    }

    struct DecisionText {
        let label: String
        let adopted: Bool
        let detail: String?
        let discussion: String?
        let discussionLevel: String?
        let outcome: String?
        let objections: [String]

        init(_ decision: ItemDecision) {
            label = MinutesDocument.decisionLabel(decision).capitalisedFirstLetter
            adopted = decision.adopted
            detail = decision.detail
            discussion = decision.discussion?.body
            discussionLevel = decision.discussion?.level.label
            outcome = decision.outcome.map(MinutesDocument.exit)
            objections = decision.objections.map { "Objection de \($0.organisationName) : \($0.reason)" }
        }
    }

    struct ActionText {
        let description: String
        let owner: String
        let due: String
        let status: String

        init(_ action: ComiteAction) {
            description = action.description
            owner = MinutesDocument.owner(action)
            due = FrenchText.day(action.dueOn)
            status = ComiteVocabulary.actionStatuses[action.status]
        }
    }

    /// What the meeting page reads in its one `comite.meeting.read` record: the minutes as
    /// they stand (attendance, items, decisions, actions), and the shown item's sheet.
    struct MeetingRead: Sendable {
        let minutes: Minutes?
        let items: [AgendaItem]
        let sheet: SummarySheet?
    }

    @Sendable func meeting(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let number = request.uri.queryParameters["point"].flatMap { Int(String($0)) } ?? 1
        return try await meetingPage(
            try context.parameters.uuid("comiteId"), point: number, context: context, notice: Self.notice(request))
    }

    func meetingPage(
        _ id: UUID, point number: Int, context: AuthenticatedContext, error: String? = nil, notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (frame, read) = try await frame(id, action: "comite.meeting.read", context: context) {
            connection, _, comite, cell in
            guard comite.publishedAt != nil, comite.stage != .cancelled else {
                throw Problem.conflict("La séance se tient sur un ordre du jour publié.")
            }
            let items = try await AgendaStore.items(of: id, on: connection, logger: context.logger)
            var sheet: SummarySheet?
            var levels: Set<Level> = [.partners]
            if items.indices.contains(number - 1) {
                let (_, sheets, shown) = try await comites.loadSheets(
                    of: comite, only: items[number - 1].id, on: connection, context: context)
                sheet = sheets.first
                levels.formUnion(shown.levels)
            }
            var minutes: Minutes?
            if comite.stage != .agendaPublished {
                let loaded = try await comites.loadMinutes(
                    id, cell: cell, version: nil, on: connection, context: context)
                levels.formUnion(loaded.levels)
                minutes = loaded
            }
            return (
                MeetingRead(minutes: minutes, items: items, sheet: sheet), .disclosed(items.map(\.householdId), levels)
            )
        }
        let comite = frame.comite
        let mayRun = frame.isFacilitator(context.actor)
        let held = read.minutes != nil
        let items = read.items
        let base = "/comites/\(id.lowercased)/seance"
        let organisations = frame.organisations
        var point: MeetingView.Point?
        if let sheet = read.sheet, let item = items.first(where: { $0.id == sheet.itemId }) {
            let minutesItem = read.minutes?.items.first { $0.id == item.id }
            let decision = minutesItem?.decision
            let present = Set((read.minutes?.attendance ?? []).filter(\.present).map(\.organisationId))
            point = MeetingView.Point(
                id: item.id.lowercased, number: item.position, count: items.count,
                householdId: item.householdId.lowercased, situation: Self.situation(item.householdName, item.reference),
                reasons: item.reasons.map { Self.reason($0, frame) }, sections: SheetSection.of(sheet.entries),
                hasSheet: !sheet.entries.isEmpty, decision: decision.map(DecisionText.init),
                actions: (minutesItem?.actions ?? []).map(ActionText.init),
                mayDecide: mayRun && held && comite.stage == .held && decision == nil,
                mayAddAction: mayRun && held && comite.stage == .held,
                decisions: ComiteDecisionKind.allCases.filter { !frame.cell.isVeille || $0 != .endAccompaniment }.map {
                    Choice(value: $0.rawValue, label: $0.label.capitalisedFirstLetter, selected: $0 == .continue)
                },
                outcomes: HouseholdVocabulary.outcomes.codes.sorted().map {
                    Choice(value: $0, label: HouseholdVocabulary.outcomes[$0].capitalisedFirstLetter)
                },
                objectors: frame.cell.organisationIds.filter(present.contains).compactMap { organisation in
                    organisations[organisation].map { Choice(value: organisation.lowercased, label: $0) }
                }.sorted { $0.label < $1.label },
                levels: Self.writableLevels(context.actor),
                owners: frame.cell.organisationIds.compactMap { organisation in
                    organisations[organisation].map {
                        Choice(value: organisation.lowercased, label: "\($0) (l'organisation)")
                    }
                }.sorted { $0.label < $1.label }
                    + frame.cell.people.map {
                        Choice(
                            value: "\($0.organisationId.lowercased)|\($0.userId.lowercased)",
                            label: "\($0.name) (\(frame.organisationName($0.organisationId)))")
                    },
                today: Day.today().iso,
                previous: item.position > 1 ? "\(base)?point=\(item.position - 1)" : nil,
                next: item.position < items.count ? "\(base)?point=\(item.position + 1)" : nil)
        }
        let decided = Set((read.minutes?.items ?? []).filter { $0.decision != nil }.map(\.id))
        let today = Day.today()
        return pages.page(
            "comite-meeting",
            MeetingView(
                shell: frame.shell(context), header: Header(frame, current: .meeting), error: error, notice: notice,
                mayRun: mayRun, awaitingHold: comite.stage == .agendaPublished,
                opensOn: comite.heldOn > today ? FrenchText.day(comite.heldOn) : nil,
                people: frame.cell.people.map {
                    .init(
                        userId: $0.userId.lowercased,
                        name: "\($0.name) (\(frame.organisationName($0.organisationId)))")
                },
                held: held,
                attendance: (read.minutes?.attendance ?? []).map {
                    Self.attendance($0, frame)
                },
                points: items.map {
                    .init(
                        href: "\(base)?point=\($0.position)", number: $0.position,
                        situation: Self.situation($0.householdName, $0.reference), decided: decided.contains($0.id),
                        current: $0.position == number)
                },
                point: point),
            status: status)
    }

    // MARK: The meeting's forms

    private func againMeeting(_ id: UUID, point: Int, _ context: AuthenticatedContext) -> (
        String, HTTPResponse.Status
    ) async throws -> Response {
        { error, status in try await meetingPage(id, point: point, context: context, error: error, status: status) }
    }

    /// Opens the meeting with who came: each person of the cell ticked present, the others
    /// recorded absent (the API's `POST …/hold`).
    @Sendable func hold(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try context.parameters.uuid("comiteId")
        let form = try await ConsoleForm.read(&request, context: context)
        // One checkbox per person, « present-{user id} »: a form's names are unique here.
        let present = Set(
            form.fields.keys.filter { $0.hasPrefix("present-") }.compactMap {
                UUID(uuidString: String($0.dropFirst("present-".count)))
            })
        return try await submit(
            next: "/comites/\(id.lowercased)/seance", notice: "seance-ouverte",
            again: againMeeting(id, point: 1, context)
        ) {
            _ = try await comites.hold(id, context: context) { cell in
                cell.people.map { .init(userId: $0.userId, present: present.contains($0.userId)) }
            }
        }
    }

    /// The decision on a situation, as the API's `POST …/items/{id}/decision` reads it.
    @Sendable func decide(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try context.parameters.uuid("comiteId")
        let item = try context.parameters.uuid("itemId")
        let form = try await ConsoleForm.read(&request, context: context)
        let point = form["point"].flatMap(Int.init) ?? 1
        func text(_ name: String) -> String? {
            form[name]?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        }
        let decision = form["decision"] ?? ""
        let discussion = text("discussion")
        // One objection per form: the room records them one at a time.
        var objections: [ComiteDecisionRequest.Objection] = []
        if let organisation = text("objectionOrganisation") {
            guard let organisationID = UUID(uuidString: organisation) else {
                return try await meetingPage(
                    id, point: point, context: context, error: "Choisissez l'organisation qui objecte.",
                    status: .unprocessableContent)
            }
            objections.append(.init(organisationId: organisationID, reason: form["objectionReason"] ?? ""))
        }
        let body = ComiteDecisionRequest(
            decision: decision, detail: text("detail"), discussion: discussion,
            discussionLevel: discussion == nil ? nil : form["discussionLevel"], objections: objections,
            end: decision == ComiteDecisionKind.endAccompaniment.rawValue
                ? EndRequest(outcome: form["outcome"] ?? "", endedOn: form["endedOn"] ?? "") : nil)
        return try await submit(
            next: "/comites/\(id.lowercased)/seance?point=\(point)", notice: "decision-enregistree",
            again: againMeeting(id, point: point, context)
        ) {
            _ = try await comites.decide(item, of: id, body, context: context)
        }
    }

    /// An action decided on a situation: its owner (an organisation of the cell, or one of its
    /// people) and its due day, as the API's `POST …/items/{id}/actions` reads them.
    @Sendable func addAction(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try context.parameters.uuid("comiteId")
        let item = try context.parameters.uuid("itemId")
        let form = try await ConsoleForm.read(&request, context: context)
        let point = form["point"].flatMap(Int.init) ?? 1
        // « organisation|person » for a person of the cell, « organisation » for the organisation.
        let owner = (form["owner"] ?? "").split(separator: "|").map { UUID(uuidString: String($0)) }
        return try await submit(
            next: "/comites/\(id.lowercased)/seance?point=\(point)", notice: "action-ajoutee",
            again: againMeeting(id, point: point, context)
        ) {
            guard let organisation = owner.first ?? nil, owner.count <= 2, owner.allSatisfy({ $0 != nil }) else {
                throw Problem.unprocessable("Choisissez à qui l'action est confiée.", field: "ownerOrganisationId")
            }
            _ = try await comites.addAction(
                to: item, of: id,
                NewActionRequest(
                    description: form["description"] ?? "", ownerOrganisationId: organisation,
                    ownerUserId: owner.count == 2 ? owner[1] : nil, dueOn: form["dueOn"] ?? "",
                    level: form["level"]),
                context: context)
        }
    }
}
