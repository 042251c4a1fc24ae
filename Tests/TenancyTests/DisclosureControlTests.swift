import Foundation
import Testing

@testable import Tenancy

/// R9's disclosure control on generated tables shaped like the indicators': a breakdown's
/// categories and their total, for each month, quarter and the year, bound by every margin.
@Suite struct DisclosureControlTests {
    /// SplitMix64: the same seed, the same tables, on every machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A year of monthly counts for `categories` categories (small counts, many under the
    /// threshold), with quarters, the year and every total, and the equations between them.
    static func yearTable(categories: Int, using generator: inout Generator) -> CountTable {
        var cells: [String: Int] = [:]
        var equations: [CountTable.Equation] = []
        let names = (0..<categories).map { "c\($0)" }
        for month in 1...12 {
            for name in names { cells["M\(month)/\(name)"] = Int.random(in: 0...9, using: &generator) }
        }
        let periods = (1...12).map { "M\($0)" } + (1...4).map { "Q\($0)" } + ["Y"]
        for quarter in 1...4 {
            for name in names {
                cells["Q\(quarter)/\(name)"] = (1...3).reduce(0) { $0 + cells["M\(3 * (quarter - 1) + $1)/\(name)"]! }
            }
        }
        for name in names { cells["Y/\(name)"] = (1...4).reduce(0) { $0 + cells["Q\($1)/\(name)"]! } }
        for period in periods {
            cells["\(period)/total"] = names.reduce(0) { $0 + cells["\(period)/\($1)"]! }
            equations.append(.init(total: "\(period)/total", parts: names.map { "\(period)/\($0)" }))
        }
        for name in names + ["total"] {
            for quarter in 1...4 {
                equations.append(
                    .init(total: "Q\(quarter)/\(name)", parts: (1...3).map { "M\(3 * (quarter - 1) + $0)/\(name)" }))
            }
            equations.append(.init(total: "Y/\(name)", parts: (1...4).map { "Q\($0)/\(name)" }))
        }
        return CountTable(cells: cells, equations: equations)
    }

    @Test(arguments: 0..<60)
    func noPublishedCellIsSmallAndNoHiddenCellIsRecoverable(seed: Int) {
        var generator = Generator(state: UInt64(seed) &* 7919)
        let table = Self.yearTable(categories: 2 + seed % 5, using: &generator)
        let threshold = DisclosureControl.defaultThreshold
        let hidden = DisclosureControl.suppress(table, threshold: threshold)
        for (cell, value) in table.cells where hidden[cell] == nil {
            #expect(value == 0 || value >= threshold, "\(cell) = \(value) publié")
        }
        for (cell, value) in table.cells where value >= 1 && value < threshold {
            #expect(hidden[cell] == .belowThreshold, "\(cell)")
        }
        #expect(DisclosureControl.determined(hidden: Set(hidden.keys), table: table).isEmpty)
        // Deterministic: asking again gives the same hidden cells.
        #expect(DisclosureControl.suppress(table, threshold: threshold) == hidden)
    }

    @Test func aLoneHiddenCellInABreakdownTakesItsSmallestNeighbourWithIt() {
        let table = CountTable(
            cells: ["total": 31, "a": 3, "b": 8, "c": 20],
            equations: [.init(total: "total", parts: ["a", "b", "c"])])
        let hidden = DisclosureControl.suppress(table, threshold: 5)
        #expect(hidden == ["a": .belowThreshold, "b": .complementary])
    }

    @Test func twoPeriodsThatDifferByOneHouseholdDoNotGiveItAway() {
        // Q1 = 11, January 5, February 5, March 1: March is hidden, and so must be one of the
        // other months, or Q1 − January − February would say it.
        let table = CountTable(
            cells: ["Q1": 11, "M1": 5, "M2": 5, "M3": 1],
            equations: [.init(total: "Q1", parts: ["M1", "M2", "M3"])])
        let hidden = DisclosureControl.suppress(table, threshold: 5)
        #expect(hidden["M3"] == .belowThreshold)
        #expect(hidden.count == 2)
        #expect(DisclosureControl.determined(hidden: Set(hidden.keys), table: table).isEmpty)
    }

    @Test func theRecoverabilityCheckSeesThroughSeveralEquations() {
        // x + y = 10 (published total) and x − y is known through z: x = 7, y = 3 are fixed.
        let table = CountTable(
            cells: ["t": 10, "x": 7, "y": 3, "u": 10, "z": 4],
            equations: [.init(total: "t", parts: ["x", "y"]), .init(total: "x", parts: ["y", "z"])])
        #expect(DisclosureControl.determined(hidden: ["x", "y"], table: table) == ["x", "y"])
        #expect(DisclosureControl.determined(hidden: ["x", "y", "z"], table: table).isEmpty)
    }
}
