import Foundation

/// ACCESS.md R9's disclosure control, for tables of household counts: no published cell
/// between 1 and the threshold, and complementary suppression so that no hidden cell can be
/// recomputed from what is published.
///
/// A table is cells (an id and a count) and the equations that bind them: a total equals the
/// sum of its parts (a breakdown's margin, a year's quarters, a quarter's months). Whoever
/// reads the published cells knows every equation; a hidden cell is recoverable exactly when
/// the equations, with the published values put in, fix its value — when its unit vector is
/// in the row space of the equations restricted to the hidden cells. The suppression below
/// adds complementary cells until no hidden cell is in that case, and says why each cell is
/// hidden.
public struct CountTable: Sendable, Equatable {
    public struct Equation: Sendable, Equatable {
        public let total: String
        public let parts: [String]

        public init(total: String, parts: [String]) {
            self.total = total
            self.parts = parts
        }

        var members: [String] { [total] + parts }
    }

    public var cells: [String: Int]
    public var equations: [Equation]
    /// The distinct households behind a cell, when it counts events (three meetings of one
    /// household are one household): the threshold looks at them. The cell's value otherwise.
    public var households: [String: Int]

    public init(cells: [String: Int], equations: [Equation], households: [String: Int] = [:]) {
        self.cells = cells
        self.equations = equations
        self.households = households
    }
}

public enum SuppressionReason: String, Sendable, Codable, Equatable, CaseIterable {
    /// Between 1 and the threshold: too few households to publish.
    case belowThreshold
    /// Hidden so that a hidden cell cannot be recomputed from totals or neighbouring periods.
    case complementary
    /// Computed from a hidden cell (an amount, an average, a share).
    case derivedFromHidden
    /// A share of enough households whose numerator, or what it leaves of its denominator,
    /// is too few households: with the denominator, the share would give their number.
    case shareRevealsSmallCount

    public var label: String {
        switch self {
        case .belowThreshold: "moins de ménages que le seuil de diffusion"
        case .complementary: "masquée pour qu'une case masquée ne puisse pas être recalculée"
        case .derivedFromHidden: "calculée à partir d'une case masquée"
        case .shareRevealsSmallCount:
            "la part permettrait de recalculer un nombre de ménages inférieur au seuil de diffusion"
        }
    }
}

/// Why a derived figure has no value although nothing is hidden (issue 18).
public enum UndefinedReason: String, Sendable, Codable, Equatable, CaseIterable {
    /// The count it divides by is 0 in the period.
    case zeroDenominator

    public var label: String {
        switch self {
        case .zeroDenominator: "dénominateur nul"
        }
    }
}

public enum DisclosureControl {
    public static let defaultThreshold = 5
    /// The thresholds an operator may set, for a deployment or a programme: below 3 a
    /// published count of one or two households is too easily someone.
    public static let thresholds = 3...100

    /// Every hidden cell of `table` and why, every cell offered (no recoding). Deterministic:
    /// the same table gives the same answer, so two requests cannot be played against each other.
    public static func suppress(_ table: CountTable, threshold: Int) -> [String: SuppressionReason] {
        release(RecodedTable(table: table, always: Array(table.cells.keys), slots: []), threshold: threshold).hidden
    }

    /// The cell to hide next in an equation, among the offered ones still published: the
    /// smallest positive part, then a zero part, then the total; ties broken by id.
    static func choose(
        in equation: CountTable.Equation, _ table: CountTable, _ hidden: Set<String>, offered: Set<String>
    ) -> String? {
        let open = equation.parts.filter { offered.contains($0) && !hidden.contains($0) }
        let value = { (id: String) in table.cells[id] ?? 0 }
        if let part = open.filter({ value($0) > 0 }).min(by: { (value($0), $0) < (value($1), $1) }) { return part }
        if let zero = open.sorted().first { return zero }
        return hidden.contains(equation.total) || !offered.contains(equation.total) ? nil : equation.total
    }

    /// The hidden cells whose value the published cells and the equations fix: those whose
    /// unit vector lies in the row space of the equations restricted to the hidden cells,
    /// which the reduced row echelon form shows as a row with a single non-zero entry.
    ///
    /// The rows are sparse (an equation binds a total and a few parts) and a pooled table
    /// holds thousands of unknown cells: the echelon form is kept as sparse rows, one
    /// equation added at a time, so that its cost follows the rows' fill and not the square
    /// of the unknowns.
    public static func determined(hidden: Set<String>, table: CountTable) -> Set<String> {
        let unknowns = hidden.sorted()
        let index = Dictionary(uniqueKeysWithValues: unknowns.enumerated().map { ($1, $0) })
        var echelon = SparseEchelon()
        for equation in table.equations {
            var row: [Int: Double] = [:]
            for (member, sign) in [(equation.total, 1.0)] + equation.parts.map({ ($0, -1.0) }) {
                if let column = index[member] { row[column, default: 0] += sign }
            }
            echelon.add(row)
        }
        return Set(echelon.determined.map { unknowns[$0] })
    }
}

/// A reduced row echelon form of sparse rows: each row has a pivot column, normalised to 1,
/// that no other row holds. Entries are small rationals, so a tolerance is exact enough.
struct SparseEchelon {
    static let tolerance = 1e-9
    private var rows: [Int: [Int: Double]] = [:]
    /// For each column, the pivots whose row holds it: the rows to clear when it becomes a pivot.
    private var holders: [Int: Set<Int>] = [:]

    mutating func add(_ row: [Int: Double]) {
        var row = row
        // Every other row is reduced: subtracting one pivot's row brings no other pivot in.
        for (column, value) in row where rows[column] != nil {
            for (k, v) in rows[column]! { row[k, default: 0] -= value * v }
        }
        row = row.filter { abs($0.value) > Self.tolerance }
        // The column held by the fewest rows keeps the fill small; ties by index, for a
        // deterministic form.
        guard let pivot = row.keys.min(by: { (holders[$0]?.count ?? 0, $0) < (holders[$1]?.count ?? 0, $1) })
        else { return }
        let scale = row[pivot]!
        for k in row.keys { row[k]! /= scale }
        for other in holders[pivot] ?? [] {
            let factor = rows[other]![pivot]!
            for (k, v) in row {
                let updated = (rows[other]![k] ?? 0) - factor * v
                if abs(updated) > Self.tolerance {
                    if rows[other]![k] == nil { holders[k, default: []].insert(other) }
                    rows[other]![k] = updated
                } else if rows[other]![k] != nil {
                    rows[other]![k] = nil
                    holders[k]?.remove(other)
                }
            }
        }
        holders[pivot] = nil
        for k in row.keys where k != pivot { holders[k, default: []].insert(pivot) }
        rows[pivot] = row
    }

    /// The columns whose value the rows fix: a row with its pivot alone.
    var determined: [Int] { rows.filter { $0.value.count == 1 }.map(\.key) }
}
