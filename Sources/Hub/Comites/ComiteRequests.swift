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
}
