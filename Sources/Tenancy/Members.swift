import Foundation
import Logging
import PostgresNIO

/// A user as their organisation's admin sees them: the person and this membership.
public struct Member: Codable, Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let displayName: String
    public let roles: [Role]
    public let boundBySecret: Bool
    /// The admin proposed the mark and no service head has confirmed it yet.
    public let boundBySecretProposed: Bool
    public let disabledAt: Date?
    public let createdAt: Date

    // disabledAt is written as null while the membership is active, not left out.
    enum CodingKeys: CodingKey {
        case id, email, displayName, roles, boundBySecret, boundBySecretProposed, disabledAt, createdAt
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(roles, forKey: .roles)
        try container.encode(boundBySecret, forKey: .boundBySecret)
        try container.encode(boundBySecretProposed, forKey: .boundBySecretProposed)
        try container.encode(disabledAt, forKey: .disabledAt)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// The members of the acting organisation, read and written under its settings: the
/// policies of sql/0001 make another organisation's members invisible here.
public enum Members {
    /// One page, ordered by e-mail; `after` is the last e-mail of the previous page.
    public static func list(
        on connection: PostgresConnection, organisationID: UUID, after: String?, limit: Int, logger: Logger
    ) async throws -> [Member] {
        let rows = try await connection.query(
            """
            SELECT u.id, u.email, u.display_name, m.roles, m.bound_by_secret,
                   NOT m.bound_by_secret AND m.bound_proposed_at IS NOT NULL, m.disabled_at, m.created_at
            FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organisation_id = \(organisationID) AND (\(after)::text IS NULL OR u.email > \(after))
            ORDER BY u.email LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    public static func find(
        on connection: PostgresConnection, organisationID: UUID, userID: UUID, logger: Logger
    ) async throws -> Member? {
        let rows = try await connection.query(
            """
            SELECT u.id, u.email, u.display_name, m.roles, m.bound_by_secret,
                   NOT m.bound_by_secret AND m.bound_proposed_at IS NOT NULL, m.disabled_at, m.created_at
            FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organisation_id = \(organisationID) AND m.user_id = \(userID)
            """, logger: logger)
        return try await decode(rows).first
    }

    /// The admin's proposal of the bound-by-secret mark (sql/0012: the runtime cannot set the
    /// mark itself); nil for a user who is not a member.
    public static func proposeBound(
        _ userID: UUID, organisationID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Member? {
        try await connection.perform(
            """
            UPDATE memberships SET bound_proposed_by = app_user_id(), bound_proposed_at = now()
            WHERE organisation_id = \(organisationID) AND user_id = \(userID) AND NOT bound_by_secret
              AND disabled_at IS NULL
            """, logger: logger)
        return try await find(on: connection, organisationID: organisationID, userID: userID, logger: logger)
    }

    /// The mark and any proposal removed.
    public static func removeBound(
        _ userID: UUID, organisationID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Member? {
        try await connection.perform(
            """
            UPDATE memberships SET bound_by_secret = false, bound_proposed_by = NULL, bound_proposed_at = NULL
            WHERE organisation_id = \(organisationID) AND user_id = \(userID)
            """, logger: logger)
        return try await find(on: connection, organisationID: organisationID, userID: userID, logger: logger)
    }

    /// A bound service head's confirmation, through the definer function that checks who
    /// confirms; false when there was nothing this person may confirm.
    public static func confirmBound(_ userID: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> Bool
    {
        let rows = try await connection.query("SELECT membership_confirm_bound(\(userID))", logger: logger)
        for try await confirmed in rows.decode(Bool.self) { return confirmed }
        return false
    }

    /// Disables the membership (the person may belong to other organisations) and revokes
    /// its sessions. Idempotent: disabling twice keeps the first date.
    public static func disable(
        on connection: PostgresConnection, organisationID: UUID, userID: UUID, logger: Logger
    ) async throws -> Member? {
        try await connection.perform(
            """
            UPDATE memberships SET disabled_at = coalesce(disabled_at, now())
            WHERE organisation_id = \(organisationID) AND user_id = \(userID)
            """, logger: logger)
        _ = try await revokeSessions(of: userID, organisationID: organisationID, on: connection, logger: logger)
        return try await find(on: connection, organisationID: organisationID, userID: userID, logger: logger)
    }

    /// Revokes the live sessions of a member in an organisation (all, or `only` one); each
    /// fails its very next request. The number revoked. Under the actor's settings: one's own
    /// sessions, or an orgAdmin's members' (sql/0001's own_revokes).
    public static func revokeSessions(
        of userID: UUID, only session: UUID? = nil, organisationID: UUID, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int {
        let rows = try await connection.query(
            """
            UPDATE sessions SET revoked_at = now()
            WHERE user_id = \(userID) AND organisation_id = \(organisationID) AND revoked_at IS NULL
              AND (\(session)::uuid IS NULL OR id = \(session))
            RETURNING 1
            """, logger: logger)
        var count = 0
        for try await _ in rows.decode(Int.self) { count += 1 }
        return count
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Member] {
        var members: [Member] = []
        for try await (id, email, name, roles, bound, proposed, disabledAt, createdAt)
            in rows.decode((UUID, String, String, [String], Bool, Bool, Date?, Date).self)
        {
            members.append(
                Member(
                    id: id, email: email, displayName: name, roles: roles.compactMap(Role.init(rawValue:)),
                    boundBySecret: bound, boundBySecretProposed: proposed, disabledAt: disabledAt,
                    createdAt: createdAt))
        }
        return members
    }
}
