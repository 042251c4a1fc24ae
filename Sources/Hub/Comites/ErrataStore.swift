import Foundation
import Logging
import PostgresNIO
import Tenancy

/// The errata that make a new version of diffused minutes.
enum ErrataStore {
    static func errata(of comite: UUID, upTo version: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [Erratum]
    {
        let rows = try await connection.query(
            """
            SELECT id, version, item_id, body, level, created_at FROM comite_errata
            WHERE comite_id = \(comite) AND version <= \(version) ORDER BY version
            """, logger: logger)
        return try await rows.collect(Erratum.self)
    }

    /// A new version of the minutes: the erratum and the comité's version move together.
    static func addErratum(
        body: String, level: Level, item: AgendaItem?, comite: Comite, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        let version = comite.minutesVersion + 1
        try await connection.perform(
            """
            INSERT INTO comite_errata (id, comite_id, version, item_id, household_id, body, level,
                                       author_organisation_id)
            VALUES (\(id), \(comite.id), \(version), \(item?.id), \(item?.householdId), \(body), \(level.rawValue),
                    \(actor.organisationID))
            """, logger: logger)
        try await connection.perform(
            "UPDATE comites SET minutes_version = \(version) WHERE id = \(comite.id)", logger: logger)
        return id
    }
}
