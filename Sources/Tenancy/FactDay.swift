import Foundation

/// The days a programme runs (`programmes.starts_on`, `ends_on`).
public struct ProgrammePeriod: Sendable, Equatable {
    public let name: String
    public let startsOn: Day
    public let endsOn: Day

    public init(name: String, startsOn: Day, endsOn: Day) {
        self.name = name
        self.startsOn = startsOn
        self.endsOn = endsOn
    }

    /// A programme past its end takes no new orientation.
    public func hasEnded(today: Day) -> Bool { today > endsOn }

    public var endedRefusal: String {
        "Le programme « \(name) » a pris fin le \(endsOn.french) : il ne reçoit plus de nouvelle orientation."
    }
}

/// The rules every dated fact of the path obeys (DOMAIN.md, "Time"): its writer gives the day
/// it happened, which is not in the future, not before the programme starts, not after it ends
/// (but for what closes an accompaniment begun within it: the end, the outcome, the stays at 6
/// and 12 months), and not before the step it follows. Each refusal names its field, in French.
public enum FactDay {
    public struct Refusal: Error, Equatable, Sendable {
        public let field: String
        public let message: String
    }

    /// The step a fact follows: its day, and how a sentence names it ("l'orientation").
    public struct Step: Sendable {
        public let day: Day
        public let name: String

        public init(_ day: Day, _ name: String) {
            self.day = day
            self.name = name
        }
    }

    public static func check(
        _ day: Day, field: String, today: Day, programme: ProgrammePeriod, follows step: Step? = nil,
        closesAccompaniment: Bool = false
    ) -> Refusal? {
        if day > today {
            return Refusal(
                field: field,
                message:
                    "Le \(day.french) est à venir : un fait se date du jour où il a eu lieu, aujourd'hui au plus tard.")
        }
        if day < programme.startsOn {
            return Refusal(
                field: field,
                message:
                    "Le \(day.french) précède le début du programme « \(programme.name) » (\(programme.startsOn.french))."
            )
        }
        if !closesAccompaniment, day > programme.endsOn {
            return Refusal(
                field: field,
                message: "Le \(day.french) suit la fin du programme « \(programme.name) » (\(programme.endsOn.french))."
            )
        }
        if let step, day < step.day {
            return Refusal(field: field, message: "Le \(day.french) précède \(step.name) (\(step.day.french)).")
        }
        return nil
    }
}
