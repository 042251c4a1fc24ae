import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A partner asks for a situation to be reviewed at the next comité (or proposes to end its
/// accompaniment); the agenda's rules take the request up (Agenda.swift).
struct NewComiteRequestRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["kind", "reason"]
    static let kinds = ComiteVocabulary.requestKinds.codes
    let kind: String
    let reason: String

    func validated() throws -> String {
        try checkCode(kind, in: Self.kinds, field: "kind")
        guard let reason = try optionalText(reason, field: "reason") else {
            throw Problem.unprocessable("La demande d'examen en comité est motivée.", field: "reason")
        }
        return reason
    }
}

struct ComiteRequestRecord: Encodable, Sendable {
    let id: UUID
    let householdId: UUID
    let kind: String
    let reason: String
    let organisationId: UUID
    let requestedAt: Date
    @Null var comiteId: UUID?
}

extension ComiteRequestRecord: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], householdId: try row["household_id"], kind: try row["kind"], reason: try row["reason"],
            organisationId: try row["organisation_id"], requestedAt: try row["requested_at"],
            comiteId: try row["comite_id"])
    }
}

/// The requests that put a situation on a comité's agenda.
enum ComiteRequestStore {
    static func request(
        _ body: NewComiteRequestRequest, reason: String, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ComiteRequestRecord {
        let id = UUID()
        let rows = try await connection.query(
            """
            INSERT INTO comite_requests (id, household_id, kind, reason, organisation_id, user_id)
            VALUES (\(id), \(household), \(body.kind), \(reason), \(actor.organisationID), \(actor.userID))
            RETURNING requested_at
            """, logger: logger)
        var requestedAt = Date()
        for try await at in rows.decode(Date.self) { requestedAt = at }
        return ComiteRequestRecord(
            id: id, householdId: household, kind: body.kind, reason: reason, organisationId: actor.organisationID,
            requestedAt: requestedAt, comiteId: nil)
    }

    /// The requests no published agenda has taken up yet, for the households of the cell's
    /// situations the reader passes the door of (the table's policy), oldest first, with the
    /// organisation that asked.
    static func pending(in cell: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [PendingComiteRequest]
    {
        let rows = try await connection.query(
            """
            SELECT r.id, r.household_id, x.reference,
                   (SELECT p.first_name || ' ' || p.last_name FROM household_persons p
                    WHERE p.household_id = r.household_id AND p.relation = 'applicant') AS household_name,
                   r.kind, r.reason, o.name AS organisation_name, r.requested_at
            FROM comite_requests r
            JOIN cell_situations s ON s.household_id = r.household_id AND s.cell_id = \(cell) AND s.removed_at IS NULL
            JOIN households x ON x.id = r.household_id
            LEFT JOIN organisations o ON o.id = r.organisation_id
            WHERE r.comite_id IS NULL
            ORDER BY r.requested_at, r.id
            """, logger: logger)
        return try await rows.collect(PendingComiteRequest.self)
    }
}

/// A review request waiting for the cell's next agenda, as its facilitator reads it.
struct PendingComiteRequest: Sendable, RowDecodable {
    let id: UUID
    let householdId: UUID
    let reference: String
    let householdName: String?
    let kind: String
    let reason: String
    let organisationName: String?
    let requestedAt: Date

    init(row: NamedRow) throws {
        id = try row["id"]
        householdId = try row["household_id"]
        reference = try row["reference"]
        householdName = try row["household_name"]
        kind = try row["kind"]
        reason = try row["reason"]
        organisationName = try row["organisation_name"]
        requestedAt = try row["requested_at"]
    }
}
