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
}

/// A request on one household: loads who may see it, refuses (404, exactly as a missing
/// household: R7) when the reader is not through the door, and writes the audit record of
/// what the body disclosed or changed — or of the denial — in the same transaction.
struct HouseholdGate: Sendable {
    let client: PostgresClient

    func run<Result: Sendable>(
        _ householdID: UUID, action: String, context: HubRequestContext,
        _ body: @Sendable (PostgresConnection, Actor, HouseholdFacts) async throws -> (Result, Disclosure)
    ) async throws -> Result {
        let actor = try context.requireActor()
        let outcome: Swift.Result<Result, Problem> = try await client.withActor(actor, logger: context.logger) {
            connection in
            let facts = try await HouseholdFacts.load(householdID, on: connection, logger: context.logger)
            do {
                guard let facts, AccessRules.passesDoor(actor, facts) else { throw Problem.notFound }
                let (result, disclosure) = try await body(connection, actor, facts)
                let record =
                    switch disclosure {
                    case .disclosed(let levels):
                        AuditRecord(action: action, households: [householdID], levels: levels, outcome: .disclosed)
                    case .changed(let levels):
                        AuditRecord(action: action, households: [householdID], levels: levels, outcome: .changed)
                    }
                try await connection.append(record, actor: actor, requestID: context.id, logger: context.logger)
                return .success(result)
            } catch let problem as Problem where [.notFound, .forbidden].contains(problem.status) {
                // The denial is recorded and committed; the answer still says nothing more.
                let denied = AuditRecord(action: action, households: [householdID], levels: [], outcome: .denied)
                try await connection.append(denied, actor: actor, requestID: context.id, logger: context.logger)
                return .failure(problem)
            }
        }
        return try outcome.get()
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
