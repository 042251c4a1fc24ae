import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A flat proposed to a household, with the household's answer when there is one.
struct Proposal: Encodable, Sendable {
    struct Answer: Encodable, Sendable {
        let answer: String
        @Null var refusalReason: String?
        @Null var comment: String?
        let answeredOn: String
        let authorOrganisationId: UUID
    }

    let id: UUID
    let flat: Flat
    let proposedOn: String
    let authorOrganisationId: UUID
    @Null var answer: Answer?
    let createdAt: Date
}

struct NewProposalRequest: ClosedJSONObject {
    static let fields: Set<String> = ["flatId", "proposedOn"]
    let flatId: UUID
    let proposedOn: String
}

struct ProposalAnswerRequest: ClosedJSONObject {
    static let fields: Set<String> = ["answer", "refusalReason", "comment", "answeredOn"]
    static let answers = HouseholdVocabulary.proposalAnswers.codes
    static let refusalReasons = HouseholdVocabulary.proposalRefusalReasons.codes
    let answer: String
    let refusalReason: String?
    let comment: String?
    let answeredOn: String

    func validated() throws -> (answeredOn: Date, comment: String?) {
        try checkCode(answer, in: Self.answers, field: "answer")
        if answer == "refused" {
            guard let refusalReason else {
                throw Problem.unprocessable("Un refus du ménage est motivé.", field: "refusalReason")
            }
            try checkCode(refusalReason, in: Self.refusalReasons, field: "refusalReason")
        } else {
            try check(refusalReason == nil, field: "refusalReason", "Seul un refus a un motif.")
        }
        let comment = try optionalText(comment, field: "comment")
        try check(
            refusalReason != "other" || comment != nil, field: "comment",
            "Le motif « other » se précise en commentaire.")
        return (try Day.past(answeredOn, field: "answeredOn"), comment)
    }
}

/// A decision of the commission d'attribution des logements on a proposal.
struct CALDecision: Encodable, Sendable {
    let id: UUID
    let proposalId: UUID
    let decidedOn: String
    let decision: String
    @Null var refusalReason: String?
    @Null var condition: String?
    @Null var comment: String?
    let authorOrganisationId: UUID
    let createdAt: Date
}

struct NewCALDecisionRequest: ClosedJSONObject {
    static let fields: Set<String> = ["proposalId", "decidedOn", "decision", "refusalReason", "condition", "comment"]
    static let refusalReasons = HouseholdVocabulary.calRefusalReasons.codes
    let proposalId: UUID
    let decidedOn: String
    let decision: String
    let refusalReason: String?
    let condition: String?
    let comment: String?

    struct Checked {
        let kind: CALDecisionKind
        let decidedOn: Date
        let condition: String?
        let comment: String?
    }

    func validated() throws -> Checked {
        try checkCode(decision, in: CALDecisionKind.allCases.map(\.rawValue), field: "decision")
        let kind = CALDecisionKind(rawValue: decision)!
        if kind == .refusal {
            guard let refusalReason else {
                throw Problem.unprocessable("Un refus de la CAL porte un motif de la liste.", field: "refusalReason")
            }
            try checkCode(refusalReason, in: Self.refusalReasons, field: "refusalReason")
        } else {
            try check(refusalReason == nil, field: "refusalReason", "Seul un refus de la CAL a un motif.")
        }
        let condition = try optionalText(condition, field: "condition")
        try check(
            (kind == .conditionalAttribution) == (condition != nil), field: "condition",
            "Une attribution sous condition, et elle seule, précise sa condition.")
        let comment = try optionalText(comment, field: "comment")
        try check(
            refusalReason != "other" || comment != nil, field: "comment",
            "Le motif « other » se précise en commentaire.")
        return Checked(
            kind: kind, decidedOn: try Day.past(decidedOn, field: "decidedOn"), condition: condition, comment: comment)
    }
}

