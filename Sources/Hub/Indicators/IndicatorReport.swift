import Foundation
import Tenancy

/// The programme's figures for one period, after disclosure control (R9): counts, their
/// predefined breakdowns, and the figures derived from them; each hidden cell says why.
struct IndicatorReport: Encodable, Sendable {
    struct Suppression: Encodable, Sendable, Equatable {
        let reason: SuppressionReason
        let label: String

        init(_ reason: SuppressionReason) {
            self.reason = reason
            label = reason.label
        }
    }

    struct Cell: Encodable, Sendable {
        let category: String
        @Null var value: Int?
        @Null var suppressed: Suppression?
    }

    struct Breakdown: Encodable, Sendable {
        let code: IndicatorBreakdown
        let label: String
        let cells: [Cell]
    }

    struct Counted: Encodable, Sendable {
        let code: String
        let label: String
        let definition: String
        let unit: IndicatorDefinition.Unit
        @Null var value: Int?
        @Null var suppressed: Suppression?
        let breakdowns: [Breakdown]
    }

    /// A derived figure whose denominator is 0 in the period: no value, and not a hidden cell
    /// either (nothing is protected); it says which count is 0.
    struct Undefined: Encodable, Sendable, Equatable {
        let reason = UndefinedReason.zeroDenominator
        let label: String

        init(denominator: String) {
            let name = IndicatorCatalogue.counted.first { $0.code == denominator }?.label ?? denominator
            label = "non calculable : « \(name) » vaut 0 sur la période"
        }
    }

    struct Derived: Encodable, Sendable {
        let code: String
        let label: String
        let definition: String
        let unit: IndicatorDefinition.Unit
        /// A decimal string (euros with cents, others with one decimal), never a float.
        @Null var value: String?
        @Null var suppressed: Suppression?
        @Null var undefined: Undefined?
    }

    /// What a derived figure comes to.
    enum Figure: Equatable {
        case value(String)
        /// One of its counts is hidden.
        case hidden
        /// The count it divides by is 0.
        case zeroDenominator(String)
    }

    struct Period: Encodable, Sendable {
        let code: String
        let label: String
        let from: String
        let to: String
    }

    let programmeId: UUID
    let programme: String
    let period: Period
    let threshold: Int
    @Null var refreshedAt: Date?
    let indicators: [Counted]
    let derived: [Derived]
    let hiddenCells: Int

    /// Every figure of `period` from the year's event rows and the period's stock rows.
    static func build(
        programme: (id: UUID, name: String, yearlyCents: Int64), period: EvaluationPeriod, events: [IndicatorRow],
        stocks: [IndicatorRow], threshold: Int, refreshedAt: Date?
    ) -> IndicatorReport {
        var counted: [Counted] = []
        var published: [String: IndicatorRow] = [:]
        var hiddenCells = 0
        for definition in IndicatorCatalogue.counted {
            let (rows, periods): ([IndicatorRow], [EvaluationPeriod]) =
                switch definition.source {
                case .events(let key):
                    (events.filter { $0.indicator == key }, EvaluationPeriod.lattice(of: period.year))
                case .stock(let key): (stocks.filter { $0.indicator == key }, [period])
                }
            let table = Self.table(definition, rows: rows, periods: periods)
            let hidden = DisclosureControl.suppress(table.counts, threshold: threshold)
            hiddenCells += hidden.keys.filter { $0.hasPrefix(period.code + "|") }.count
            let totalID = Self.cellID(period, nil)
            // A period without rows published a 0: the derived figures read it as one.
            let total =
                rows.first { $0.period == period.code && $0.dimension == "total" }
                ?? IndicatorRow(
                    indicator: definition.code, period: period.code, dimension: "total", category: nil, events: 0,
                    households: 0, amount: 0, months: 0)
            if hidden[totalID] == nil { published[definition.code] = total }
            counted.append(
                Counted(
                    code: definition.code, label: definition.label, definition: definition.definition,
                    unit: definition.unit, value: hidden[totalID] == nil ? table.counts.cells[totalID] ?? 0 : nil,
                    suppressed: hidden[totalID].map(Suppression.init),
                    breakdowns: definition.breakdowns.map { breakdown in
                        Breakdown(
                            code: breakdown, label: breakdown.label,
                            cells: (table.categories[breakdown] ?? []).map { category in
                                let id = Self.cellID(period, (breakdown, category))
                                return Cell(
                                    category: category,
                                    value: hidden[id] == nil ? table.counts.cells[id] ?? 0 : nil,
                                    suppressed: hidden[id].map(Suppression.init))
                            })
                    }))
        }
        // A figure whose count is hidden is hidden too; one whose denominator is 0 says so.
        let derived = IndicatorCatalogue.derived.map { figure in
            var derived = Derived(
                code: figure.code, label: figure.label, definition: figure.definition, unit: figure.unit, value: nil,
                suppressed: nil, undefined: nil)
            switch Self.value(of: figure.formula, published, period: period, yearlyCents: programme.yearlyCents) {
            case .value(let value): derived.value = value
            case .hidden: derived.suppressed = Suppression(.derivedFromHidden)
            case .zeroDenominator(let count): derived.undefined = Undefined(denominator: count)
            }
            return derived
        }
        let (from, to) = period.bounds
        return IndicatorReport(
            programmeId: programme.id, programme: programme.name,
            period: Period(
                code: period.code, label: period.label, from: Day(from).iso,
                to: Day(Calendar.utc.date(byAdding: .day, value: -1, to: to)!).iso),
            threshold: threshold, refreshedAt: refreshedAt, indicators: counted, derived: derived,
            hiddenCells: hiddenCells)
    }

