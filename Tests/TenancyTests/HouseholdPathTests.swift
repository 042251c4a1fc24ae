import Foundation
import Testing

@testable import Tenancy

@Suite struct HouseholdPathTests {
    static func day(_ text: String) -> Date {
        let parts = text.split(separator: "-").map { Int($0)! }
        return Calendar.utc.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
    }

    static let lease = day("2025-03-01")
    static let longContract = ContractFacts(plannedEnd: day("2026-03-01"))

    /// Every step from every state, with what it leads to (nil: refused). The facts are
    /// the easiest ones for the step (an attribution, a long contract) so that only the
    /// state decides; the facts' own rules have their tests below.
    static let table: [PathState: [String: PathState?]] = [
        .oriented: [
            "accept": .accepted, "decline": .declined, "validateDiagnostic": nil, "propose": nil, "cal": nil,
            "signLease": nil, "moveIn": nil, "end": nil, "withdraw": .withdrawn, "reopen": nil,
        ],
        .accepted: [
            "accept": nil, "decline": nil, "validateDiagnostic": .diagnosed, "propose": nil, "cal": nil,
            "signLease": nil, "moveIn": nil, "end": .ended, "withdraw": .withdrawn, "reopen": nil,
        ],
        .diagnosed: [
            "accept": nil, "decline": nil, "validateDiagnostic": .diagnosed, "propose": .candidate, "cal": nil,
            "signLease": nil, "moveIn": nil, "end": .ended, "withdraw": .withdrawn, "reopen": nil,
        ],
        .candidate: [
            "accept": nil, "decline": nil, "validateDiagnostic": .candidate, "propose": .candidate,
            "cal": .calDecided, "signLease": nil, "moveIn": nil, "end": .ended, "withdraw": .withdrawn, "reopen": nil,
        ],
        .calDecided: [
            "accept": nil, "decline": nil, "validateDiagnostic": .calDecided, "propose": nil, "cal": nil,
            "signLease": .leaseSigned, "moveIn": nil, "end": .ended, "withdraw": .withdrawn, "reopen": nil,
        ],
        .leaseSigned: [
            "accept": nil, "decline": nil, "validateDiagnostic": .leaseSigned, "propose": nil, "cal": nil,
            "signLease": nil, "moveIn": .accompaniedInFlat, "end": .ended, "withdraw": .withdrawn, "reopen": nil,
        ],
        .accompaniedInFlat: [
            "accept": nil, "decline": nil, "validateDiagnostic": .accompaniedInFlat, "propose": nil, "cal": nil,
            "signLease": nil, "moveIn": nil, "end": .ended, "withdraw": .withdrawn, "reopen": nil,
        ],
        .ended: [
            "accept": nil, "decline": nil, "validateDiagnostic": nil, "propose": nil, "cal": nil, "signLease": nil,
            "moveIn": nil, "end": nil, "withdraw": nil, "reopen": .accepted,
        ],
        .withdrawn: [
            "accept": nil, "decline": nil, "validateDiagnostic": nil, "propose": nil, "cal": nil, "signLease": nil,
            "moveIn": nil, "end": nil, "withdraw": nil, "reopen": .accepted,
        ],
        .declined: [
            "accept": nil, "decline": nil, "validateDiagnostic": nil, "propose": nil, "cal": nil, "signLease": nil,
            "moveIn": nil, "end": nil, "withdraw": nil, "reopen": nil,
        ],
    ]

    static let steps: [String: PathStep] = [
        "accept": .accept, "decline": .decline, "validateDiagnostic": .validateDiagnostic, "propose": .propose,
        "cal": .recordCALDecision(.attribution), "signLease": .signLease(on: lease),
        "moveIn": .moveIn(on: day("2025-03-10")), "end": .end, "withdraw": .withdraw, "reopen": .reopen,
    ]

    @Test(arguments: PathState.allCases)
    func everyStepFromEveryState(_ state: PathState) throws {
        let row = try #require(Self.table[state])
        #expect(Set(row.keys) == Set(Self.steps.keys))
        let facts = PathFacts(
            state: state, lastCALDecision: .attribution, contract: Self.longContract, leaseSignedOn: Self.lease)
        for (name, step) in Self.steps {
            let expected = row[name]!
            switch HouseholdPath.next(step, from: facts) {
            case .success(let next):
                #expect(next == expected, "\(state) + \(name)")
            case .failure(let refusal):
                #expect(expected == nil, "\(state) + \(name) refusé : \(refusal.message)")
                #expect(refusal.message.count > 20 && refusal.message.hasSuffix("."))
            }
        }
    }

    func refusal(_ step: PathStep, _ facts: PathFacts) -> String? {
        if case .failure(let refusal) = HouseholdPath.next(step, from: facts) { return refusal.message }
        return nil
    }

