import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// « Indicateurs » (issue 22, item 5): the evaluator's dashboard, and that of a programme's
/// members who follow households. A programme, or a regroupement the reader reads as a whole
/// (its programmes' ids, comma-separated, as the pooled route takes them), and a period;
/// each figure as a chart
/// (server-rendered SVG, no script) followed by its data table; recoded breakdowns say their
/// level and period, and suppressed cells read « secret statistique ». The report is the
/// API's own (`IndicatorsController.document`: the same door, the same stored report, the
/// same audit record); the CSV is the route's; the page prints as it is.
struct IndicatorPages: Sendable {
    let client: PostgresClient
    let pages: ConsolePages
    let policy: DisclosurePolicy
    var indicators: IndicatorsController { IndicatorsController(client: client, policy: policy) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("indicateurs", use: dashboard)
        group.get("indicateurs/tableur", use: spreadsheet)
    }

    // MARK: Views

    struct DashboardView {
        let shell: Shell
        let programmes: [Choice]
        let pools: [Choice]
        let hasPools: Bool
        let hasProgrammes: Bool
        let period: String
        let report: ReportView?

        struct Choice {
            let id: String
            let name: String
            let selected: Bool
        }
    }

    struct ReportView {
        /// The programme's name, or « Regroupement … » and its programmes.
        let programme: String
        let periodLabel: String
        let threshold: Int
        let refreshed: String
        let hiddenText: String
        let csvLink: String
        let overview: Chart
        let sections: [Section]
        let derived: [DerivedRow]
    }

    struct Section {
        let id: String
        let label: String
        let definition: String
        let valueText: String
        let secret: Bool
        let breakdowns: [Chart]
    }

    /// A horizontal bar chart and, after it, the same figures as a table.
    struct Chart {
        let id: String
        let title: String
        /// Level and period, for a breakdown; « recodé » when coarser than the report asked.
        let levelText: String?
        let recoded: Bool
        let height: Int
        let bars: [Bar]
        /// A breakdown of nothing says so in words: no empty chart, no empty table.
        let hasBars: Bool

        struct Bar {
            let label: String
            let y: Int
            let textY: Int
            let width: Int
            let valueX: Int
            let valueText: String
            let secret: Bool
            let reason: String?
        }

        static let labelWidth = 360
        static let barSpace = 260
        /// Where labels end and bars begin, in the 720-unit-wide drawing.
        let labelX = Self.labelWidth - 8
        let barX = Self.labelWidth

        init(
            id: String, title: String, levelText: String? = nil, recoded: Bool = false, cells: [(String, Int?, String?)]
        ) {
            self.id = id
            self.title = title
            self.levelText = levelText
            self.recoded = recoded
            let largest = max(cells.compactMap(\.1).max() ?? 0, 1)
            bars = cells.enumerated().map { index, cell in
                let (label, value, reason) = cell
                let width = value.map { Int((Double(Self.barSpace) * Double($0) / Double(largest)).rounded()) } ?? 0
                return Bar(
                    label: label, y: 8 + 28 * index, textY: 24 + 28 * index,
                    width: value == nil ? Self.barSpace : width,
                    valueX: Self.labelWidth + (value == nil ? 8 : width + 6),
                    valueText: value.map(String.init) ?? "secret statistique", secret: value == nil, reason: reason)
            }
            height = 16 + 28 * cells.count
            hasBars = !cells.isEmpty
        }
    }

    struct DerivedRow {
        let label: String
        let definition: String
        let valueText: String
        let secret: Bool
        let note: String?
    }

    /// The stored report as the API serves it: what the page reads of it.
    struct Published: Decodable {
        struct Suppression: Decodable { let label: String }
        struct Cell: Decodable {
            let category: String
            let label: String
            let value: Int?
            let suppressed: Suppression?
        }
        struct Breakdown: Decodable {
            let code: IndicatorBreakdown
            let label: String
            let level: BreakdownLevel
            let levelLabel: String
            let period: String
            let periodLabel: String
            let cells: [Cell]
        }
        struct Counted: Decodable {
            let code: String
            let label: String
            let definition: String
            let unit: IndicatorDefinition.Unit
            let value: Int?
            let suppressed: Suppression?
            let breakdowns: [Breakdown]
        }
        struct Undefined: Decodable { let label: String }
        struct Derived: Decodable {
            let code: String
            let label: String
            let definition: String
            let unit: IndicatorDefinition.Unit
            let value: String?
            let suppressed: Suppression?
            let undefined: Undefined?
        }
        struct Period: Decodable {
            let code: String
            let label: String
        }
        struct Pool: Decodable {
            struct Member: Decodable { let name: String }
            let name: String
            let programmes: [Member]
        }
        let programme: String?
        let pool: Pool?
        let period: Period
        let threshold: Int
        let refreshedAt: Date?
        let indicators: [Counted]
        let derived: [Derived]
        let hiddenCells: Int
    }

    // MARK: Routes

