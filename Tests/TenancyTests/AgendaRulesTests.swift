import Foundation
import Testing

@testable import Tenancy

/// The agenda's rules (issue 6) with a controlled clock: each rule alone, then all together,
/// with the reasons they give.
@Suite struct AgendaRulesTests {
    static func day(_ text: String) -> Date {
        let parts = text.split(separator: "-").map { Int($0)! }
        return Calendar.utc.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
    }

    /// The comité of 10 June 2026; the cell held comités on 13 May, 8 April and 11 March.
    static let window = ComiteWindow(
        on: day("2026-06-10"), earlier: [day("2026-05-13"), day("2026-04-08"), day("2026-03-11")])
    static let partner = UUID()

    static func kinds(_ facts: SituationFacts, _ window: ComiteWindow = window) -> [AgendaReasonKind] {
        AgendaRules.reasons(for: facts, at: window).map(\.kind)
    }

    /// Reviewed at the last comité, accompanied since recently: nothing to say.
    static let quiet = SituationFacts(accompaniedSince: day("2026-02-20"), reviewedAt: [day("2026-05-13")])

    @Test func aQuietSituationHasNoReason() {
        #expect(Self.kinds(Self.quiet).isEmpty)
    }

    @Test func sixMonthsOfAccompanimentSinceThePreviousComite() {
        var facts = Self.quiet
        facts.accompaniedSince = Self.day("2025-12-01")  // 6 months on 1 June: since 13 May
        let reasons = AgendaRules.reasons(for: facts, at: Self.window)
        #expect(reasons == [AgendaReason(.sixMonths, "6 mois d'accompagnement le 01/06/2026.")])
        facts.accompaniedSince = Self.day("2025-06-01")  // 12 months on 1 June
        #expect(
            AgendaRules.reasons(for: facts, at: Self.window).map(\.detail) == [
                "12 mois d'accompagnement le 01/06/2026."
            ])
        facts.accompaniedSince = Self.day("2025-11-10")  // 6 months on 10 May: the previous comité's
        #expect(Self.kinds(facts).isEmpty)
        facts.accompaniedSince = Self.day("2025-12-13")  // 13 June: after this comité
        #expect(Self.kinds(facts).isEmpty)
    }

    @Test func theContractEndsBeforeTheComite() {
        var facts = Self.quiet
        facts.contractEndsOn = Self.day("2026-06-10")
        #expect(
            AgendaRules.reasons(for: facts, at: Self.window) == [
                AgendaReason(.contractEnding, "Le contrat d'accompagnement arrive à échéance le 10/06/2026.")
            ])
        facts.contractEndsOn = Self.day("2026-05-13")
        #expect(Self.kinds(facts).isEmpty)
    }

    @Test func alertsAndCALDecisionsSinceThePreviousComite() {
        var facts = Self.quiet
        facts.alertsReportedOn = [Self.day("2026-05-13"), Self.day("2026-05-14"), Self.day("2026-06-02")]
        facts.calDecisionsOn = [Self.day("2026-06-01")]
        #expect(
            AgendaRules.reasons(for: facts, at: Self.window).map(\.detail) == [
                "2 alertes du bailleur depuis le comité précédent.",
                "Une décision de la CAL depuis le comité précédent.",
            ])
        facts.alertsReportedOn = [Self.day("2026-06-11")]
        facts.calDecisionsOn = []
        #expect(Self.kinds(facts).isEmpty)
    }

    @Test func theReferentProposesTheEnd() {
        var facts = Self.quiet
        facts.endProposedOn = Self.day("2026-06-03")
        #expect(Self.kinds(facts) == [.endProposed])
    }

    @Test func aPartnerAsksWithItsReason() {
        var facts = Self.quiet
        facts.partnerRequests = [.init(organisationID: Self.partner, reason: "Dette d'énergie à examiner.")]
        #expect(
            AgendaRules.reasons(for: facts, at: Self.window) == [
                AgendaReason(
                    .partnerRequest, "Demande d'un partenaire : Dette d'énergie à examiner.",
                    organisationID: Self.partner)
            ])
    }

    @Test func noOneIsForgottenAfterThreeComites() {
        var facts = SituationFacts(accompaniedSince: Self.day("2026-01-05"), reviewedAt: [Self.day("2026-02-11")])
        #expect(
            AgendaRules.reasons(for: facts, at: Self.window).map(\.detail) == [
                "Situation non examinée depuis 3 comités : personne n'est oublié."
            ])
        facts.reviewedAt.append(Self.day("2026-03-11"))
        #expect(Self.kinds(facts).isEmpty)
        // Not yet followed through three comités, or a cell with fewer than three behind it.
        #expect(Self.kinds(SituationFacts(accompaniedSince: Self.day("2026-04-01"))).isEmpty)
        #expect(
            Self.kinds(
                SituationFacts(accompaniedSince: Self.day("2025-01-01")),
                ComiteWindow(on: Self.day("2026-06-10"), earlier: [Self.day("2026-05-13")])
            ).isEmpty)
    }

    @Test func allRulesTogetherKeepTheirOrder() {
        let facts = SituationFacts(
            accompaniedSince: Self.day("2025-12-01"), contractEndsOn: Self.day("2026-06-05"),
            alertsReportedOn: [Self.day("2026-05-20")], calDecisionsOn: [Self.day("2026-05-21")],
            endProposedOn: Self.day("2026-06-01"),
            partnerRequests: [.init(organisationID: Self.partner, reason: "Voisinage.")], reviewedAt: [])
        #expect(
            Self.kinds(facts) == [
                .sixMonths, .contractEnding, .alert, .calDecision, .endProposed, .partnerRequest, .notReviewed,
            ])
    }

    @Test func aFirstComiteLooksBackOneMonth() {
        let first = ComiteWindow(on: Self.day("2026-06-10"), earlier: [])
        #expect(first.since == Self.day("2026-05-10"))
        let facts = SituationFacts(alertsReportedOn: [Self.day("2026-05-11"), Self.day("2026-05-09")])
        #expect(
            AgendaRules.reasons(for: facts, at: first).map(\.detail) == [
                "Une alerte du bailleur depuis le comité précédent."
            ])
    }
}
