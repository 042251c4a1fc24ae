import Foundation
import Tenancy

/// The days a body gives, checked (the `Day` type itself is in Tenancy, with the rules).
extension Day {
    /// A day of the path that has happened: today at the latest, at most ten years back.
    static func past(_ text: String, field: String) throws -> Day {
        let today = Day.today()
        guard let day = Day(iso: text), day <= today, day > today.adding(days: -10 * 366) else {
            throw Problem.unprocessable(
                "Date attendue au format AAAA-MM-JJ, passée ou du jour, de moins de dix ans.", field: field)
        }
        return day
    }

    /// A birth day or the day a situation began: today at the latest, within two centuries.
    static func isValidPast(_ text: String) -> Bool {
        guard let day = Day(iso: text) else { return false }
        return day <= Day.today() && day.date > Date(timeIntervalSince1970: -5_000_000_000)
    }
}

extension Day {
    /// The day a body gives for a fact of the path (today when it gives none), checked by
    /// Tenancy's `FactDay`: a French 422 naming the field otherwise.
    static func effective(
        _ text: String?, field: String, programme: ProgrammePeriod, follows step: FactDay.Step? = nil,
        closesAccompaniment: Bool = false, today: Day = .today()
    ) throws -> Day {
        var day = today
        if let text {
            guard let given = Day(iso: text) else {
                throw Problem.unprocessable("Date attendue au format AAAA-MM-JJ.", field: field)
            }
            day = given
        }
        if let refusal = FactDay.check(
            day, field: field, today: today, programme: programme, follows: step,
            closesAccompaniment: closesAccompaniment)
        {
            throw Problem.unprocessable(refusal.message, field: refusal.field)
        }
        return day
    }
}

extension Day {
    /// A day the body already gave, checked by `FactDay` once the household's programme is known.
    func check(
        within programme: ProgrammePeriod, field: String, follows step: FactDay.Step? = nil,
        closesAccompaniment: Bool = false
    ) throws {
        _ = try Day.effective(
            iso, field: field, programme: programme, follows: step, closesAccompaniment: closesAccompaniment)
    }
}