    /// The form, and the report once a programme and a period are chosen.
    @Sendable func dashboard(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        let query = request.uri.queryParameters
        let (me, programmes, pools) = try await client.withActor(actor, logger: context.logger) { connection in
            (
                try await Me.load(actor, on: connection, logger: context.logger),
                try await Programmes.list(on: connection, after: nil, limit: 100, logger: context.logger),
                try await IndicatorStore.readablePools(on: connection, logger: context.logger)
            )
        }
        // The programmes whose indicators this reader reads (the route's rule).
        let readable = programmes.filter { programme in
            let mine = programme.partners.first { $0.organisation.id == actor.organisationID }?.parts ?? []
            return (mine.contains(.evaluator) && actor.has(.evaluator)) || AccessRules.worksOnHouseholds(actor)
        }
        let chosen = query["programme"].map(String.init)
        let periodText =
            query["periode"].map(String.init) ?? String(Calendar.utc.component(.year, from: Date()) - 1)
        var report: ReportView?
        if let chosen {
            let period = try Self.period(periodText)
            let json = try await document(of: try Self.subject(chosen), period: period, csv: false, context: context)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            report = Self.view(
                try decoder.decode(Published.self, from: Data(json.utf8)), subject: chosen.lowercased(), asked: period)
        }
        let poolChoices = pools.map { pool in
            let ids = pool.programmes.map { $0.uuidString.lowercased() }.joined(separator: ",")
            return DashboardView.Choice(
                id: ids, name: "Regroupement « \(pool.name) » (\(pool.programmes.count) programmes)",
                selected: ids == chosen?.lowercased())
        }
        var shell = Shell(me, actor: actor, csrf: context.csrfToken ?? "")
        shell.onIndicators = true
        return pages.page(
            "indicators",
            DashboardView(
                shell: shell,
                programmes: readable.map {
                    .init(
                        id: $0.id.uuidString.lowercased(), name: $0.name,
                        selected: $0.id.uuidString.lowercased() == chosen?.lowercased()
                            || (readable.count == 1 && chosen == nil))
                },
                pools: poolChoices, hasPools: !poolChoices.isEmpty, hasProgrammes: !readable.isEmpty,
                period: periodText, report: report))
    }

    /// A programme's id, or a regroupement's programmes' ids separated by commas; anything
    /// else is no programme of the reader's (404).
    static func subject(_ chosen: String) throws -> [UUID] {
        let listed = chosen.split(separator: ",")
        let ids = listed.compactMap { UUID(uuidString: String($0)) }
        guard !ids.isEmpty, ids.count == listed.count, Set(ids).count == ids.count else {
            throw Problem.notFound
        }
        return ids
    }

    /// The programme's report, or the regroupement's: the API's own (same door, same
    /// stored report, same audit record).
    func document(of ids: [UUID], period: EvaluationPeriod, csv: Bool, context: AuthenticatedContext)
        async throws -> String
    {
        if ids.count == 1 {
            return try await indicators.document(of: ids[0], period: period, csv: csv, context: context)
        }
        return try await indicators.pooledDocument(of: ids, period: period, csv: csv, context: context)
    }

    /// The report as a spreadsheet: the route's CSV.
    @Sendable func spreadsheet(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let query = request.uri.queryParameters
        let ids = try Self.subject(query["programme"].map(String.init) ?? "")
        let period = try Self.period(query["periode"].map(String.init) ?? "")
        let csv = try await document(of: ids, period: period, csv: true, context: context)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"indicateurs-\(period.code).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    static func period(_ text: String) throws -> EvaluationPeriod {
        guard let period = EvaluationPeriod(text.trimmingCharacters(in: .whitespaces)) else {
            throw Problem.badRequest(
                "La période est une année (2025), un trimestre (2025-Q2) ou un mois (2025-03).", field: "periode")
        }
        return period
    }

    static func view(_ report: Published, subject: String, asked: EvaluationPeriod) -> ReportView {
        let sections = report.indicators.map { figure in
            Section(
                id: figure.code, label: figure.label, definition: figure.definition,
                valueText: figure.value.map { "\($0) \(figure.unit.label)" } ?? "secret statistique",
                secret: figure.value == nil,
                breakdowns: figure.breakdowns.map { breakdown in
                    let recoded = breakdown.level != .detailed || breakdown.period != asked.code
                    return Chart(
                        id: "\(figure.code)-\(breakdown.code.rawValue)", title: "\(figure.label), \(breakdown.label)",
                        levelText: "\(breakdown.levelLabel), \(breakdown.periodLabel)", recoded: recoded,
                        cells: breakdown.cells.map {
                            ($0.label, $0.value, $0.suppressed?.label)
                        })
                })
        }
        let derived = report.derived.map { figure in
            DerivedRow(
                label: figure.label, definition: figure.definition,
                valueText: figure.value.map { Self.decimal($0, unit: figure.unit) }
                    ?? (figure.suppressed == nil ? "non calculable" : "secret statistique"),
                secret: figure.suppressed != nil, note: figure.suppressed?.label ?? figure.undefined?.label)
        }
        let name =
            report.pool.map { pool in
                "Regroupement « \(pool.name) » : \(pool.programmes.map(\.name).joined(separator: ", "))"
            } ?? report.programme ?? ""
        return ReportView(
            programme: name, periodLabel: report.period.label, threshold: report.threshold,
            refreshed: report.refreshedAt.map(FrenchText.moment) ?? "jamais",
            hiddenText: FrenchText.count(report.hiddenCells, "case masquée", "cases masquées"),
            csvLink:
                "/indicateurs/tableur?programme=\(subject)&periode=\(report.period.code)",
            overview: Chart(
                id: "ensemble", title: "Dénombrements de la période",
                cells: report.indicators.map { ($0.label, $0.value, $0.suppressed?.label) }),
            sections: sections, derived: derived)
    }

    /// A decimal of the API (a point) in French (a comma), with its unit.
    static func decimal(_ value: String, unit: IndicatorDefinition.Unit) -> String {
        let french = value.replacingOccurrences(of: ".", with: ",")
        return switch unit {
        case .euros: "\(french) €"
        case .percent: "\(french) %"
        default: "\(french) \(unit.label)"
        }
    }
}
