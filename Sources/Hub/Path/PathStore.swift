import Foundation
import Logging
import PostgresNIO
import Tenancy

/// Where a household stands on its path, read under the reader's settings with the
/// household's row locked: two steps taken at once are taken one after the other.
struct PathSnapshot: Sendable {
    var facts: PathFacts
    let programme: UUID
    /// The opaque reference notifications carry (R13).
    let reference: String
    /// Whether the household was ever accepted (it has a référent).
    let wasAccepted: Bool
    /// The proposal the latest CAL decision was about, and that decision's day.
    let lastDecidedProposal: UUID?
    let lastDecidedOn: Day?
    /// The days its programme runs: every fact of the path falls within them (`FactDay`).
    let period: ProgrammePeriod
    let orientedOn: Day
    /// The day of the household's latest move: what closes or reopens an accompaniment follows it.
    let lastMoveOn: Day
    /// The day the household's latest contract was signed: a lease follows it.
    let contractSignedOn: Day?

    var lastMove: FactDay.Step { FactDay.Step(lastMoveOn, "la dernière étape du parcours") }

    /// The day a body gives for a fact of the path, checked by `FactDay` against the programme
    /// and, when given, the step it follows.
    func day(
        _ text: String?, field: String, follows step: FactDay.Step? = nil, closesAccompaniment: Bool = false
    ) throws -> Day {
        try Day.effective(
            text, field: field, programme: period, follows: step, closesAccompaniment: closesAccompaniment)
    }
}

enum PathStore {
    static func snapshot(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> PathSnapshot
    {
        let rows = try await connection.query(
            """
            SELECT h.status, h.programme_id, h.reference, h.referent_user_id IS NOT NULL AS was_accepted,
                   h.oriented_on, p.name AS programme_name,
                   coalesce((SELECT max(t.occurred_on) FROM path_transitions t WHERE t.household_id = h.id),
                            h.oriented_on) AS last_move_on,
                   (SELECT c.signed_on FROM contracts c WHERE c.household_id = h.id
                    ORDER BY c.created_at DESC LIMIT 1) AS contract_signed_on,
                   p.starts_on AS programme_starts_on, p.ends_on AS programme_ends_on,
                   d.decision, d.proposal_id, d.decided_on,
                   (SELECT c.planned_end_on FROM contracts c WHERE c.household_id = h.id
                    ORDER BY c.created_at DESC LIMIT 1) AS planned_end_on,
                   (SELECT l.signed_on FROM leases l WHERE l.household_id = h.id
                    ORDER BY l.created_at DESC LIMIT 1) AS lease_signed_on
            FROM households h JOIN programmes p ON p.id = h.programme_id
            LEFT JOIN LATERAL (SELECT decision, proposal_id, decided_on FROM cal_decisions c
                               WHERE c.household_id = h.id ORDER BY c.decided_on DESC, c.created_at DESC LIMIT 1) d
                   ON true
            WHERE h.id = \(household)
            FOR UPDATE OF h
            """, logger: logger)
        for try await cells in rows {
            let row = NamedRow(cells)
            guard let state = PathState(rawValue: try row["status"]) else { throw Problem.internal }
            let decision: String? = try row["decision"]
            let plannedEnd: Day? = try row["planned_end_on"]
            let leaseSignedOn: Day? = try row["lease_signed_on"]
            let lastDecidedOn: Day? = try row["decided_on"]
            let facts = PathFacts(
                state: state, lastCALDecision: decision.flatMap(CALDecisionKind.init(rawValue:)),
                contract: plannedEnd.map { ContractFacts(plannedEnd: $0.date) }, leaseSignedOn: leaseSignedOn?.date)
            return PathSnapshot(
                facts: facts, programme: try row["programme_id"], reference: try row["reference"],
                wasAccepted: try row["was_accepted"], lastDecidedProposal: try row["proposal_id"],
                lastDecidedOn: lastDecidedOn,
                period: ProgrammePeriod(
                    name: try row["programme_name"], startsOn: try row["programme_starts_on"],
                    endsOn: try row["programme_ends_on"]),
                orientedOn: try row["oriented_on"], lastMoveOn: try row["last_move_on"],
                contractSignedOn: try row["contract_signed_on"])
        }
        // The gate let the reader through the door: the household exists for them.
        throw Problem.notFound
    }

    /// The state `step` leads to, or the rules' French sentence as a 409.
    static func take(_ step: PathStep, from facts: PathFacts) throws -> PathState {
        switch HouseholdPath.next(step, from: facts) {
        case .success(let state): return state
        case .failure(let refusal): throw Problem.conflict(refusal.message)
        }
    }

    /// Records the new state; the trigger of sql/0007 writes the transition and refuses a
    /// move the path does not have.
    /// The move and its day: the trigger of sql/0013 records both in `path_transitions`.
    static func move(
        _ household: UUID, to state: PathState, on day: Day, connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            "UPDATE households SET status = \(state.rawValue), status_on = \(day) WHERE id = \(household)",
            logger: logger)
    }
}
