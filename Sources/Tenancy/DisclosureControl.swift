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

    /// The cell to hide next in an equation: the smallest positive part, then a zero part,
    /// then the total; ties broken by id.
    static func choose(in equation: CountTable.Equation, _ table: CountTable, _ hidden: Set<String>) -> String? {
        let open = equation.parts.filter { !hidden.contains($0) }
        let value = { (id: String) in table.cells[id] ?? 0 }
        if let part = open.filter({ value($0) > 0 }).min(by: { (value($0), $0) < (value($1), $1) }) { return part }
        if let zero = open.sorted().first { return zero }
        return hidden.contains(equation.total) ? nil : equation.total
    }

    /// The hidden cells whose value the published cells and the equations fix: those whose
    /// unit vector lies in the row space of the equations restricted to the hidden cells,
    /// which the reduced row echelon form shows as a row with a single non-zero entry.
    public static func determined(hidden: Set<String>, table: CountTable) -> Set<String> {
        let unknowns = hidden.sorted()
        let index = Dictionary(uniqueKeysWithValues: unknowns.enumerated().map { ($1, $0) })
        var rows: [[Double]] = table.equations.compactMap { equation in
            var row = [Double](repeating: 0, count: unknowns.count)
            var touches = false
            for (member, sign) in [(equation.total, 1.0)] + equation.parts.map({ ($0, -1.0) }) {
                if let column = index[member] {
                    row[column] += sign
                    touches = true
                }
            }
            return touches ? row : nil
        }
        reduce(&rows)
        var found: Set<String> = []
        for row in rows {
            let nonZero = row.indices.filter { abs(row[$0]) > 1e-9 }
            if nonZero.count == 1 { found.insert(unknowns[nonZero[0]]) }
        }
        return found
    }

    /// Reduced row echelon form by Gauss–Jordan elimination; entries are small integers, so a
    /// tolerance is exact enough at these sizes.
    static func reduce(_ m: inout [[Double]]) {
        guard let width = m.first?.count else { return }
        var rank = 0
        for column in 0..<width where rank < m.count {
            guard let pivot = (rank..<m.count).max(by: { abs(m[$0][column]) < abs(m[$1][column]) }),
                abs(m[pivot][column]) > 1e-9
            else { continue }
            m.swapAt(rank, pivot)
            let scale = m[rank][column]
            for k in column..<width { m[rank][k] /= scale }
            for row in 0..<m.count where row != rank && abs(m[row][column]) > 1e-9 {
                let factor = m[row][column]
                for k in column..<width { m[row][k] -= factor * m[rank][k] }
            }
            rank += 1
        }
    }
}
