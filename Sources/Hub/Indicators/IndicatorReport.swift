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
        /// The category in French: a landlord's name for the landlord breakdown.
        let label: String
        @Null var value: Int?
        @Null var suppressed: Suppression?
    }

    /// A breakdown as published: at the level and over the period recoding chose (the finest
    /// with no cell under the threshold), then what suppression could not save.
    struct Breakdown: Encodable, Sendable {
        let code: IndicatorBreakdown
        let label: String
        let level: BreakdownLevel
        let levelLabel: String
        /// The period its cells count: the report's, or a wider one holding it.
        let period: String
        let periodLabel: String
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

        private init(label: String) { self.label = label }

        /// A share of answers nobody gave (satisfaction), whose counts are not published.
        static let noAnswer = Undefined(label: "non calculable : aucun ménage n'a répondu sur la période")
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
        /// Hidden under its own control (satisfaction), for this reason.
        case suppressed(SuppressionReason)
        /// A share of answers nobody gave.
        case noAnswer
        /// The count it divides by is 0.
        case zeroDenominator(String)
    }

    struct Period: Encodable, Sendable {
        let code: String
        let label: String
        let from: String
        let to: String
    }

    /// The regroupement a pooled report counts (its programmes' figures summed).
    struct Pool: Encodable, Sendable {
        struct Member: Encodable, Sendable {
            let id: UUID
            let name: String
        }

        let name: String
        let programmes: [Member]
    }

    /// A programme's report names it; a pool's names the pool instead (the absent ones are
    /// left out of the JSON).
    let programmeId: UUID?
    let programme: String?
    let pool: Pool?
    let period: Period
    let threshold: Int
    @Null var refreshedAt: Date?
    let indicators: [Counted]
    let derived: [Derived]
    let hiddenCells: Int

    /// Every report of a programme's year, one per period of its lattice (the year, its
    /// quarters and months), from the year's event rows (`groups`: the coarser categories'
    /// own counts) and each period's stock rows. One release per indicator covers the whole
    /// year, so that no two of these reports, read together, give away a hidden cell.
    /// `landlords` names the landlords (organisations) the landlord breakdown counts.
    static func year(
        programme: (id: UUID, name: String, yearlyCents: Int64), year: Int, events: [IndicatorRow],
        groups: [IndicatorRow], stocks: [IndicatorRow], landlords: [String: String] = [:], threshold: Int,
        refreshedAt: Date?
    ) -> [EvaluationPeriod: IndicatorReport] {
        let rollUp = RollUp(events: events, groups: groups, stocks: stocks)
        return reports(
            subject: (programme.id, programme.name, nil), yearlyCents: programme.yearlyCents, year: year,
            rollUp: rollUp, landlords: landlords, threshold: threshold, refreshedAt: refreshedAt,
            satisfaction: satisfaction(events, year: year, threshold: threshold)
        ) { definition, table in
            DisclosureControl.release(table.recoded, threshold: definition.threshold(threshold))
        }
    }

    /// A programme of a pool: its roll-up and its own threshold.
    struct PoolMember: Sendable {
        let id: UUID
        let name: String
        let yearlyCents: Int64
        let rollUp: RollUp
        let threshold: Int
    }

    /// Every report of a pool's year: its programmes' rows summed, the highest of their
    /// thresholds, and each indicator released beside each programme's own release
    /// (`DisclosureControl.release(pool:threshold:members:)`), so that the pool read with any
    /// of its programmes gives none of their hidden cells away.
    static func pooled(
        name: String, members: [PoolMember], year: Int, landlords: [String: String], refreshedAt: Date?
    ) -> [EvaluationPeriod: IndicatorReport] {
        let periods = EvaluationPeriod.lattice(of: year)
        let rollUp = RollUp.sum(members.map(\.rollUp))
        let threshold = members.map(\.threshold).max() ?? DisclosureControl.defaultThreshold
        // A programme's satisfaction share gives its counts away: the pool's share is
        // published only where each of its programmes publishes its own (or had no answer).
        var satisfaction = Self.satisfaction(rollUp.events, year: year, threshold: threshold)
        for member in members {
            for (period, figure) in Self.satisfaction(member.rollUp.events, year: year, threshold: member.threshold) {
                if case .suppressed = figure, case .value = satisfaction[period] {
                    satisfaction[period] = .suppressed(.complementary)
                }
            }
        }
        return reports(
            subject: (nil, nil, Pool(name: name, programmes: members.map { .init(id: $0.id, name: $0.name) })),
            yearlyCents: members.reduce(0) { $0 + $1.yearlyCents }, year: year, rollUp: rollUp, landlords: landlords,
            threshold: threshold, refreshedAt: refreshedAt, satisfaction: satisfaction
        ) { definition, table in
            let releases = members.map { member in
                let (rows, additive) = member.rollUp.rows(for: definition)
                let own = YearTable(definition, rows: rows, periods: periods, additive: additive)
                let threshold = definition.threshold(member.threshold)
                return PooledMember(
                    recoded: own.recoded, release: DisclosureControl.release(own.recoded, threshold: threshold),
                    threshold: threshold)
            }
            return DisclosureControl.release(
                pool: table.recoded, threshold: definition.threshold(threshold), members: releases)
        }
    }

    /// The reports of a programme's or a pool's year, each indicator released by `release`.
    static func reports(
        subject: (programmeId: UUID?, programme: String?, pool: Pool?), yearlyCents: Int64, year: Int,
        rollUp: RollUp, landlords: [String: String], threshold: Int, refreshedAt: Date?,
        satisfaction: [EvaluationPeriod: Figure], release: (IndicatorDefinition, YearTable) -> Release
    ) -> [EvaluationPeriod: IndicatorReport] {
        let periods = EvaluationPeriod.lattice(of: year)
        var counted: [EvaluationPeriod: [Counted]] = [:]
        var hiddenCells: [EvaluationPeriod: Int] = [:]
        var published: [EvaluationPeriod: [String: IndicatorRow]] = [:]
        for definition in IndicatorCatalogue.counted {
            let (rows, additive) = rollUp.rows(for: definition)
            let table = YearTable(definition, rows: rows, periods: periods, additive: additive)
            let release = release(definition, table)
            for period in periods {
                let totalID = YearTable.cellID(period, nil)
                let total =
                    rows.first { $0.period == period.code && $0.dimension == "total" }
                    ?? IndicatorRow(
                        indicator: definition.code, period: period.code, dimension: "total", category: nil, events: 0,
                        households: 0, amount: 0, months: 0)
                // A period without rows published a 0: the derived figures read it as one.
                if release.hidden[totalID] == nil { published[period, default: [:]][definition.code] = total }
                var shown = [totalID]
                let breakdowns = definition.breakdowns.map { breakdown in
                    let slot = table.slot[YearTable.slotKey(period.granularity, breakdown)]!
                    let (granularity, level) = table.options[slot][release.chosen[slot]]
                    let over = period.within(granularity)
                    let cells = (table.categories[breakdown.levelKey(level)] ?? []).map { category in
                        let id = YearTable.cellID(over, (breakdown, level, category))
                        shown.append(id)
                        return Cell(
                            category: category,
                            label: breakdown == .landlord
                                ? landlords[category] ?? "bailleur non renseigné"
                                : breakdown.categoryLabel(category, at: level),
                            value: release.hidden[id] == nil ? table.recoded.table.cells[id] ?? 0 : nil,
                            suppressed: release.hidden[id].map(Suppression.init))
                    }
                    return Breakdown(
                        code: breakdown, label: breakdown.label, level: level, levelLabel: breakdown.levelLabel(level),
                        period: over.code, periodLabel: over.label, cells: cells)
                }
                hiddenCells[period, default: 0] += shown.filter { release.hidden[$0] != nil }.count
                counted[period, default: []].append(
                    Counted(
                        code: definition.code, label: definition.label, definition: definition.definition,
                        unit: definition.unit,
                        value: release.hidden[totalID] == nil ? table.recoded.table.cells[totalID] ?? 0 : nil,
                        suppressed: release.hidden[totalID].map(Suppression.init), breakdowns: breakdowns))
            }
        }
        var reports: [EvaluationPeriod: IndicatorReport] = [:]
        for period in periods {
            // A figure whose count is hidden is hidden too; one whose denominator is 0 says so.
            let derived = IndicatorCatalogue.derived.map { figure in
                var derived = Derived(
                    code: figure.code, label: figure.label, definition: figure.definition, unit: figure.unit,
                    value: nil, suppressed: nil, undefined: nil)
                let value =
                    if case .satisfaction = figure.formula {
                        satisfaction[period] ?? .noAnswer
                    } else {
                        Self.value(
                            of: figure.formula, published[period] ?? [:], period: period,
                            yearlyCents: yearlyCents)
                    }
                switch value {
                case .value(let value): derived.value = value
                case .hidden: derived.suppressed = Suppression(.derivedFromHidden)
                case .suppressed(let reason): derived.suppressed = Suppression(reason)
                case .zeroDenominator(let count): derived.undefined = Undefined(denominator: count)
                case .noAnswer: derived.undefined = .noAnswer
                }
                return derived
            }
            let (from, to) = period.bounds
            reports[period] = IndicatorReport(
                programmeId: subject.programmeId, programme: subject.programme, pool: subject.pool,
                period: Period(
                    code: period.code, label: period.label, from: Day(from).iso,
                    to: Day(Calendar.utc.date(byAdding: .day, value: -1, to: to)!).iso),
                threshold: threshold, refreshedAt: refreshedAt, indicators: counted[period] ?? [], derived: derived,
                hiddenCells: hiddenCells[period] ?? 0)
        }
        return reports
    }

    /// One indicator's cells over a year: every period of the lattice, the total and each
    /// breakdown's categories at each of its levels, and the equations a reader knows (a
    /// total is the sum of its categories, a coarser category of its finer ones, and for
    /// events a year of its quarters, a quarter of its months). A breakdown chooses once for
    /// the reports of each granularity (the year's, the quarters', the months'): its options
    /// run from its finest level over every period of that granularity to its coarsest over
    /// the year, and it takes the first with no small cell in any of those periods — a
    /// quarter widened to the year while its neighbours are published would be the year
    /// minus the neighbours. When none is clean: the coarsest over the year, with suppression.
    struct YearTable {
        let recoded: RecodedTable
        /// Each level's categories (`IndicatorBreakdown.levelKey`), present somewhere in the year.
        let categories: [String: [String]]
        let options: [[(EvaluationPeriod.Granularity, BreakdownLevel)]]
        let slot: [String: Int]

        static func cellID(_ period: EvaluationPeriod, _ category: (IndicatorBreakdown, BreakdownLevel, String)?)
            -> String
        {
            guard let (breakdown, level, name) = category else { return "\(period.code)|total" }
            return "\(period.code)|\(breakdown.levelKey(level)):\(name)"
        }

        static func slotKey(_ granularity: EvaluationPeriod.Granularity, _ breakdown: IndicatorBreakdown) -> String {
            "\(granularity)|\(breakdown.rawValue)"
        }

        init(_ definition: IndicatorDefinition, rows: [IndicatorRow], periods: [EvaluationPeriod], additive: Bool) {
            var cells: [String: Int] = [:]
            var households: [String: Int] = [:]
            var categories: [String: [String]] = [:]
            for breakdown in definition.breakdowns {
                let fine = Set(
                    rows.filter { $0.dimension == breakdown.dimension }.map { $0.category ?? "nonRenseigne" }
                ).sorted()
                categories[breakdown.levelKey(.detailed)] = fine
                for level in breakdown.levels where level != .detailed {
                    categories[breakdown.levelKey(level)] = Set(fine.map { breakdown.category($0, at: level) }).sorted()
                }
            }
            for row in rows {
                guard let period = EvaluationPeriod(row.period) else { continue }
                if row.dimension == "total" {
                    cells[Self.cellID(period, nil)] = row.events
                    households[Self.cellID(period, nil)] = row.households
                }
                for breakdown in definition.breakdowns {
                    for level in breakdown.levels where row.dimension == breakdown.rowDimension(level) {
                        let id = Self.cellID(period, (breakdown, level, row.category ?? "nonRenseigne"))
                        cells[id] = row.events
                        households[id] = row.households
                    }
                }
            }
            var equations: [CountTable.Equation] = []
            for period in periods {
                let total = Self.cellID(period, nil)
                cells[total, default: 0] += 0
                for breakdown in definition.breakdowns {
                    let fine = categories[breakdown.levelKey(.detailed)] ?? []
                    for name in fine { cells[Self.cellID(period, (breakdown, .detailed, name)), default: 0] += 0 }
                    equations.append(
                        .init(total: total, parts: fine.map { Self.cellID(period, (breakdown, .detailed, $0)) }))
                    for level in breakdown.levels where level != .detailed {
                        for group in categories[breakdown.levelKey(level)] ?? [] {
                            let id = Self.cellID(period, (breakdown, level, group))
                            let members = fine.filter { breakdown.category($0, at: level) == group }
                                .map { Self.cellID(period, (breakdown, .detailed, $0)) }
                            if additive {
                                cells[id, default: 0] += 0
                            } else {
                                // A stock's households are one per category: the coarser counts are sums.
                                cells[id] = members.reduce(0) { $0 + (cells[$1] ?? 0) }
                                households[id] = cells[id]
                            }
                            equations.append(.init(total: id, parts: members))
                        }
                    }
                }
                guard additive, !period.parts.isEmpty else { continue }
                equations.append(.init(total: total, parts: period.parts.map { Self.cellID($0, nil) }))
                for breakdown in definition.breakdowns {
                    for name in categories[breakdown.levelKey(.detailed)] ?? [] {
                        equations.append(
                            .init(
                                total: Self.cellID(period, (breakdown, .detailed, name)),
                                parts: period.parts.map { Self.cellID($0, (breakdown, .detailed, name)) }))
                    }
                }
            }
            var options: [[(EvaluationPeriod.Granularity, BreakdownLevel)]] = []
            var slots: [RecodedTable.Slot] = []
            var slot: [String: Int] = [:]
            let year = periods.first { $0.granularity == .year }!.year
            for granularity in EvaluationPeriod.Granularity.allCases {
                for breakdown in definition.breakdowns {
                    // A coarser level of a single category would be the total again.
                    let levels = breakdown.levels.filter {
                        $0 == .detailed || (categories[breakdown.levelKey($0)] ?? []).count > 1
                    }
                    let choices = EvaluationPeriod.Granularity.allCases.filter { $0 >= granularity }.flatMap { over in
                        levels.map { (over, $0) }
                    }
                    slot[Self.slotKey(granularity, breakdown)] = options.count
                    options.append(choices)
                    slots.append(
                        .init(
                            options: choices.map { over, level in
                                over.periods(in: year).flatMap { period in
                                    (categories[breakdown.levelKey(level)] ?? []).map {
                                        Self.cellID(period, (breakdown, level, $0))
                                    }
                                }
                            },
                            fallback: choices.count - 1))
                }
            }
            recoded = RecodedTable(
                table: CountTable(cells: cells, equations: equations, households: households),
                always: periods.map { Self.cellID($0, nil) }, slots: slots,
                headline: [Self.cellID(periods.first { $0.granularity == .year }!, nil)])
            self.categories = categories
            self.options = options
            self.slot = slot
        }
    }

    /// The satisfaction share of every period of the year, from the roll-up's answers (its
    /// `satisfied` and `notSatisfied` details), which no report publishes.
    static func satisfaction(_ events: [IndicatorRow], year: Int, threshold: Int) -> [EvaluationPeriod: Figure] {
        var tallies: [EvaluationPeriod: SatisfactionShare.Tally] = [:]
        for row in events where row.indicator == "satisfaction" {
            guard let period = EvaluationPeriod(row.period) else { continue }
            var tally = tallies[period] ?? SatisfactionShare.Tally(satisfied: 0, notSatisfied: 0)
            switch (row.dimension, row.category) {
            case ("total", _): tally.households = row.households
            case ("detail", "satisfied"?): (tally.satisfied, tally.satisfiedHouseholds) = (row.events, row.households)
            case ("detail", "notSatisfied"?):
                (tally.notSatisfied, tally.notSatisfiedHouseholds) = (row.events, row.households)
            default: continue
            }
            tallies[period] = tally
        }
        return SatisfactionShare.release(tallies, year: year, threshold: threshold).mapValues { figure in
            switch figure {
            case .share(let share): .value(share)
            case .suppressed(let reason): .suppressed(reason)
            case .noAnswer: .noAnswer
            }
        }
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
        case .satisfaction:
            // Never from counts: `satisfaction(_:year:threshold:)` under its own control.
            return .hidden
        }
    }
}

