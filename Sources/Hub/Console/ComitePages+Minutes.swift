import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// The minutes (validated, diffused, corrected by errata after diffusion; printable as they
/// show) and the print pack: the agenda and one page per situation, for the reader who prints
/// it and redacted for them, as every page is.
extension ComitePages {
    struct MinutesView {
        let shell: Shell
        let header: Header
        let error: String?
        let notice: String?
        let cellName: String
        let versionText: String
        let attendance: [String]
        let items: [Item]
        let errata: [String]
        let hasErrata: Bool
        let mayValidate: Bool
        let mayDiffuse: Bool
        let mayCorrect: Bool
        let itemChoices: [Choice]
        let levels: [Choice]
        let printedFor: String

        struct Item {
            let number: Int
            let householdId: String
            let situation: String
            let reasons: [String]
            let decision: DecisionText?
            let actions: [ActionText]
        }
    }

    @Sendable func minutes(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await minutesPage(try context.parameters.uuid("comiteId"), context: context, notice: Self.notice(request))
    }

    /// The minutes as the API's `GET …/minutes` reads them for this reader, in its
    /// `comite.minutes.read` record.
    func minutesPage(
        _ id: UUID, context: AuthenticatedContext, error: String? = nil, notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (frame, minutes) = try await frame(id, action: "comite.minutes.read", context: context) {
            connection, _, comite, cell in
            guard [.held, .minutesValidated, .minutesDiffused].contains(comite.stage) else {
                throw Problem.conflict("Le compte-rendu est rédigé une fois le comité tenu.")
            }
            let minutes = try await comites.loadMinutes(id, cell: cell, version: nil, on: connection, context: context)
            return (minutes, .disclosed(minutes.items.map(\.householdId), minutes.levels))
        }
        let mayRun = frame.isFacilitator(context.actor)
        let stage = frame.comite.stage
        // Versions numbered among the errata this reader may read (R7): « version 3 » would
        // tell a partner of a correction they may not read.
        let errata = minutes.errata.sorted { $0.version < $1.version }
        return pages.page(
            "comite-minutes",
            MinutesView(
                shell: frame.shell(context), header: Header(frame, current: .minutes), error: error, notice: notice,
                cellName: minutes.cellName,
                versionText: minutes.draft
                    ? "Projet de compte-rendu, non validé."
                    : "Version \(1 + errata.count), \(stage.label).",
                attendance: minutes.attendance.map {
                    Self.attendance($0, frame)
                },
                items: minutes.items.map { item in
                    .init(
                        number: item.position, householdId: item.householdId.lowercased,
                        situation: Self.situation(item.householdName, item.reference),
                        reasons: item.reasons.map { Self.reason($0, frame) },
                        decision: item.decision.map(DecisionText.init),
                        actions: item.actions.map(ActionText.init))
                },
                errata: errata.enumerated().map { index, erratum in
                    let item = minutes.items.first { $0.id == erratum.itemId }
                    return "Version \(index + 2)\(item.map { ", point \($0.position)" } ?? "") : \(erratum.body)"
                },
                hasErrata: !minutes.errata.isEmpty, mayValidate: mayRun && stage == .held,
                mayDiffuse: mayRun && stage == .minutesValidated,
                mayCorrect: mayRun && stage == .minutesDiffused,
                itemChoices: minutes.items.map {
                    Choice(
                        value: $0.id.lowercased,
                        label: "Point \($0.position) : \(Self.situation($0.householdName, $0.reference))")
                },
                levels: Self.writableLevels(context.actor),
                printedFor: Self.printedFor(frame)),
            status: status)
    }

    /// Who a printed page was prepared for, and when: a printed page leaves the hub's control.
    static func printedFor(_ frame: Frame) -> String {
        "Document confidentiel préparé pour \(frame.me.user.displayName) (\(frame.me.organisation.name)) le \(FrenchText.moment(Date())). Il ne contient que ce que cette personne peut lire."
    }

    private func againMinutes(_ id: UUID, _ context: AuthenticatedContext) -> (String, HTTPResponse.Status) async throws
        -> Response
    {
        { error, status in try await minutesPage(id, context: context, error: error, status: status) }
    }

    @Sendable func validate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("comiteId")
        return try await submit(
            next: "/comites/\(id.lowercased)/compte-rendu", notice: "cr-valide", again: againMinutes(id, context)
        ) {
            _ = try await comites.validate(id, context: context)
        }
    }

    @Sendable func diffuse(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("comiteId")
        return try await submit(
            next: "/comites/\(id.lowercased)/compte-rendu", notice: "cr-diffuse", again: againMinutes(id, context)
        ) {
            _ = try await comites.diffuse(id, context: context)
        }
    }

    @Sendable func addErratum(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let id = try context.parameters.uuid("comiteId")
        let form = try await ConsoleForm.read(&request, context: context)
        return try await submit(
            next: "/comites/\(id.lowercased)/compte-rendu", notice: "erratum-diffuse", again: againMinutes(id, context)
        ) {
            var item: UUID?
            if let raw = form["itemId"]?.nilIfEmpty {
                guard let parsed = UUID(uuidString: raw) else {
                    throw Problem.unprocessable("Ce point n'est pas à l'ordre du jour de ce comité.", field: "itemId")
                }
                item = parsed
            }
            _ = try await comites.addErratum(
                to: id, NewErratumRequest(body: form["body"] ?? "", itemId: item, level: form["level"]),
                context: context)
        }
    }

    // MARK: The print pack

    struct PrintView {
        let shell: Shell
        let header: Header
        let printedFor: String
        let items: [Item]

        struct Item {
            let number: Int
            let householdId: String
            let situation: String
            let reasons: [String]
            let sections: [SheetSection]
            let hasSheet: Bool
        }
    }

    /// The agenda, then one page per situation with its frozen sheet, as this reader may read
    /// them, in one `comite.sheet.read` record.
    @Sendable func printPack(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("comiteId")
        let (frame, (shown, sheets)) = try await frame(id, action: "comite.sheet.read", context: context) {
            connection, _, comite, _ in
            guard comite.stage != .cancelled else { throw Problem.conflict("Le comité est annulé.") }
            let (shown, sheets, disclosure) = try await comites.loadSheets(
                of: comite, on: connection, context: context)
            return ((shown, sheets), disclosure)
        }
        let bySheet = Dictionary(uniqueKeysWithValues: sheets.map { ($0.itemId, $0) })
        return pages.page(
            "comite-print",
            PrintView(
                shell: frame.shell(context), header: Header(frame, current: .printPack),
                printedFor: Self.printedFor(frame),
                items: (shown.agenda ?? []).map { item in
                    let entries = bySheet[item.id]?.entries ?? []
                    return .init(
                        number: item.position, householdId: item.householdId.lowercased,
                        situation: Self.situation(item.householdName, item.reference),
                        reasons: item.reasons.map { Self.reason($0, frame) }, sections: SheetSection.of(entries),
                        hasSheet: !entries.isEmpty)
                }))
    }
}
