import Foundation

/// Why a situation is on a comité de suivi's agenda (issue 6): each rule gives its reason,
/// said in French, so the facilitator and the partners see why it is there.
public enum AgendaReasonKind: String, Sendable, CaseIterable, Codable {
    /// Every six months of accompaniment is a point d'étape.
    case sixMonths
    /// The contrat d'accompagnement ends.
    case contractEnding
    case alert
    case calDecision
    /// The référent proposes to end the accompaniment.
    case endProposed
    /// A partner asked, with a reason.
    case partnerRequest
    /// No one is forgotten: not reviewed for three comités.
    case notReviewed
}

public struct AgendaReason: Sendable, Equatable, Codable {
    public let kind: AgendaReasonKind
    public let detail: String
    /// The organisation that asked, for a partner's request.
    public let organisationID: UUID?

    public init(_ kind: AgendaReasonKind, _ detail: String, organisationID: UUID? = nil) {
        self.kind = kind
        self.detail = detail
        self.organisationID = organisationID
    }
}

/// What the rules look at for one situation followed by the cell, as of the comité.
public struct SituationFacts: Sendable, Equatable {
    /// The start of the current accompaniment (its acceptance, or its reopening).
    public var accompaniedSince: Date?
    public var contractEndsOn: Date?
    public var alertsReportedOn: [Date]
    public var calDecisionsOn: [Date]
    public var endProposedOn: Date?
    public var partnerRequests: [PartnerRequest]
    /// The comités of the cell where the situation was on the agenda.
    public var reviewedAt: [Date]

    public struct PartnerRequest: Sendable, Equatable {
        public let organisationID: UUID
        public let reason: String

        public init(organisationID: UUID, reason: String) {
            self.organisationID = organisationID
            self.reason = reason
        }
    }

    public init(
        accompaniedSince: Date? = nil, contractEndsOn: Date? = nil, alertsReportedOn: [Date] = [],
        calDecisionsOn: [Date] = [], endProposedOn: Date? = nil, partnerRequests: [PartnerRequest] = [],
        reviewedAt: [Date] = []
    ) {
        self.accompaniedSince = accompaniedSince
        self.contractEndsOn = contractEndsOn
        self.alertsReportedOn = alertsReportedOn
        self.calDecisionsOn = calDecisionsOn
        self.endProposedOn = endProposedOn
        self.partnerRequests = partnerRequests
        self.reviewedAt = reviewedAt
    }
}

/// The comité the agenda is for, and the cell's comités before it.
public struct ComiteWindow: Sendable, Equatable {
    public let on: Date
    /// The cell's earlier comités that were held, most recent first.
    public let earlier: [Date]

    public init(on: Date, earlier: [Date]) {
        self.on = on
        self.earlier = earlier.filter { $0 < on }.sorted(by: >)
    }

    /// "Since the previous comité": its day excluded; a first comité looks back one month.
    public var since: Date {
        earlier.first ?? Calendar.utc.date(byAdding: .month, value: -1, to: on)!
    }

    func covers(_ day: Date) -> Bool { day > since && day <= on }
}

public enum AgendaRules {
    /// How many comités a situation may go unreviewed.
    public static let forgottenAfter = 3

    /// Every reason the situation has to be on the comité's agenda; none keeps it off.
    public static func reasons(for facts: SituationFacts, at window: ComiteWindow) -> [AgendaReason] {
        var reasons: [AgendaReason] = []
        if let start = facts.accompaniedSince {
            var months = 6
            while let milestone = Calendar.utc.date(byAdding: .month, value: months, to: start), milestone <= window.on
            {
                if window.covers(milestone) {
                    reasons.append(
                        AgendaReason(.sixMonths, "\(months) mois d'accompagnement le \(Day(milestone).french)."))
                }
                months += 6
            }
        }
        if let end = facts.contractEndsOn, window.covers(end) {
            reasons.append(
                AgendaReason(
                    .contractEnding, "Le contrat d'accompagnement arrive à échéance le \(Day(end).french)."))
        }
        let alerts = facts.alertsReportedOn.filter(window.covers).count
        if alerts > 0 {
            reasons.append(
                AgendaReason(
                    .alert,
                    alerts == 1
                        ? "Une alerte du bailleur depuis le comité précédent."
                        : "\(alerts) alertes du bailleur depuis le comité précédent."))
        }
        let decisions = facts.calDecisionsOn.filter(window.covers).count
        if decisions > 0 {
            reasons.append(
                AgendaReason(
                    .calDecision,
                    decisions == 1
                        ? "Une décision de la CAL depuis le comité précédent."
                        : "\(decisions) décisions de la CAL depuis le comité précédent."))
        }
        if let proposed = facts.endProposedOn, proposed <= window.on {
            reasons.append(
                AgendaReason(
                    .endProposed, "Le référent propose la fin de l'accompagnement (\(Day(proposed).french))."))
        }
        for request in facts.partnerRequests {
            reasons.append(
                AgendaReason(
                    .partnerRequest, "Demande d'un partenaire : \(request.reason)",
                    organisationID: request.organisationID
                ))
        }
        // No one is forgotten: followed through the last three comités without being reviewed.
        let lastThree = window.earlier.prefix(forgottenAfter)
        if lastThree.count == forgottenAfter, let start = facts.accompaniedSince, start <= lastThree.last!,
            !facts.reviewedAt.contains(where: { $0 >= lastThree.last! && $0 < window.on })
        {
            reasons.append(
                AgendaReason(
                    .notReviewed, "Situation non examinée depuis \(forgottenAfter) comités : personne n'est oublié."))
        }
        return reasons
    }
}
