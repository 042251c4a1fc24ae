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
                   ARRAY(SELECT organisation_id FROM care_team WHERE household_id = h.id AND removed_at IS NULL)
                       AS care_team,
                   coalesce(k.recipients, '{}') AS recipients, coalesce(k.levels, '{}') AS levels,
                   EXISTS (SELECT 1 FROM break_glass WHERE household_id = h.id AND user_id = app_user_id()
                           AND expires_at > now()) AS broke_glass
            FROM households h
            LEFT JOIN LATERAL (SELECT array_agg(recipient_organisation_id) AS recipients, array_agg(level) AS levels
                               FROM consents
                               WHERE household_id = h.id AND withdrawn_at IS NULL AND expires_at > now()) k ON true
            WHERE h.id = \(id)
            """, logger: logger)
        for try await cells in rows {
            let row = NamedRow(cells)
            let recipients: [UUID] = try row["recipients"]
            let levels: [String] = try row["levels"]
            var consents: [UUID: Level] = [:]
            for (organisation, text) in zip(recipients, levels) {
                guard let level = Level(rawValue: text) else { continue }
                consents[organisation] = max(consents[organisation] ?? level, level)
            }
            let team: [UUID] = try row["care_team"]
            return HouseholdFacts(
                leadOrganisationID: try row["lead_organisation_id"], careTeam: Set(team), consents: consents,
                readerBrokeGlass: try row["broke_glass"])
        }
        return nil
    }
}
