import Foundation
import Testing

@testable import Tenancy

/// DOMAIN.md "Time": the rules every dated fact obeys, and the calendar day they are written in.
@Suite struct FactDayTests {
    static let programme = ProgrammePeriod(
        name: "Logements Hlm accompagnés", startsOn: Day(iso: "2024-01-01")!, endsOn: Day(iso: "2025-12-31")!)
    static let today = Day(iso: "2025-06-15")!

    func check(_ text: String, follows step: FactDay.Step? = nil, closes: Bool = false, today: Day = today)
        -> FactDay.Refusal?
    {
        FactDay.check(
            Day(iso: text)!, field: "occurredOn", today: today, programme: Self.programme, follows: step,
            closesAccompaniment: closes)
    }

    @Test func aDayWithinTheProgrammeAndNotAheadPasses() {
        #expect(check("2025-06-15") == nil)
        #expect(check("2024-01-01") == nil)
    }

    @Test func eachRuleIsRefusedWithItsFrenchSentenceAndField() {
        #expect(
            check("2025-06-16")
                == .init(
                    field: "occurredOn",
                    message:
                        "Le 16/06/2025 est à venir : un fait se date du jour où il a eu lieu, aujourd'hui au plus tard."
                ))
        #expect(
            check("2023-12-31")?.message
                == "Le 31/12/2023 précède le début du programme « Logements Hlm accompagnés » (01/01/2024).")
        #expect(
            check("2026-01-05", today: Day(iso: "2026-02-01")!)?.message
                == "Le 05/01/2026 suit la fin du programme « Logements Hlm accompagnés » (31/12/2025).")
        #expect(
            check("2025-03-01", follows: FactDay.Step(Day(iso: "2025-03-04")!, "la décision de la CAL"))?.message
                == "Le 01/03/2025 précède la décision de la CAL (04/03/2025).")
        #expect(check("2025-03-04", follows: FactDay.Step(Day(iso: "2025-03-04")!, "la décision de la CAL")) == nil)
    }

    /// The end, the outcome and the stays of an accompaniment begun within the programme may
    /// fall after it: the programme funded its start, the State counts how it ended.
    @Test func whatClosesAnAccompanimentMayFollowTheProgrammesEnd() {
        #expect(check("2026-01-05", closes: true, today: Day(iso: "2026-02-01")!) == nil)
        #expect(check("2026-02-02", closes: true, today: Day(iso: "2026-02-01")!)?.message.contains("à venir") == true)
    }

    @Test func aProgrammePastItsEndSaysSo() {
        #expect(!Self.programme.hasEnded(today: Day(iso: "2025-12-31")!))
        #expect(Self.programme.hasEnded(today: Day(iso: "2026-01-01")!))
        #expect(
            Self.programme.endedRefusal
                == "Le programme « Logements Hlm accompagnés » a pris fin le 31/12/2025 : il ne reçoit plus de nouvelle orientation."
        )
    }

    @Test func daysAreCalendarDays() {
        #expect(Day(iso: "2000-01-01")!.daysSinceEpoch == 10_957)
        #expect(Day(iso: "2024-02-29")!.iso == "2024-02-29")
        #expect(Day(iso: "2025-02-29") == nil)
        #expect(Day(iso: "2025-13-01") == nil)
        #expect(Day(iso: "2025-1-01") == nil)
        #expect(Day(iso: "1969-12-31")!.french == "31/12/1969")
        #expect(Day(Date(timeIntervalSince1970: 86_400 * 3 - 1)).iso == "1970-01-03")
        #expect(Day(iso: "2025-12-31")!.adding(days: 1).iso == "2026-01-01")
        for days in stride(from: -719_162, through: 2_932_896, by: 997) {  // 0001-01-01 to 9999-12-31
            let day = Day(daysSinceEpoch: days)
            #expect(Day(iso: day.iso) == day)
        }
    }
}
