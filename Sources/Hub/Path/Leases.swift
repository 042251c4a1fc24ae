import Foundation
import Logging
import PostgresNIO
import Tenancy

/// The household's lease: direct with the bailleur, or sliding (bail glissant) held by the
/// opérateur until it passes to the household's name.
struct Lease: Encodable, Sendable {
    let id: UUID
    let proposalId: UUID
    let flatId: UUID
    let kind: String
    let signedOn: Day
    let referentAttended: Bool
    @Null var entryInspectionOn: Day?
    @Null var slidOn: Day?
    let authorOrganisationId: UUID
    let createdAt: Date
}

extension Lease: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], proposalId: try row["proposal_id"], flatId: try row["flat_id"], kind: try row["kind"],
            signedOn: try row["signed_on"], referentAttended: try row["referent_attended"],
            entryInspectionOn: try row["entry_inspection_on"], slidOn: try row["slid_on"],
            authorOrganisationId: try row["author_organisation_id"], createdAt: try row["created_at"])
    }
}

struct NewLeaseRequest: ClosedJSONObject {
    static let fields: Set<String> = ["kind", "signedOn", "referentAttended"]
    static let kinds = HouseholdVocabulary.leaseKinds.codes
    let kind: String
    let signedOn: String
    let referentAttended: Bool

    /// The kind; the day is checked against the household's programme (`PathSnapshot.day`).
    func validate() throws {
        try checkCode(kind, in: Self.kinds, field: "kind")
    }
}

struct LeaseEntryRequest: ClosedJSONObject {
    static let fields: Set<String> = ["entryInspectionOn"]
    let entryInspectionOn: String
}

struct LeaseSlideRequest: ClosedJSONObject {
    static let fields: Set<String> = ["slidOn"]
    let slidOn: String
}

/// Leases' SQL; RLS lets the lead organisation's social workers and service heads record
/// them and complete their own.
enum LeaseStore {
    static func list(
        of household: UUID, only id: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Lease] {
        let rows = try await connection.query(
            """
            SELECT l.id, l.proposal_id, p.flat_id, l.kind, l.signed_on, l.referent_attended,
                   l.entry_inspection_on, l.slid_on, l.author_organisation_id, l.created_at
            FROM leases l JOIN proposals p ON p.id = l.proposal_id
            WHERE l.household_id = \(household) AND (\(id)::uuid IS NULL OR l.id = \(id))
            ORDER BY l.signed_on DESC, l.created_at DESC
            """, logger: logger)
        return try await rows.collect(Lease.self)
    }

    static func sign(
        _ request: NewLeaseRequest, on signedOn: Day, proposal: UUID, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO leases (id, household_id, proposal_id, author_organisation_id, author_user_id, kind, signed_on,
                                referent_attended)
            VALUES (\(id), \(household), \(proposal), \(actor.organisationID), \(actor.userID), \(request.kind),
                    \(signedOn), \(request.referentAttended))
            """, logger: logger)
        return id
    }

    static func recordEntry(_ id: UUID, on day: Day, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform(
            "UPDATE leases SET entry_inspection_on = \(day) WHERE id = \(id)", logger: logger)
    }

    static func recordSlide(_ id: UUID, on day: Day, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform("UPDATE leases SET slid_on = \(day) WHERE id = \(id)", logger: logger)
    }
}