/// A programme's roll-up rows for a year, or a pool's: the events, the coarser categories'
/// own counts (`IndicatorStore.groups`) and the stocks.
struct RollUp: Sendable {
    var events: [IndicatorRow]
    var groups: [IndicatorRow]
    var stocks: [IndicatorRow]

    /// An indicator's rows, and whether its periods add up (events do, stocks do not).
    func rows(for definition: IndicatorDefinition) -> (rows: [IndicatorRow], additive: Bool) {
        switch definition.source {
        case .events(let key): ((events + groups).filter { $0.indicator == key }, true)
        case .stock(let key): (stocks.filter { $0.indicator == key }, false)
        case .sessions(let key): (events.filter { $0.indicator == key }.map { $0.counting(\.events) }, true)
        case .participants(let key):
            (events.filter { $0.indicator == key }.map { $0.counting { Int($0.amount) } }, true)
        }
    }

    /// Several programmes' rows summed cell by cell: a household belongs to one programme,
    /// so a pool's distinct households are the sum of its programmes'.
    static func sum(_ rollUps: [RollUp]) -> RollUp {
        func sum(_ rows: [IndicatorRow]) -> [IndicatorRow] {
            Dictionary(grouping: rows) { [$0.indicator, $0.period, $0.dimension, $0.category ?? ""] }.values.map {
                rows in
                IndicatorRow(
                    indicator: rows[0].indicator, period: rows[0].period, dimension: rows[0].dimension,
                    category: rows[0].category, events: rows.reduce(0) { $0 + $1.events },
                    households: rows.reduce(0) { $0 + $1.households }, amount: rows.reduce(0) { $0 + $1.amount },
                    months: rows.reduce(0) { $0 + $1.months })
            }
        }
        return RollUp(
            events: sum(rollUps.flatMap(\.events)), groups: sum(rollUps.flatMap(\.groups)),
            stocks: sum(rollUps.flatMap(\.stocks)))
    }
}

