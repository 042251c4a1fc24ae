import Foundation
import Testing

@testable import Tenancy

/// Issue 22, item 4: satisfaction is published only as the share of the top two answers among
/// the households that answered, and R9 holds for it as for a count: no share from fewer
/// households than the threshold, none that gives away (with its denominator) a number of
/// satisfied or unsatisfied households under the threshold, and none that the year's other
/// shares let a reader recompute.
@Suite struct SatisfactionShareTests {
    static func release(_ tallies: [EvaluationPeriod: SatisfactionShare.Tally], threshold: Int = 5)
        -> [EvaluationPeriod: SatisfactionShare.Figure]
    {
        SatisfactionShare.release(tallies, year: 2025, threshold: threshold)
    }

    static let january = EvaluationPeriod.month(year: 2025, month: 1)
    static let february = EvaluationPeriod.month(year: 2025, month: 2)

    @Test func aShareOfEnoughHouseholdsOnBothSidesIsPublished() {
        let figures = Self.release([Self.january: .init(satisfied: 10, notSatisfied: 5)])
        #expect(figures[.year(2025)] == .share("66.7"))
        #expect(figures[.quarter(year: 2025, quarter: 1)] == .share("66.7"))
        #expect(figures[Self.january] == .share("66.7"))
        // A period nobody answered in has no share, and hides nothing.
        #expect(figures[Self.february] == .noAnswer)
    }

    @Test func everyoneSatisfiedIsAShareOfAHundred() {
        // 0 unsatisfied households is no one: a count of 0 is published as 0.
        let figures = Self.release([Self.january: .init(satisfied: 6, notSatisfied: 0)])
        #expect(figures[.year(2025)] == .share("100.0"))
    }

    @Test func fewerAnswersThanTheThresholdGiveNoShare() {
        let figures = Self.release([Self.january: .init(satisfied: 4, notSatisfied: 0)])
        #expect(figures[.year(2025)] == .suppressed(.belowThreshold))
        #expect(figures[Self.january] == .suppressed(.belowThreshold))
    }

    @Test func aShareThatGivesAwayAFewUnsatisfiedHouseholdsIsHidden() {
        // 10 of 12: with the number of answers, 2 unsatisfied households.
        let figures = Self.release([Self.january: .init(satisfied: 10, notSatisfied: 2)])
        #expect(figures[.year(2025)] == .suppressed(.shareRevealsSmallCount))
        // And the other way round: 2 satisfied among 12.
        let few = Self.release([Self.january: .init(satisfied: 2, notSatisfied: 10)])
        #expect(few[.year(2025)] == .suppressed(.shareRevealsSmallCount))
        #expect(SuppressionReason.shareRevealsSmallCount.label.contains("seuil"))
    }

    @Test func theThresholdIsTheProgrammes() {
        let tally = SatisfactionShare.Tally(satisfied: 7, notSatisfied: 6)
        #expect(Self.release([Self.january: tally], threshold: 5)[.year(2025)] == .share("53.8"))
        #expect(Self.release([Self.january: tally], threshold: 7)[.year(2025)] == .suppressed(.shareRevealsSmallCount))
    }

    /// January's share is hidden (2 unsatisfied); February's and the quarter's, published
    /// together, would give it back by subtraction: the release hides one of them too.
    @Test func noHiddenShareCanBeRecomputedFromTheYearsOthers() {
        let tallies: [EvaluationPeriod: SatisfactionShare.Tally] = [
            Self.january: .init(satisfied: 6, notSatisfied: 2),
            Self.february: .init(satisfied: 6, notSatisfied: 6),
            .month(year: 2025, month: 7): .init(satisfied: 9, notSatisfied: 7),
        ]
        let figures = Self.release(tallies)
        #expect(figures[Self.january] == .suppressed(.shareRevealsSmallCount))
        // As an attacker would: a published share, with its denominator known, gives both
        // counts; a period without answers gives 0 and 0; the year binds them all.
        var cells: [String: Int] = [:]
        var hidden: Set<String> = []
        var equations: [CountTable.Equation] = []
        for period in EvaluationPeriod.lattice(of: 2025) {
            let parts = period.granularity == .month ? [period] : []
            let sum = (parts.isEmpty ? Self.months(in: period) : parts).reduce(into: (0, 0)) { sum, month in
                sum.0 += tallies[month]?.satisfied ?? 0
                sum.1 += tallies[month]?.notSatisfied ?? 0
            }
            cells["\(period.code)|s"] = sum.0
            cells["\(period.code)|n"] = sum.1
            if case .suppressed = figures[period] { hidden.formUnion(["\(period.code)|s", "\(period.code)|n"]) }
            for side in ["s", "n"] where !period.parts.isEmpty {
                equations.append(
                    .init(total: "\(period.code)|\(side)", parts: period.parts.map { "\($0.code)|\(side)" }))
            }
        }
        let table = CountTable(cells: cells, equations: equations)
        let small = Set(cells.filter { (1..<5).contains($0.value) }.keys)
        #expect(small.isSubset(of: hidden))
        #expect(DisclosureControl.determined(hidden: hidden, table: table).intersection(small).isEmpty)
        #expect(figures[.month(year: 2025, month: 7)] != nil)
    }

    static func months(in period: EvaluationPeriod) -> [EvaluationPeriod] {
        period.parts.flatMap { $0.granularity == .month ? [$0] : $0.parts }
    }

    @Test func theAnswersAndTheirTopTwo() {
        #expect(
            SatisfactionAnswer.allCases.map(\.label) == [
                "très satisfait", "plutôt satisfait", "plutôt pas satisfait", "pas du tout satisfait",
            ])
        #expect(SatisfactionAnswer.allCases.filter(\.isSatisfied) == [.verySatisfied, .ratherSatisfied])
    }
}
