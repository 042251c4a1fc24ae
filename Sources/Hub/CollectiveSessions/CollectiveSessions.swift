import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A workshop or a permanence of a programme (issue 22, item 4): who held it, the day it
/// happened, its kind and theme, and how many people came — never who.
struct CollectiveSession: Encodable, Sendable {
    let id: UUID
    let programmeId: UUID
    let organisationId: UUID
    let heldOn: Day
    let kind: String
    let theme: String
    let participants: Int
    let createdAt: Date
}

extension CollectiveSession: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], programmeId: try row["programme_id"], organisationId: try row["organisation_id"],
            heldOn: try row["held_on"], kind: try row["kind"], theme: try row["theme"],
            participants: try row["participants"], createdAt: try row["created_at"])
    }
}

struct NewCollectiveSessionRequest: ClosedJSONObject {
    static let fields: Set<String> = ["kind", "theme", "participants", "heldOn"]
    let kind: String
    let theme: String
    let participants: Int
    /// The day it happened (today when absent), checked against the programme (`FactDay`).
    let heldOn: String?

    func validate() throws {
        try checkCode(kind, in: CollectiveSessionVocabulary.kinds.codes, field: "kind")
        try checkCode(theme, in: CollectiveSessionVocabulary.themes.codes, field: "theme")
        try check(
            (0...CollectiveSessionVocabulary.maximumParticipants).contains(participants), field: "participants",
            "Le nombre de participants va de 0 à \(CollectiveSessionVocabulary.maximumParticipants).")
    }
}

enum CollectiveSessionStore {
    static let columns = "id, programme_id, organisation_id, held_on, kind, theme, participants, created_at"

    static func record(
        _ request: NewCollectiveSessionRequest, heldOn: Day, programme: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> CollectiveSession {
        let rows = try await connection.query(
            """
            INSERT INTO collective_sessions (id, programme_id, organisation_id, recorded_by, held_on, kind, theme,
                                             participants)
            VALUES (\(UUID()), \(programme), \(actor.organisationID), \(actor.userID), \(heldOn), \(request.kind),
                    \(request.theme), \(request.participants))
            RETURNING \(unescaped: columns)
            """, logger: logger)
        guard let session = try await rows.collect(CollectiveSession.self).first else { throw Problem.internal }
        return session
    }

    /// The programme's sessions, the latest day first, after a (day, id) cursor.
    static func list(
        of programme: UUID, after: (day: Day, id: UUID)?, limit: Int, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [CollectiveSession] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM collective_sessions
            WHERE programme_id = \(programme)
              AND (\(after?.day)::date IS NULL OR (held_on, id) < (\(after?.day)::date, \(after?.id)::uuid))
            ORDER BY held_on DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        return try await rows.collect(CollectiveSession.self)
    }
}
