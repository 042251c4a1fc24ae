import Foundation

/// The stages of a household's path (DOMAIN.md, "A household's path"), as pure rules: which
/// step may follow which state, and, when one may not, a French sentence saying what is
/// missing. The routes answer 409 with that sentence; nothing here touches the database.
public enum PathState: String, Sendable, CaseIterable, Codable {
    case oriented, accepted, diagnosed, candidate, calDecided, leaseSigned, accompaniedInFlat, ended
    case declined, withdrawn

    /// What the household's own documents call the stage (the right-of-access export).
    public var label: String {
        switch self {
        case .oriented: "orienté"
        case .accepted: "accepté"
        case .diagnosed: "diagnostic partagé validé"
        case .candidate: "candidat à un logement"
        case .calDecided: "décision de la commission d'attribution"
        case .leaseSigned: "bail signé"
        case .accompaniedInFlat: "accompagné dans le logement"
        case .ended: "accompagnement terminé"
        case .declined: "non accepté"
        case .withdrawn: "accompagnement interrompu à la demande du ménage"
        }
    }

    /// Between acceptance and the end: the household is accompanied.
    public var isActive: Bool {
        switch self {
        case .accepted, .diagnosed, .candidate, .calDecided, .leaseSigned, .accompaniedInFlat: true
        case .oriented, .ended, .declined, .withdrawn: false
        }
    }
}

/// What a commission d'attribution des logements decides for a candidate.
public enum CALDecisionKind: String, Sendable, CaseIterable, Codable {
    case attribution, conditionalAttribution, postponement, refusal

    /// The household may sign a lease for the flat.
    public var attributes: Bool { self == .attribution || self == .conditionalAttribution }
}

public enum PathStep: Sendable, Equatable {
    case accept, decline
    /// A diagnostic version is validated: the first one moves an accepted household on.
    case validateDiagnostic
    /// The bailleur proposes a flat.
    case propose
    case recordCALDecision(CALDecisionKind)
    case signLease(on: Date)
    /// The entry inspection (état des lieux d'entrée): the household lives in the flat.
    case moveIn(on: Date)
    case end
    /// The household withdraws its consent to the accompaniment (libre adhésion).
    case withdraw
    /// Droit au recommencement.
    case reopen
}

/// The signed contract d'accompagnement in force, as far as the path needs it.
public struct ContractFacts: Sendable, Equatable {
    public let plannedEnd: Date

    public init(plannedEnd: Date) { self.plannedEnd = plannedEnd }
}

/// What the path rules look at.
public struct PathFacts: Sendable, Equatable {
    public var state: PathState
    public var lastCALDecision: CALDecisionKind?
    public var contract: ContractFacts?
    public var leaseSignedOn: Date?

    public init(
        state: PathState, lastCALDecision: CALDecisionKind? = nil, contract: ContractFacts? = nil,
        leaseSignedOn: Date? = nil
    ) {
        self.state = state
        self.lastCALDecision = lastCALDecision
        self.contract = contract
        self.leaseSignedOn = leaseSignedOn
    }
}

public struct PathRefusal: Error, Sendable, Equatable {
    public let message: String
}

public enum HouseholdPath {
    /// The accompaniment goes on at least this long after moving in (AVDL agreement).
    public static let minimumMonthsInFlat = 6