/// The report as French spreadsheets open it: semicolons, decimal commas, UTF-8 with a BOM.
enum IndicatorCSV {
    static func document(_ report: IndicatorReport) -> String {
        // The first column is the indicator's code, an identifier that stays the same across reports.
        var lines = ["indicateur;libellé;ventilation;niveau;période;catégorie;valeur;unité;masquée;motif"]
        func field(_ text: String) -> String {
            text.contains(where: { ";\"\n\r".contains($0) })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func line(_ parts: [String]) { lines.append(parts.map(field).joined(separator: ";")) }
        for figure in report.indicators {
            line([
                figure.code, figure.label, "", "", "", "", figure.value.map(String.init) ?? "", figure.unit.label,
                figure.suppressed == nil ? "non" : "oui", figure.suppressed?.label ?? "",
            ])
            for breakdown in figure.breakdowns {
                for cell in breakdown.cells {
                    line([
                        figure.code, figure.label, breakdown.code.label, breakdown.levelLabel, breakdown.periodLabel,
                        cell.label,
                        cell.value.map(String.init) ?? "", figure.unit.label, cell.suppressed == nil ? "non" : "oui",
                        cell.suppressed?.label ?? "",
                    ])
                }
            }
        }
        for figure in report.derived {
            line([
                figure.code, figure.label, "", "", "", "", figure.value?.replacingOccurrences(of: ".", with: ",") ?? "",
                figure.unit.label, figure.suppressed == nil ? "non" : "oui",
                figure.suppressed?.label ?? figure.undefined?.label ?? "",
            ])
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }
}
