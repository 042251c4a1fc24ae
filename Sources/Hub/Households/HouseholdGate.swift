import Foundation
import Logging
import PostgresNIO
import Tenancy

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
            var (result, disclosure) = try await body(connection, actor, facts)
            disclosure.households = [householdID]
            return (result, disclosure)
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
