import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A sign-in session as its owner sees it: never its token.
struct UserSession: Codable, Sendable {
    let id: UUID
    /// "Firefox sur Linux", "client API"…
    let client: String
    let createdAt: Date
    let lastSeenAt: Date
    let expiresAt: Date
    /// The session this request came with.
    let current: Bool
}

/// Sessions read under the actor's settings (sql/0001's own_reads: one's own, or for an
/// orgAdmin, their members'); revoked by `Members.revokeSessions`.
enum UserSessionStore {
    static func live(of actor: Actor, on connection: PostgresConnection, logger: Logger) async throws -> [UserSession] {
        let rows = try await connection.query(
            """
            SELECT id, client, created_at, last_seen_at, expires_at FROM sessions
            WHERE user_id = \(actor.userID) AND organisation_id = \(actor.organisationID)
              AND revoked_at IS NULL AND expires_at > now()
            ORDER BY last_seen_at DESC, id
            """, logger: logger)
        var sessions: [UserSession] = []
        for try await (id, client, createdAt, lastSeenAt, expiresAt)
            in rows.decode((UUID, String, Date, Date, Date).self)
        {
            sessions.append(
                UserSession(
                    id: id, client: client, createdAt: createdAt, lastSeenAt: lastSeenAt, expiresAt: expiresAt,
                    current: id == actor.sessionID))
        }
        return sessions
    }
}

/// What a session's owner needs to recognise it, from the User-Agent: a browser family and a
/// system, or "client API". Never the raw header (it fingerprints a machine).
enum ClientDescription {
    static func of(userAgent: String?) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return "client inconnu" }
        let browsers = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        let systems = [
            ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"),
        ]
        guard let browser = browsers.first(where: { agent.contains($0.0) })?.1 else { return "client API" }
        let system = systems.first(where: { agent.contains($0.0) })?.1
        return system.map { "\(browser) sur \($0)" } ?? browser
    }
}
