import Foundation
import Testing

@testable import Tenancy

/// The comité's calendar, stages and the end-of-accompaniment rule (issue 6), with fixed dates.
@Suite struct ComiteRulesTests {
    static func day(_ text: String) -> Date { AgendaRulesTests.day(text) }

    @Test func theMonthlyComitesFallOnTheirDayStrictlyAfterToday() {
        let fromThe10th = ComiteCalendar.monthly(day: 15, after: Self.day("2026-11-10"))
        #expect(fromThe10th.map { Day($0).iso } == ["2026-11-15", "2026-12-15", "2027-01-15"])
        // On the day itself, that day's comité is not "ahead" any more.
        let onThe15th = ComiteCalendar.monthly(day: 15, after: Self.day("2026-11-15"))
        #expect(onThe15th.map { Day($0).iso } == ["2026-12-15", "2027-01-15", "2027-02-15"])
        #expect(
            ComiteCalendar.monthly(day: 28, after: Self.day("2027-01-31"), count: 1).map { Day($0).iso } == [
                "2027-02-28"
            ])
    }

    @Test func aComiteMovesOneStageForwardAndSaysWhyNot() {
        #expect(ComiteStatus.stages.compactMap(\.next) == Array(ComiteStatus.stages.dropFirst()))
        #expect(ComiteStatus.minutesDiffused.next == nil)
        #expect(ComiteStatus.cancelled.next == nil)
        #expect(ComiteStatus.allCases.filter(\.isAhead) == [.planned, .agendaPublished])
        #expect(ComiteStatus.held.refusal(toward: .held, action: "x") == nil)
        #expect(
            ComiteStatus.minutesDiffused.refusal(toward: .held, action: "enregistrer une décision")
                == "Le comité est « compte-rendu diffusé » : enregistrer une décision n'est possible que lorsqu'il est « tenu »."
        )
    }

    @Test func endingNeedsAnEndReviewInTheSixtyDaysBeforeTheComite() {
        let comite = Self.day("2026-06-10")
        let refused = EndOfAccompaniment.verdict(endReviewsHeldOn: [], comiteOn: comite, objectors: 0)
        guard case .refused(let sentence) = refused else {
            Issue.record("refused expected, got \(refused)")
            return
        }
        #expect(sentence.contains("bilan de fin"))
        // 61 days before: too old; 60 days before and the comité's day: in; after the comité: not yet.
        for (review, expected) in [
            ("2026-04-10", false), ("2026-04-11", true), ("2026-06-10", true), ("2026-06-11", false),
        ] {
            let verdict = EndOfAccompaniment.verdict(
                endReviewsHeldOn: [Self.day(review)], comiteOn: comite, objectors: 0)
            #expect((verdict == .adopted) == expected, "\(review)")
        }
        #expect(
            EndOfAccompaniment.verdict(endReviewsHeldOn: [Self.day("2026-05-20")], comiteOn: comite, objectors: 1)
                == .notAdopted)
    }
}
