import Foundation

/// The stages of a comité de suivi, in order (issue 6). After diffusion the minutes change
/// only by an erratum, kept as a new version. A comité not yet held may instead be cancelled
/// (issue 18), which ends it.
public enum ComiteStatus: String, Sendable, CaseIterable, Codable {
    case planned, agendaPublished, held, minutesValidated, minutesDiffused, cancelled

    /// The stages a comité goes through when it is held, in order.
    public static let stages: [ComiteStatus] = [.planned, .agendaPublished, .held, .minutesValidated, .minutesDiffused]

    public var next: ComiteStatus? {
        guard let index = Self.stages.firstIndex(of: self), index + 1 < Self.stages.count else { return nil }
        return Self.stages[index + 1]
    }

    /// Not yet held: its day may still move, or it may be cancelled.
    public var isAhead: Bool { self == .planned || self == .agendaPublished }

    public var label: String {
        switch self {
        case .planned: "programmé"
        case .agendaPublished: "ordre du jour publié"
        case .held: "tenu"
        case .minutesValidated: "compte-rendu validé"
        case .minutesDiffused: "compte-rendu diffusé"
        case .cancelled: "annulé"
        }
    }

    /// The French sentence of a 409 when `action` needs the comité at `required`.
    public func refusal(toward required: ComiteStatus, action: String) -> String? {
        guard self != required else { return nil }
        return "Le comité est « \(label) » : \(action) n'est possible que lorsqu'il est « \(required.label) »."
    }
}

/// The monthly recurrence: a cell's comité falls on the same day of every month.
public enum ComiteCalendar {
    /// How many monthly comités are kept scheduled ahead.
    public static let ahead = 3

    /// The next `count` comité days on day `day` (1…28) of the month, strictly after `after`.
    public static func monthly(day: Int, after: Date, count: Int = ahead) -> [Date] {
        let calendar = Calendar.utc
        var month = calendar.dateComponents([.year, .month], from: after)
        var days: [Date] = []
        while days.count < count {
            month.day = day
            let date = calendar.date(from: month)!
            if date > after { days.append(date) }
            let next = calendar.date(byAdding: .month, value: 1, to: calendar.date(from: month)!)!
            month = calendar.dateComponents([.year, .month], from: next)
        }
        return days
    }
}

/// What the comité may decide for a situation (issue 6).
public enum ComiteDecisionKind: String, Sendable, CaseIterable, Codable {
    case `continue`, endAccompaniment, reorient, escalateToVeille, changeReferent, other
}

/// Why a veille sociale meets outside its monthly date.
public enum VeilleEmergency: String, Sendable, CaseIterable, Codable {
    case death, violence, socialEmergency
}

/// Ending an accompaniment in comité: only after a bilan de fin held with the household in
/// the last 60 days, and not against a present care-team partner's objection.
public enum EndOfAccompaniment {
    public static let endReviewWindowDays = 60

    public enum Verdict: Equatable, Sendable {
        /// Refused: nothing is recorded but the refusal.
        case refused(String)
        /// Recorded, not adopted: the objections stand in the minutes.
        case notAdopted
        case adopted
    }

    /// `endReviewsHeldOn`: the days end-review meetings with the household were held;
    /// `objectors`: present care-team organisations that objected.
    public static func verdict(endReviewsHeldOn: [Date], comiteOn: Date, objectors: Int) -> Verdict {
        let earliest = Calendar.utc.date(byAdding: .day, value: -endReviewWindowDays, to: comiteOn)!
        guard endReviewsHeldOn.contains(where: { $0 >= earliest && $0 <= comiteOn }) else {
            return .refused(
                "La fin de l'accompagnement ne peut être décidée qu'après un bilan de fin tenu avec le ménage dans les \(endReviewWindowDays) jours précédant le comité."
            )
        }
        return objectors > 0 ? .notAdopted : .adopted
    }
}
