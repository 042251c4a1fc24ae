import Foundation

/// What a household answers, at the end of its accompaniment, when asked whether it was
/// satisfied (DOMAIN.md, « What the State evaluates »: satisfaction). It may not answer.
public enum SatisfactionAnswer: String, Sendable, Codable, CaseIterable {
    case verySatisfied, ratherSatisfied, ratherNotSatisfied, notAtAllSatisfied

    public var label: String {
        switch self {
        case .verySatisfied: "très satisfait"
        case .ratherSatisfied: "plutôt satisfait"
        case .ratherNotSatisfied: "plutôt pas satisfait"
        case .notAtAllSatisfied: "pas du tout satisfait"
        }
    }

    /// The top two answers: what the published share counts.
    public var isSatisfied: Bool { self == .verySatisfied || self == .ratherSatisfied }
}

/// Satisfaction as the State reads it: only the share of the top two answers among the
/// households that answered, never the answers' counts — and R9 all the same. A share and its
/// denominator give the numerator back, and the denominator is no secret (the households
/// that answered are at most those whose accompaniment ended, a published count): so a share
/// is treated as publishing both its counts, the satisfied and the others, and is published
/// only where the disclosure control would publish both, complementary suppression included
/// over the year's months, quarters and the year (a quarter's share and two of its months'
/// give the third month's counts).
public enum SatisfactionShare {
    /// One period's answers: how many, and how many distinct households behind them (what
    /// the threshold looks at), on each side and in all.
    public struct Tally: Sendable, Equatable {
        public var satisfied: Int
        public var notSatisfied: Int
        public var satisfiedHouseholds: Int
        public var notSatisfiedHouseholds: Int
        public var households: Int

        public init(
            satisfied: Int, notSatisfied: Int, satisfiedHouseholds: Int? = nil, notSatisfiedHouseholds: Int? = nil,
            households: Int? = nil
        ) {
            self.satisfied = satisfied
            self.notSatisfied = notSatisfied
            self.satisfiedHouseholds = satisfiedHouseholds ?? satisfied
            self.notSatisfiedHouseholds = notSatisfiedHouseholds ?? notSatisfied
            self.households = households ?? (self.satisfiedHouseholds + self.notSatisfiedHouseholds)
        }

        var answers: Int { satisfied + notSatisfied }
    }

    public enum Figure: Sendable, Equatable {
        /// The percentage, one decimal, with a point.
        case share(String)
        case suppressed(SuppressionReason)
        /// Nobody answered in the period: no share, and nothing hidden.
        case noAnswer
    }

    /// Every period of the year's lattice; `tallies` holds the periods with answers (a month
    /// missing had none). A quarter or the year missing is the sum of its parts, its
    /// households too (the roll-up gives each period its own distinct households).
    /// Deterministic, like the counts' suppression.
    public static func release(_ given: [EvaluationPeriod: Tally], year: Int, threshold: Int)
        -> [EvaluationPeriod: Figure]
    {
        let periods = EvaluationPeriod.lattice(of: year)
        var tallies = given
        // The lattice lists the year, then quarters, then months: sum from the months up.
        for period in periods.reversed() where tallies[period] == nil && !period.parts.isEmpty {
            let parts = period.parts.compactMap { tallies[$0] }
            guard !parts.isEmpty else { continue }
            tallies[period] = Tally(
                satisfied: parts.reduce(0) { $0 + $1.satisfied },
                notSatisfied: parts.reduce(0) { $0 + $1.notSatisfied },
                satisfiedHouseholds: parts.reduce(0) { $0 + $1.satisfiedHouseholds },
                notSatisfiedHouseholds: parts.reduce(0) { $0 + $1.notSatisfiedHouseholds },
                households: parts.reduce(0) { $0 + $1.households })
        }
        func id(_ period: EvaluationPeriod, _ side: String) -> String { "\(period.code)|\(side)" }
        var cells: [String: Int] = [:]
        var households: [String: Int] = [:]
        var equations: [CountTable.Equation] = []
        for period in periods {
            let tally = tallies[period] ?? Tally(satisfied: 0, notSatisfied: 0)
            cells[id(period, "answered")] = tally.answers
            households[id(period, "answered")] = tally.households
            cells[id(period, "satisfied")] = tally.satisfied
            households[id(period, "satisfied")] = tally.satisfiedHouseholds
            cells[id(period, "notSatisfied")] = tally.notSatisfied
            households[id(period, "notSatisfied")] = tally.notSatisfiedHouseholds
            equations.append(
                .init(total: id(period, "answered"), parts: [id(period, "satisfied"), id(period, "notSatisfied")]))
            for side in ["answered", "satisfied", "notSatisfied"] where !period.parts.isEmpty {
                equations.append(.init(total: id(period, side), parts: period.parts.map { id($0, side) }))
            }
        }
        let hidden = DisclosureControl.suppress(
            CountTable(cells: cells, equations: equations, households: households), threshold: threshold)
        var figures: [EvaluationPeriod: Figure] = [:]
        for period in periods {
            let answered = cells[id(period, "answered")]!
            let sides = [hidden[id(period, "satisfied")], hidden[id(period, "notSatisfied")]].compactMap { $0 }
            if let reason = hidden[id(period, "answered")] {
                figures[period] = .suppressed(reason)
            } else if let reason = sides.first {
                // Enough answers, but one side is a few households: the share would name their number.
                figures[period] = .suppressed(sides.contains(.belowThreshold) ? .shareRevealsSmallCount : reason)
            } else if answered == 0 {
                figures[period] = .noAnswer
            } else {
                let share = 100 * Double(cells[id(period, "satisfied")]!) / Double(answered)
                figures[period] = .share(String(format: "%.1f", share))
            }
        }
        return figures
    }
}
