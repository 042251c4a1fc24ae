import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Tenancy

/// The signed-in user, the organisation they act for, and what they may do there.
struct Me: ResponseEncodable, Sendable {
    struct User: Codable, Sendable {
        let id: UUID
        let email: String
        let displayName: String
    }

    let user: User
    let organisation: Organisation
    let roles: [Role]
    let boundBySecret: Bool
    let sessionExpiresAt: Date

    /// Read under the actor's own settings: the same query `bench/` replays through pgbench.
    static func load(_ actor: Actor, on connection: PostgresConnection, logger: Logger) async throws -> Me {
        let rows = try await connection.query(
            """
            SELECT u.email, u.display_name, o.name, o.kind
            FROM users u, organisations o WHERE u.id = \(actor.userID) AND o.id = \(actor.organisationID)
            """, logger: logger)
        for try await (email, displayName, organisationName, kind) in rows.decode((String, String, String, String).self)
        {
            return Me(
                user: User(id: actor.userID, email: email, displayName: displayName),
                organisation: try Organisation(id: actor.organisationID, name: organisationName, kindText: kind),
                roles: actor.roles.sorted(), boundBySecret: actor.boundBySecret,
                sessionExpiresAt: actor.sessionExpiresAt)
        }
        // The session was valid a moment ago: its user and organisation must be readable.
        throw Problem.unauthenticated
    }
}
