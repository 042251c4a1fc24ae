import Foundation
import Logging
import PostgresNIO
import Tenancy

/// R11: what a request disclosed or changed, written in the request's own transaction by
/// `audit_append` (sql/0002), so that nothing is disclosed if it cannot be recorded.
struct AuditRecord: Sendable {
    enum Outcome: String, Sendable { case disclosed, changed, denied }

    var action: String
    var households: [UUID]
    var levels: Set<Level>
    var outcome: Outcome

    static func changed(_ action: String, _ household: UUID, levels: Set<Level> = [.partners]) -> AuditRecord {
        AuditRecord(action: action, households: [household], levels: levels, outcome: .changed)
    }

    /// The chain it joins: the household's when it concerns one household, else the acting
    /// organisation's (lists, denied attempts). See the chain's design in sql/0002.
    func chain(for actor: Actor) -> String {
        if households.count == 1, outcome != .denied { return "household:\(households[0].uuidString.lowercased())" }
        return "organisation:\(actor.organisationID.uuidString.lowercased())"
    }
}

extension PostgresConnection {
    func append(_ record: AuditRecord, actor: Actor, requestID: String, logger: Logger) async throws {
        try await perform(
            """
            SELECT audit_append(\(record.chain(for: actor)), \(record.households), \(record.action),
                                \(record.levels.sorted().map(\.rawValue)), \(record.outcome.rawValue), \(requestID))
            """, logger: logger)
    }
}

/// What a request on one household disclosed (the levels it read) or changed; the gate
/// records it under the request's action.
enum Disclosure: Sendable {
    case disclosed(Set<Level>)
    case changed(Set<Level> = [.partners])

    func record(_ action: String, households: [UUID]) -> AuditRecord {
        switch self {
        case .disclosed(let levels):
            AuditRecord(action: action, households: households, levels: levels, outcome: .disclosed)
        case .changed(let levels):
            AuditRecord(action: action, households: households, levels: levels, outcome: .changed)
        }
    }
}

extension PostgresClient {
    /// The actor's transaction for a request whose every outcome is audited (R11), shared by
    /// the household and comité gates: the body returns its result with the record of what it
    /// disclosed or changed, written in the same transaction; a 404 or 403 it throws is
    /// recorded as a denial and committed, and the answer still says nothing more.
    func audited<Result: Sendable>(
        action: String, denying households: [UUID], context: AuthenticatedContext,
        _ body: (PostgresConnection, Actor) async throws -> (Result, AuditRecord)
    ) async throws -> Result {
        let actor = context.actor
        let outcome: Swift.Result<Result, Problem> = try await withActor(actor, logger: context.logger) {
            connection in
            do {
                let (result, record) = try await body(connection, actor)
                try await connection.append(record, actor: actor, requestID: context.id, logger: context.logger)
                return .success(result)
            } catch let problem as Problem where [.notFound, .forbidden].contains(problem.status) {
                let denied = AuditRecord(action: action, households: households, levels: [], outcome: .denied)
                try await connection.append(denied, actor: actor, requestID: context.id, logger: context.logger)
                return .failure(problem)
            }
        }
        return try outcome.get()
    }
}

/// A request on one household: loads who may see it, refuses (404, exactly as a missing
/// household: R7) when the reader is not through the door, and writes the audit record of
/// what the body disclosed or changed — or of the denial — in the same transaction.
struct HouseholdGate: Sendable {
    let client: PostgresClient

    func run<Result: Sendable>(
        _ householdID: UUID, action: String, context: AuthenticatedContext,
        _ body: @Sendable (PostgresConnection, Actor, HouseholdFacts) async throws -> (Result, Disclosure)
    ) async throws -> Result {
        try await client.audited(action: action, denying: [householdID], context: context) { connection, actor in
            let facts = try await HouseholdFacts.load(householdID, on: connection, logger: context.logger)
            guard let facts, AccessRules.passesDoor(actor, facts) else { throw Problem.notFound }
            let (result, disclosure) = try await body(connection, actor, facts)
            return (result, disclosure.record(action, households: [householdID]))
        }
    }
}

extension HouseholdFacts {
    /// Under the reader's settings: a household they cannot see yields nil.
    static func load(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> HouseholdFacts? {
        let rows = try await connection.query(
            """
            SELECT h.lead_organisation_id,
                   ARRAY(SELECT organisation_id FROM care_team WHERE household_id = h.id AND removed_at IS NULL),
                   ARRAY(SELECT recipient_organisation_id::text || ':' || level FROM consents
                         WHERE household_id = h.id AND withdrawn_at IS NULL AND expires_at > now()),
                   EXISTS (SELECT 1 FROM break_glass WHERE household_id = h.id AND user_id = app_user_id()
                           AND expires_at > now())
            FROM households h WHERE h.id = \(id)
            """, logger: logger)
        for try await (lead, team, consentPairs, brokeGlass) in rows.decode((UUID, [UUID], [String], Bool).self) {
            var consents: [UUID: Level] = [:]
            for pair in consentPairs {
                let parts = pair.split(separator: ":")
                guard parts.count == 2, let org = UUID(uuidString: String(parts[0])),
                    let level = Level(rawValue: String(parts[1]))
                else { continue }
                consents[org] = max(consents[org] ?? level, level)
            }
            return HouseholdFacts(
                leadOrganisationID: lead, careTeam: Set(team), consents: consents, readerBrokeGlass: brokeGlass)
        }
        return nil
    }
}