    @Test func aLeaseNeedsAnAttributionAndASignedContractCoveringSixMonths() {
        let signing = PathStep.signLease(on: Self.lease)
        #expect(
            refusal(signing, PathFacts(state: .calDecided, lastCALDecision: .refusal, contract: Self.longContract))
                == "Le bail suppose une attribution du logement par la CAL.")
        #expect(
            refusal(signing, PathFacts(state: .calDecided, lastCALDecision: .attribution))
                == "Le contrat d'accompagnement doit être signé avant le bail.")
        let short = ContractFacts(plannedEnd: Self.day("2025-08-31"))
        #expect(
            refusal(signing, PathFacts(state: .calDecided, lastCALDecision: .conditionalAttribution, contract: short))
                == "Le contrat d'accompagnement doit couvrir au moins 6 mois après l'entrée dans le logement (jusqu'au 01/09/2025 au moins) : prolongez-le d'abord."
        )
        let exact = ContractFacts(plannedEnd: Self.day("2025-09-01"))
        #expect(
            HouseholdPath.next(
                signing, from: PathFacts(state: .calDecided, lastCALDecision: .conditionalAttribution, contract: exact))
                == .success(.leaseSigned))
        #expect(
            refusal(signing, PathFacts(state: .candidate, contract: Self.longContract))
                == "Le bail suppose une attribution du logement par la CAL.")
    }

    @Test func movingInFollowsTheLeaseAndIsCoveredToo() {
        let facts = PathFacts(state: .leaseSigned, contract: ContractFacts(plannedEnd: Self.day("2025-09-15")))
        #expect(
            refusal(
                .moveIn(on: Self.day("2025-02-28")),
                PathFacts(
                    state: .leaseSigned, contract: Self.longContract, leaseSignedOn: Self.lease))
                == "L'entrée dans le logement ne peut pas précéder la signature du bail.")
        #expect(refusal(.moveIn(on: Self.day("2025-03-15")), facts) == nil)
        #expect(refusal(.moveIn(on: Self.day("2025-04-01")), facts)?.contains("01/10/2025") == true)
        #expect(
            refusal(.moveIn(on: Self.lease), PathFacts(state: .calDecided, lastCALDecision: .attribution))
                == "L'entrée dans le logement suppose un bail signé.")
    }

    @Test func aRefusedOrPostponedCandidateMayBeProposedAgainOrHeardAgain() {
        for decision in [CALDecisionKind.refusal, .postponement] {
            #expect(
                HouseholdPath.next(.propose, from: PathFacts(state: .calDecided, lastCALDecision: decision))
                    == .success(.candidate))
        }
        #expect(
            HouseholdPath.next(
                .recordCALDecision(.attribution), from: PathFacts(state: .calDecided, lastCALDecision: .postponement))
                == .success(.calDecided))
        #expect(
            refusal(.recordCALDecision(.refusal), PathFacts(state: .calDecided, lastCALDecision: .refusal))
                == "Une décision de la CAL suppose une candidature en cours : un logement proposé au ménage.")
        #expect(
            refusal(.propose, PathFacts(state: .accepted))
                == "Le diagnostic social partagé doit être validé avant qu'un logement soit proposé.")
    }
}

@Suite struct AccompanimentTermsTests {
    static let start = HouseholdPathTests.day("2025-01-01")

    func terms(
        _ kind: ContractKind, ends: String, objectives: [String] = ["SL", "SH"], departement: Bool = false,
        household: Bool = true
    ) -> ContractTerms {
        ContractTerms(
            kind: kind, objectives: objectives, startsOn: Self.start, plannedEndOn: HouseholdPathTests.day(ends),
            signedByHousehold: household, signedByOperator: true, signedByDepartement: departement)
    }

    @Test func aContractNeedsObjectivesAnEndAfterItsStartAndItsSignatories() {
        #expect(terms(.avdl, ends: "2025-12-31").problems.isEmpty)
        #expect(terms(.avdl, ends: "2024-12-31").problems.map(\.field) == ["plannedEndOn"])
        #expect(terms(.avdl, ends: "2025-01-01").problems.map(\.field) == ["plannedEndOn"])
        #expect(terms(.avdl, ends: "2025-12-31", objectives: []).problems.map(\.field) == ["objectives"])
        #expect(terms(.avdl, ends: "2025-12-31", objectives: ["XX"]).problems.map(\.field) == ["objectives"])
        #expect(terms(.avdl, ends: "2025-12-31", objectives: ["SL", "SL"]).problems.map(\.field) == ["objectives"])
        #expect(terms(.asll, ends: "2025-12-31", household: false).problems.map(\.field) == ["signatories"])
    }

    @Test func aMASP2IsTripartiteAndLastsSixToTwentyFourMonths() {
        #expect(terms(.masp2, ends: "2025-07-01", departement: true).problems.isEmpty)
        #expect(terms(.masp2, ends: "2027-01-01", departement: true).problems.isEmpty)
        #expect(
            terms(.masp2, ends: "2025-06-30", departement: true).problems.map(\.message)
                == ["Une MASP2 dure de 6 à 24 mois."])
        #expect(terms(.masp2, ends: "2027-01-02", departement: true).problems.map(\.field) == ["plannedEndOn"])
        #expect(
            terms(.masp2, ends: "2025-12-31").problems.map(\.message)
                == ["Une MASP2 est tripartite : le département la signe aussi."])
        #expect(terms(.avdl, ends: "2030-01-01").problems.isEmpty)
    }
}

@Suite struct EuroAmountTests {
    @Test func exactDecimalsOnly() {
        #expect(EuroAmount("1234.56")?.cents == 123_456)
        #expect(EuroAmount("1234.5")?.cents == 123_450)
        #expect(EuroAmount("0")?.cents == 0)
        #expect(EuroAmount("65000.00")?.description == "65000.00")
        for bad in ["", "-1", "+1", "1,5", "1.234", "1e3", "1 000", ".5", "5.", "١٢", "12345678901", "NaN"] {
            #expect(EuroAmount(bad) == nil, "\(bad)")
        }
        #expect(EuroAmount("100001")! > EuroAmount.maximum)
    }
}
