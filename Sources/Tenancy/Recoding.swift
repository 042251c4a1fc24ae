import Foundation

/// Recoding before suppression (issue 22): a breakdown too fine for a small programme is
/// published with coarser categories, or over a wider period, before any cell is hidden —
/// what statistical offices do first (τ-Argus, sdcMicro) and what DOMAIN.md asks.
public enum BreakdownLevel: String, Sendable, Codable, CaseIterable {
    /// The breakdown's own categories.
    case detailed
    /// Its categories merged into a few coarser ones (`IndicatorBreakdown.group(of:)`).
    case grouped

    public var label: String {
        switch self {
        case .detailed: "catégories détaillées"
        case .grouped: "catégories regroupées"
        }
    }
}

extension IndicatorBreakdown {
    /// The levels it may be published at, finest first. Two categories have nothing coarser
    /// between them and the total.
    /// A landlord is an organisation: there is no coarser one to merge it into, and the
    /// kinds of session are two.
    public var levels: [BreakdownLevel] {
        [.stay, .landlord, .sessionKind].contains(self) ? [.detailed] : [.detailed, .grouped]
    }

    /// The coarser category a category falls in; a category this version does not know (or
    /// "non renseigné") goes with the other ones.
    public func group(of category: String) -> String {
        switch self {
        case .public:
            // Three groups, not two: one small group of two leaves nothing to publish beside
            // the total, while the hotel families are most of a programme's households.
            switch category {
            case "hotelFamily": "hotelFamilies"
            case "aboutToEnterHousing", "housedInRupture": "housed"
            default: "withoutHome"
            }
        case .departement:
            switch category {
            case "75": "paris"
            case "92", "93", "94": "innerSuburbs"
            case "77", "78", "91", "95": "outerSuburbs"
            default: "elsewhere"
            }
        case .outcomeKind:
            ["rehousedInProgrammeStock", "rehousedOtherLandlord", "slidingLease", "associativeManager"]
                .contains(category) ? "housing" : "otherOutcomes"
        case .calRefusalReason:
            switch category {
            case "insufficientResources", "rentArrearsHistory": "resources"
            case "unsuitableType", "overOccupancy": "compositionType"
            default: "otherReasons"
            }
        case .evolution: category == "improved" ? "improved" : "notImproved"
        case .stay, .landlord, .sessionKind: category
        }
    }

    /// A level's name among the table's keys: the breakdown's own for the detailed level.
    public func levelKey(_ level: BreakdownLevel) -> String {
        level == .detailed ? rawValue : "\(rawValue)/\(level.rawValue)"
    }

    /// The `dimension` of the rows that count the level's categories (`IndicatorRow`).
    public func rowDimension(_ level: BreakdownLevel) -> String {
        level == .detailed ? dimension : "\(dimension)/\(level.rawValue)"
    }

    /// The cell's category at `level`.
    public func category(_ category: String, at level: BreakdownLevel) -> String {
        level == .detailed ? category : group(of: category)
    }

    /// The French words of a category at `level`.
    public func categoryLabel(_ category: String, at level: BreakdownLevel) -> String {
        level == .detailed ? categoryLabel(category) : IndicatorVocabulary.groups[category]
    }

    /// What the report says of the level it chose.
    public func levelLabel(_ level: BreakdownLevel) -> String {
        switch (self, level) {
        case (_, .detailed): BreakdownLevel.detailed.label
        case (.public, .grouped):
            "publics regroupés (familles à l'hôtel, autres publics sans logement personnel, logés ou sur le point de l'être)"
        case (.departement, .grouped): "départements regroupés (Paris, petite couronne, grande couronne, autres)"
        case (.outcomeKind, .grouped): "sorties regroupées (relogement ou logement, autres issues)"
        case (.calRefusalReason, .grouped): "motifs regroupés (ressources, composition / typologie, autres motifs)"
        case (.evolution, .grouped): "évolutions regroupées (amélioration, stable ou dégradation)"
        case (.stay, .grouped), (.landlord, .grouped), (.sessionKind, .grouped): BreakdownLevel.detailed.label
        }
    }
}