/// Proposals, answers and CAL decisions; RLS shows each reader what R1–R4 allow.
enum CandidacyStore {
    static func proposals(
        of household: UUID, only id: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Proposal] {
        let rows = try await connection.query(
            """
            SELECT p.id, p.proposed_on::text, p.author_organisation_id, p.created_at,
                   a.answer, a.refusal_reason, a.comment, a.answered_on::text, a.author_organisation_id,
                   \(unescaped: FlatStore.columns)
            FROM proposals p
            JOIN flats f ON f.id = p.flat_id
            LEFT JOIN proposal_answers a ON a.proposal_id = p.id
            WHERE p.household_id = \(household) AND (\(id)::uuid IS NULL OR p.id = \(id))
            ORDER BY p.proposed_on DESC, p.created_at DESC
            """, logger: logger)
        var proposals: [Proposal] = []
        for try await row in rows.decode(
            (
                UUID, String, UUID, Date, String?, String?, String?, String?, UUID?,
                UUID, String, String, String, String, Int64, Int64, String, String, UUID, Date
            ).self)
        {
            let flat = Flat(
                id: row.9, reference: row.10, commune: row.11, departement: row.12, type: row.13,
                rent: EuroAmount(cents: row.14).description, charges: EuroAmount(cents: row.15).description,
                contingent: row.16, availableFrom: row.17, landlordOrganisationId: row.18, createdAt: row.19)
            var answer: Proposal.Answer?
            if let kind = row.4, let answeredOn = row.7, let author = row.8 {
                answer = Proposal.Answer(
                    answer: kind, refusalReason: row.5, comment: row.6, answeredOn: answeredOn,
                    authorOrganisationId: author)
            }
            proposals.append(
                Proposal(
                    id: row.0, flat: flat, proposedOn: row.1, authorOrganisationId: row.2, answer: answer,
                    createdAt: row.3))
        }
        return proposals
    }

    static func propose(
        _ flat: UUID, on proposedOn: String, household: UUID, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id, proposed_on)
            VALUES (\(id), \(household), \(flat), \(actor.organisationID), \(actor.userID), \(proposedOn)::date)
            """, logger: logger)
        return id
    }

    static func answer(
        _ request: ProposalAnswerRequest, comment: String?, proposal: UUID, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            INSERT INTO proposal_answers (proposal_id, household_id, author_organisation_id, author_user_id, answer,
                                          refusal_reason, comment, answered_on)
            VALUES (\(proposal), \(household), \(actor.organisationID), \(actor.userID), \(request.answer),
                    \(request.refusalReason), \(comment), \(request.answeredOn)::date)
            """, logger: logger)
    }

    static let decisionColumns = """
        id, proposal_id, decided_on::text, decision, refusal_reason, condition, comment, author_organisation_id,
        created_at
        """

    static func decisions(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [CALDecision]
    {
        try await decisions(
            from: connection.query(
                """
                SELECT \(unescaped: decisionColumns) FROM cal_decisions WHERE household_id = \(household)
                ORDER BY decided_on DESC, created_at DESC
                """, logger: logger))
    }

    static func decide(
        _ request: NewCALDecisionRequest, _ checked: NewCALDecisionRequest.Checked, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> CALDecision {
        let rows = try await connection.query(
            """
            INSERT INTO cal_decisions (id, household_id, proposal_id, author_organisation_id, author_user_id,
                                       decided_on, decision, refusal_reason, condition, comment)
            VALUES (\(UUID()), \(household), \(request.proposalId), \(actor.organisationID), \(actor.userID),
                    \(request.decidedOn)::date, \(request.decision), \(request.refusalReason), \(checked.condition),
                    \(checked.comment))
            RETURNING \(unescaped: decisionColumns)
            """, logger: logger)
        guard let decision = try await decisions(from: rows).first else { throw Problem.internal }
        return decision
    }

    static func decisions(from rows: PostgresRowSequence) async throws -> [CALDecision] {
        var decisions: [CALDecision] = []
        for try await row in rows.decode(
            (UUID, UUID, String, String, String?, String?, String?, UUID, Date).self)
        {
            decisions.append(
                CALDecision(
                    id: row.0, proposalId: row.1, decidedOn: row.2, decision: row.3, refusalReason: row.4,
                    condition: row.5, comment: row.6, authorOrganisationId: row.7, createdAt: row.8))
        }
        return decisions
    }
}
