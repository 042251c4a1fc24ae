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
        let answeredOn: Day
        let authorOrganisationId: UUID
    }

    let id: UUID
    let flat: Flat
    let proposedOn: Day
    let authorOrganisationId: UUID
    @Null var answer: Answer?
    let createdAt: Date
}

extension Proposal: RowDecodable {
    /// The flat's columns under their own names (`FlatStore.columns`), the proposal's and its
    /// answer's under `proposal_` and `answer_`.
    init(row: NamedRow) throws {
        var answer: Answer?
        if let kind: String = try row["answer"], let answeredOn: Day = try row["answered_on"],
            let author: UUID = try row["answer_author"]
        {
            answer = Answer(
                answer: kind, refusalReason: try row["refusal_reason"], comment: try row["comment"],
                answeredOn: answeredOn, authorOrganisationId: author)
        }
        self.init(
            id: try row["proposal_id"], flat: try Flat(row: row), proposedOn: try row["proposed_on"],
            authorOrganisationId: try row["proposal_author"], answer: answer, createdAt: try row["proposal_created_at"])
    }
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

    func validated() throws -> (answeredOn: Day, comment: String?) {
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
    let decidedOn: Day
    let decision: String
    @Null var refusalReason: String?
    @Null var condition: String?
    @Null var comment: String?
    let authorOrganisationId: UUID
    let createdAt: Date
}

extension CALDecision: RowDecodable {
    /// From `CandidacyStore.decisionColumns`.
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], proposalId: try row["proposal_id"], decidedOn: try row["decided_on"],
            decision: try row["decision"], refusalReason: try row["refusal_reason"], condition: try row["condition"],
            comment: try row["comment"], authorOrganisationId: try row["author_organisation_id"],
            createdAt: try row["created_at"])
    }
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
            kind: kind, condition: condition, comment: comment)
    }
}

/// Proposals, answers and CAL decisions; RLS shows each reader what R1–R4 allow.
enum CandidacyStore {
    static func proposals(
        of household: UUID, only id: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Proposal] {
        let rows = try await connection.query(
            """
            SELECT p.id AS proposal_id, p.proposed_on, p.author_organisation_id AS proposal_author,
                   p.created_at AS proposal_created_at, a.answer, a.refusal_reason, a.comment, a.answered_on,
                   a.author_organisation_id AS answer_author, \(unescaped: FlatStore.columns)
            FROM proposals p
            JOIN flats f ON f.id = p.flat_id
            LEFT JOIN proposal_answers a ON a.proposal_id = p.id
            WHERE p.household_id = \(household) AND (\(id)::uuid IS NULL OR p.id = \(id))
            ORDER BY p.proposed_on DESC, p.created_at DESC
            """, logger: logger)
        return try await rows.collect(Proposal.self)
    }

    static func propose(
        _ flat: UUID, on proposedOn: Day, household: UUID, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id, proposed_on)
            VALUES (\(id), \(household), \(flat), \(actor.organisationID), \(actor.userID), \(proposedOn))
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
        id, proposal_id, decided_on, decision, refusal_reason, condition, comment, author_organisation_id,
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
        _ request: NewCALDecisionRequest, _ checked: NewCALDecisionRequest.Checked, on decidedOn: Day, household: UUID,
        by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> CALDecision {
        let rows = try await connection.query(
            """
            INSERT INTO cal_decisions (id, household_id, proposal_id, author_organisation_id, author_user_id,
                                       decided_on, decision, refusal_reason, condition, comment)
            VALUES (\(UUID()), \(household), \(request.proposalId), \(actor.organisationID), \(actor.userID),
                    \(decidedOn), \(request.decision), \(request.refusalReason), \(checked.condition),
                    \(checked.comment))
            RETURNING \(unescaped: decisionColumns)
            """, logger: logger)
        guard let decision = try await decisions(from: rows).first else { throw Problem.internal }
        return decision
    }

    static func decisions(from rows: PostgresRowSequence) async throws -> [CALDecision] {
        try await rows.collect(CALDecision.self)
    }
}