    static func cellID(_ period: EvaluationPeriod, _ category: (IndicatorBreakdown, String)?) -> String {
        "\(period.code)|" + (category.map { "\($0.0.rawValue):\($0.1)" } ?? "total")
    }

    /// An indicator's cells over `periods` with their margins and, for the lattice, the sums
    /// binding a year to its quarters and a quarter to its months.
    static func table(_ definition: IndicatorDefinition, rows: [IndicatorRow], periods: [EvaluationPeriod])
        -> (counts: CountTable, categories: [IndicatorBreakdown: [String]])
    {
        var cells: [String: Int] = [:]
        var households: [String: Int] = [:]
        var categories: [IndicatorBreakdown: [String]] = [:]
        for breakdown in definition.breakdowns {
            categories[breakdown] = Array(
                Set(rows.filter { $0.dimension == breakdown.dimension }.map { $0.category ?? "nonRenseigne" })
            ).sorted()
        }
        for row in rows {
            if row.dimension == "total" {
                let period = EvaluationPeriod(row.period)!
                cells[cellID(period, nil)] = row.events
                households[cellID(period, nil)] = row.households
            }
            for breakdown in definition.breakdowns where row.dimension == breakdown.dimension {
                let id = cellID(EvaluationPeriod(row.period)!, (breakdown, row.category ?? "nonRenseigne"))
                cells[id] = row.events
                households[id] = row.households
            }
        }
        var equations: [CountTable.Equation] = []
        for period in periods {
            cells[cellID(period, nil), default: 0] += 0
            for (breakdown, names) in categories {
                for name in names { cells[cellID(period, (breakdown, name)), default: 0] += 0 }
                equations.append(
                    .init(total: cellID(period, nil), parts: names.map { cellID(period, (breakdown, $0)) }))
            }
            guard periods.count > 1, !period.parts.isEmpty else { continue }
            equations.append(.init(total: cellID(period, nil), parts: period.parts.map { cellID($0, nil) }))
            for (breakdown, names) in categories {
                for name in names {
                    equations.append(
                        .init(
                            total: cellID(period, (breakdown, name)),
                            parts: period.parts.map { cellID($0, (breakdown, name)) }))
                }
            }
        }
        return (CountTable(cells: cells, equations: equations, households: households), categories)
    }

    /// A derived figure from the published totals (every count not hidden, 0 included).
    static func value(
        of formula: DerivedIndicator.Formula, _ published: [String: IndicatorRow], period: EvaluationPeriod,
        yearlyCents: Int64
    ) -> Figure {
        func decimal(_ number: Double, places: Int = 1) -> Figure { .value(String(format: "%.\(places)f", number)) }
        switch formula {
        case .amountEuros(let of):
            return published[of].map { .value(EuroAmount(cents: $0.amount).description) } ?? .hidden
        case .months(let of):
            return published[of].map { .value(String($0.months)) } ?? .hidden
        case .meanMonths(let of):
            guard let row = published[of] else { return .hidden }
            guard row.events > 0 else { return .zeroDenominator(of) }
            return decimal(Double(row.amount) / Double(row.events) / 30.4375)
        case .share(let numerator, let denominator):
            guard let top = published[numerator], let bottom = published[denominator] else { return .hidden }
            guard bottom.households > 0 else { return .zeroDenominator(denominator) }
            return decimal(100 * Double(top.households) / Double(bottom.households))
        case .autonomy:
            // The stock's amount is the accompanied months, in hundredths.
            guard let meetings = published["meetingsHeld"], let followed = published["followed"] else {
                return .hidden
            }
            guard followed.amount > 0 else { return .zeroDenominator("followed") }
            return decimal(Double(meetings.events) / (Double(followed.amount) / 100), places: 2)
        case .costPerHousehold:
            guard let followed = published["followed"] else { return .hidden }
            guard followed.households > 0 else { return .zeroDenominator("followed") }
            let cents = Double(yearlyCents) * Double(period.days) / 365 / Double(followed.households)
            return .value(EuroAmount(cents: Int64(cents.rounded())).description)
        }
    }
}

/// The report as French spreadsheets open it: semicolons, decimal commas, UTF-8 with a BOM.
enum IndicatorCSV {
    static func document(_ report: IndicatorReport) -> String {
        // The first column is the indicator's code, an identifier that stays the same across reports.
        var lines = ["indicateur;libellé;ventilation;catégorie;valeur;unité;masquée;motif"]
        func field(_ text: String) -> String {
            text.contains(where: { ";\"\n\r".contains($0) })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func line(_ parts: [String]) { lines.append(parts.map(field).joined(separator: ";")) }
        for figure in report.indicators {
            line([
                figure.code, figure.label, "", "", figure.value.map(String.init) ?? "", figure.unit.label,
                figure.suppressed == nil ? "non" : "oui", figure.suppressed?.label ?? "",
            ])
            for breakdown in figure.breakdowns {
                for cell in breakdown.cells {
                    line([
                        figure.code, figure.label, breakdown.code.label, breakdown.code.categoryLabel(cell.category),
                        cell.value.map(String.init) ?? "", figure.unit.label, cell.suppressed == nil ? "non" : "oui",
                        cell.suppressed?.label ?? "",
                    ])
                }
            }
        }
        for figure in report.derived {
            line([
                figure.code, figure.label, "", "", figure.value?.replacingOccurrences(of: ".", with: ",") ?? "",
                figure.unit.label, figure.suppressed == nil ? "non" : "oui",
                figure.suppressed?.label ?? figure.undefined?.label ?? "",
            ])
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }
}
