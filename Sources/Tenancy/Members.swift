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
    public let disabledAt: Date?
    public let createdAt: Date

    // disabledAt is written as null while the membership is active, not left out.
    enum CodingKeys: CodingKey { case id, email, displayName, roles, boundBySecret, disabledAt, createdAt }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(roles, forKey: .roles)
        try container.encode(boundBySecret, forKey: .boundBySecret)
        try container.encode(disabledAt, forKey: .disabledAt)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

public struct NewMember: Sendable {
    public var email: String
    public var displayName: String
    public var passwordHash: String
    public var roles: Set<Role>
    public var boundBySecret: Bool

    public init(email: String, displayName: String, passwordHash: String, roles: Set<Role>, boundBySecret: Bool) {
        self.email = email
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.roles = roles
        self.boundBySecret = boundBySecret
    }
}

public enum MemberError: Error, Equatable {
    /// The e-mail already belongs to a user. Which organisation it belongs to is not said.
    case emailUnavailable
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
            SELECT u.id, u.email, u.display_name, m.roles, m.bound_by_secret, m.disabled_at, m.created_at
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
            SELECT u.id, u.email, u.display_name, m.roles, m.bound_by_secret, m.disabled_at, m.created_at
            FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organisation_id = \(organisationID) AND m.user_id = \(userID)
            """, logger: logger)
        return try await decode(rows).first
    }

    /// Creates the user and their membership. The user row is inserted without RETURNING:
    /// it becomes visible to the admin only once the membership exists.
    public static func create(
        _ new: NewMember, on connection: PostgresConnection, organisationID: UUID, logger: Logger
    ) async throws -> Member {
        let id = UUID()
        do {
            try await connection.perform(
                """
                INSERT INTO users (id, email, display_name, password_hash)
                VALUES (\(id), \(new.email.lowercased()), \(new.displayName), \(new.passwordHash))
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw MemberError.emailUnavailable
        }
        try await connection.perform(
            """
            INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret)
            VALUES (\(id), \(organisationID), \(new.roles.sorted().map(\.rawValue)), \(new.boundBySecret))
            """, logger: logger)
        guard let member = try await find(on: connection, organisationID: organisationID, userID: id, logger: logger)
        else { preconditionFailure("a member just created is visible to its organisation") }
        return member
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
        try await connection.perform(
            """
            UPDATE sessions SET revoked_at = now()
            WHERE organisation_id = \(organisationID) AND user_id = \(userID) AND revoked_at IS NULL
            """, logger: logger)
        return try await find(on: connection, organisationID: organisationID, userID: userID, logger: logger)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Member] {
        var members: [Member] = []
        for try await (id, email, name, roles, bound, disabledAt, createdAt)
            in rows.decode((UUID, String, String, [String], Bool, Date?, Date).self)
        {
            members.append(
                Member(
                    id: id, email: email, displayName: name, roles: roles.compactMap(Role.init(rawValue:)),
                    boundBySecret: bound, disabledAt: disabledAt, createdAt: createdAt))
        }
        return members
    }
}
