import Foundation
import Logging
import PostgresNIO
import Tenancy

/// How an accompaniment ended (the sortie), and whether the household stayed in its flat.
struct Outcome: Encodable, Sendable {
    let id: UUID
    let kind: String
    let endedOn: Day
    @Null var inFlatAt6Months: Bool?
    @Null var inFlatAt12Months: Bool?
    /// The household's answer when asked whether it was satisfied; null if it did not answer.
    @Null var satisfaction: String?
    let authorOrganisationId: UUID
    let createdAt: Date
}

extension Outcome: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], kind: try row["kind"], endedOn: try row["ended_on"],
            inFlatAt6Months: try row["in_flat_at_6_months"], inFlatAt12Months: try row["in_flat_at_12_months"],
            satisfaction: try row["satisfaction"], authorOrganisationId: try row["author_organisation_id"],
            createdAt: try row["created_at"])
    }
}

struct EndRequest: ClosedJSONObject {
    static let fields: Set<String> = ["outcome", "endedOn", "satisfaction"]
    static let outcomes = HouseholdVocabulary.outcomes.codes
    let outcome: String
    let endedOn: String
    /// The household's answer, asked at the end (issue 22): absent when it did not answer.
    var satisfaction: String?

    /// The outcome; the day is checked against the household's programme (`PathSnapshot.day`).
    func validate() throws {
        try checkCode(outcome, in: Self.outcomes, field: "outcome")
        if let satisfaction {
            try checkCode(satisfaction, in: SatisfactionAnswer.allCases.map(\.rawValue), field: "satisfaction")
        }
    }
}

struct StayRequest: ClosedJSONObject {
    static let fields: Set<String> = ["months", "inFlat"]
    let months: Int
    let inFlat: Bool

    func validate() throws {
        try check([6, 12].contains(months), field: "months", "Le maintien se constate à 6 ou à 12 mois.")
    }
}

enum OutcomeStore {
    static func list(
        of household: UUID, only id: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Outcome] {
        let rows = try await connection.query(
            """
            SELECT id, kind, ended_on, in_flat_at_6_months, in_flat_at_12_months, satisfaction,
                   author_organisation_id, created_at
            FROM outcomes WHERE household_id = \(household) AND (\(id)::uuid IS NULL OR id = \(id))
            ORDER BY ended_on DESC, created_at DESC
            """, logger: logger)
        return try await rows.collect(Outcome.self)
    }

    static func record(
        _ request: EndRequest, on endedOn: Day, household: UUID, id: UUID = UUID(), by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        try await connection.perform(
            """
            INSERT INTO outcomes (id, household_id, author_organisation_id, author_user_id, kind, ended_on,
                                  satisfaction)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(request.outcome),
                    \(endedOn), \(request.satisfaction))
            """, logger: logger)
        return id
    }

    /// The day the household entered the flat of its latest lease before `endedOn`.
    static func entry(of household: UUID, before endedOn: Day, on connection: PostgresConnection, logger: Logger)
        async throws -> Day?
    {
        let rows = try await connection.query(
            """
            SELECT entry_inspection_on FROM leases
            WHERE household_id = \(household) AND entry_inspection_on <= \(endedOn)
            ORDER BY entry_inspection_on DESC LIMIT 1
            """, logger: logger)
        for try await day in rows.decode(Day.self) { return day }
        return nil
    }

    static func recordStay(
        _ id: UUID, months: Int, inFlat: Bool, connection: PostgresConnection, logger: Logger
    ) async throws {
        if months == 6 {
            try await connection.perform(
                "UPDATE outcomes SET in_flat_at_6_months = \(inFlat) WHERE id = \(id)", logger: logger)
        } else {
            try await connection.perform(
                "UPDATE outcomes SET in_flat_at_12_months = \(inFlat) WHERE id = \(id)", logger: logger)
        }
    }
}