extension IndicatorVocabulary {
    /// The coarser categories' French words.
    public static let groups = CodeLabels([
        "hotelFamilies": "familles à l'hôtel", "withoutHome": "autres publics sans logement personnel",
        "housed": "logé ou sur le point de l'être",
        "paris": "Paris", "innerSuburbs": "petite couronne", "outerSuburbs": "grande couronne",
        "elsewhere": "autres départements ou non renseigné",
        "housing": "relogement ou logement", "otherOutcomes": "départ volontaire ou autre issue",
        "resources": "ressources", "compositionType": "composition / typologie", "otherReasons": "autres motifs",
        "improved": "amélioration", "notImproved": "stable ou dégradation",
    ])
}

/// A table whose figures may be published at several levels: every cell of every level and
/// period, every equation between them, and the slots a report fills (a breakdown in a
/// period's report) with their options, finest first.
public struct RecodedTable: Sendable {
    public struct Slot: Sendable, Equatable {
        /// Each option's cells: the categories of one level over one period.
        public let options: [[String]]
        /// The option published, suppression included, when none is free of small cells.
        public let fallback: Int

        public init(options: [[String]], fallback: Int) {
            self.options = options
            self.fallback = fallback
        }
    }

    public var table: CountTable
    /// Cells offered whatever the slots choose (the totals).
    public var always: [String]
    public var slots: [Slot]
    /// Offered cells a reader reads first (the year's total): hidden as a complement only
    /// when no other cell protects as well.
    public var headline: Set<String>

    public init(table: CountTable, always: [String], slots: [Slot], headline: Set<String> = []) {
        self.table = table
        self.always = always
        self.slots = slots
        self.headline = headline
    }
}

/// What a recoded table publishes: the option each slot chose, and the offered cells hidden
/// all the same, with why.
public struct Release: Sendable, Equatable {
    public let chosen: [Int]
    public let hidden: [String: SuppressionReason]
    /// Whether each slot's choice is free of hidden cells.
    public let clean: [Bool]
}

extension CountTable {
    /// Whether the cell counts between 1 household and fewer than the threshold.
    func small(_ id: String, threshold: Int) -> Bool {
        let value = cells[id] ?? 0
        return value >= 1 && (households[id] ?? value) < threshold
    }
}

extension RecodedTable {
    /// The cells a release offers: the totals and each slot's chosen option.
    public func offered(_ chosen: [Int]) -> Set<String> {
        var offered = Set(always)
        for (slot, choice) in zip(slots, chosen) { offered.formUnion(slot.options[choice]) }
        return offered
    }
}

extension DisclosureControl {
    /// Recoding, then suppression. Each slot takes its first option with no cell between 1
    /// and the threshold (else its fallback); the cells not offered are unknowns like the
    /// hidden ones. Then complementary cells are hidden until no small cell, offered or not,
    /// and no hidden offered cell can be recomputed from everything offered and the
    /// equations — across every slot at once, so that two reports (two periods, two levels)
    /// read together give away no more than one. Deterministic.
    public static func release(_ recoded: RecodedTable, threshold: Int) -> Release {
        release(recoded, threshold: threshold, within: recoded.table, unknown: [], protecting: [])
    }