    /// The state `step` leads to from `facts`, or why it may not be taken.
    public static func next(_ step: PathStep, from facts: PathFacts) -> Result<PathState, PathRefusal> {
        let state = facts.state
        func refuse(_ message: String) -> Result<PathState, PathRefusal> { .failure(PathRefusal(message: message)) }
        let closed = "Le parcours de ce ménage est clos : il doit être rouvert avant toute nouvelle étape."

        switch step {
        case .accept, .decline:
            guard state == .oriented else {
                return refuse("Ce ménage n'est plus en attente d'acceptation.")
            }
            return .success(step == .accept ? .accepted : .declined)

        case .validateDiagnostic:
            guard state.isActive else {
                return refuse(state == .oriented ? "Le ménage doit être accepté avant son diagnostic." : closed)
            }
            // Later versions (in the flat too) enrich the diagnostic without moving the path.
            return .success(state == .accepted ? .diagnosed : state)

        case .propose:
            switch state {
            case .diagnosed, .candidate: return .success(.candidate)
            case .calDecided where facts.lastCALDecision?.attributes == false: return .success(.candidate)
            case .calDecided:
                return refuse(
                    "La CAL a déjà attribué un logement : enregistrez le bail, ou une nouvelle décision de la CAL.")
            case .accepted:
                return refuse("Le diagnostic social partagé doit être validé avant qu'un logement soit proposé.")
            case .leaseSigned, .accompaniedInFlat: return refuse("Le ménage a déjà signé un bail.")
            case .oriented: return refuse("Le ménage doit être accepté avant qu'un logement lui soit proposé.")
            case .ended, .declined, .withdrawn: return refuse(closed)
            }

        case .recordCALDecision:
            switch state {
            case .candidate: return .success(.calDecided)
            // A postponed file comes back before the commission.
            case .calDecided where facts.lastCALDecision == .postponement: return .success(.calDecided)
            case .ended, .declined, .withdrawn: return refuse(closed)
            default:
                return refuse(
                    "Une décision de la CAL suppose une candidature en cours : un logement proposé au ménage.")
            }

        case .signLease(let signedOn):
            guard state.isActive else { return refuse(closed) }
            guard state == .calDecided, facts.lastCALDecision?.attributes == true else {
                if state == .leaseSigned || state == .accompaniedInFlat {
                    return refuse("Un bail est déjà enregistré pour ce ménage.")
                }
                return refuse("Le bail suppose une attribution du logement par la CAL.")
            }
            guard let contract = facts.contract else {
                return refuse("Le contrat d'accompagnement doit être signé avant le bail.")
            }
            if let refusal = coverageRefusal(contract, from: signedOn) { return .failure(refusal) }
            return .success(.leaseSigned)

        case .moveIn(let movedIn):
            guard state == .leaseSigned else {
                return refuse(
                    state.isActive || state == .oriented
                        ? "L'entrée dans le logement suppose un bail signé." : closed)
            }
            if let signed = facts.leaseSignedOn, movedIn < Calendar.utc.startOfDay(for: signed) {
                return refuse("L'entrée dans le logement ne peut pas précéder la signature du bail.")
            }
            guard let contract = facts.contract else {
                return refuse("Le contrat d'accompagnement doit être signé avant l'entrée dans le logement.")
            }
            if let refusal = coverageRefusal(contract, from: movedIn) { return .failure(refusal) }
            return .success(.accompaniedInFlat)

        case .end:
            guard state.isActive else {
                return refuse(state == .oriented ? "Un ménage orienté n'est pas encore accompagné." : closed)
            }
            return .success(.ended)

        case .withdraw:
            guard state.isActive || state == .oriented else {
                return refuse("Le parcours de ce ménage est déjà clos.")
            }
            return .success(.withdrawn)

        case .reopen:
            guard state == .ended || state == .withdrawn else {
                return refuse("Seul un accompagnement clos (terminé ou interrompu par le ménage) peut être rouvert.")
            }
            return .success(.accepted)
        }
    }

    /// The contract must run at least six months past `start` (the lease, then the move).
    static func coverageRefusal(_ contract: ContractFacts, from start: Date) -> PathRefusal? {
        let needed = Calendar.utc.date(byAdding: .month, value: minimumMonthsInFlat, to: start)!
        guard contract.plannedEnd < Calendar.utc.startOfDay(for: needed) else { return nil }
        let day = Day(needed).french
        return PathRefusal(
            message:
                "Le contrat d'accompagnement doit couvrir au moins \(minimumMonthsInFlat) mois après l'entrée dans le logement (jusqu'au \(day) au moins) : prolongez-le d'abord."
        )
    }
}

extension Calendar {
    /// Dates of the path are days in UTC: the same day for every reader.
    public static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