    /// The release of `recoded` beside tables already published: `joint` holds its cells,
    /// theirs and the equations binding them, `unknown` their cells a reader does not know
    /// and `protected` those no reader may recompute. Only `recoded`'s offered cells are
    /// hidden as complements: what is already published stays published.
    static func release(
        _ recoded: RecodedTable, threshold: Int, within joint: CountTable, unknown others: Set<String>,
        protecting protectedOthers: Set<String>
    ) -> Release {
        let table = recoded.table
        let small = { (id: String) in table.small(id, threshold: threshold) }
        let chosen = recoded.slots.map { slot in
            slot.options.firstIndex { !$0.contains(where: small) } ?? slot.fallback
        }
        let offered = recoded.offered(chosen)
        var hidden: [String: SuppressionReason] = [:]
        for id in offered where small(id) { hidden[id] = .belowThreshold }
        // A cell the other tables already give away (a pool's cell whose programmes all
        // publish theirs) protects nothing and needs no protection: hidden if small, as the
        // rule says, but no complement can hide what is already known.
        let known =
            others.isEmpty
            ? [] : determined(hidden: Set(table.cells.keys).union(others), table: joint).intersection(table.cells.keys)
        let sensitive = Set(table.cells.keys.filter(small)).union(protectedOthers)
        var unknown = Set(table.cells.keys).subtracting(offered).union(hidden.keys).union(others)
        while true {
            let protected = sensitive.union(hidden.keys).subtracting(known)
            guard
                let more = complement(
                    for: joint, unknown: unknown, protecting: protected, offered: offered,
                    sparing: recoded.headline)
            else { break }
            hidden[more] = .complementary
            unknown.insert(more)
        }
        let clean = zip(recoded.slots, chosen).map { slot, choice in
            !slot.options[choice].contains { hidden[$0] != nil }
        }
        return Release(chosen: chosen, hidden: hidden, clean: clean)
    }

    /// The next offered cell to hide, or nil when no protected cell can be recomputed. A cell
    /// of `sparing` (a year's total, what a reader looks at first) is hidden only when no
    /// offered cell bound to the unknown cells of its equations protects as well: a
    /// year's total hidden to protect a category that hiding the next category protects as
    /// well would lose the figure the report exists for.
    static func complement(
        for table: CountTable, unknown: Set<String>, protecting protected: Set<String>, offered: Set<String>,
        sparing: Set<String> = []
    ) -> String? {
        guard let pick = firstComplement(for: table, unknown: unknown, protecting: protected, offered: offered)
        else { return nil }
        guard sparing.contains(pick) else { return pick }
        let recoverable = determined(hidden: unknown, table: table).intersection(protected).count
        // The cells that would protect in its place are bound to the unknown cells of its own
        // equations: few cells, each tried with one more echelon form.
        let near = Set(table.equations.filter { $0.members.contains(pick) }.flatMap(\.members))
            .intersection(unknown)
        let bound = Set(table.equations.filter { $0.members.contains(where: near.contains) }.flatMap(\.members))
            .intersection(offered).subtracting(unknown).subtracting(sparing)
        let value = { (id: String) in table.cells[id] ?? 0 }
        let instead = bound.sorted { (value($0), $0) < (value($1), $1) }.first { cell in
            determined(hidden: unknown.union([cell]), table: table).intersection(protected).count < recoverable
        }
        return instead ?? pick
    }

    /// The cell to hide next by the equations alone: one that closes an equation giving a
    /// protected cell away, else one bound to a recoverable cell.
    static func firstComplement(
        for table: CountTable, unknown: Set<String>, protecting protected: Set<String>, offered: Set<String>
    ) -> String? {
        // The usual case first: an equation with exactly one unknown member gives it away.
        for equation in table.equations {
            let unknowns = equation.members.filter(unknown.contains)
            if unknowns.count == 1, protected.contains(unknowns[0]),
                let pick = choose(in: equation, table, unknown, offered: offered)
            {
                return pick
            }
        }
        let recoverable = determined(hidden: unknown, table: table).intersection(protected)
        guard !recoverable.isEmpty else { return nil }
        for cell in recoverable.sorted() {
            for equation in table.equations where equation.members.contains(cell) {
                if let pick = choose(in: equation, table, unknown, offered: offered) { return pick }
            }
        }
        // No equation of a recoverable cell has an offered member left: any offered cell
        // bound to an unknown one, and at worst any offered cell, until nothing is recoverable.
        for equation in table.equations where equation.members.contains(where: unknown.contains) {
            if let pick = choose(in: equation, table, unknown, offered: offered) { return pick }
        }
        return offered.subtracting(unknown).sorted().first
    }
}
