import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Tenancy

/// An invitation as its organisation's admin sees it: what the admin typed, and where it
/// stands. Nothing says whether the address already had an account.
struct Invitation: ResponseCodable, Sendable {
    enum Status: String, Codable, Sendable { case pending, accepted, withdrawn, expired }

    let id: UUID
    let email: String
    let displayName: String
    let roles: [Role]
    /// The admin proposed the bound-by-secret mark; a service head confirms it once the
    /// person has joined.
    let boundBySecretProposed: Bool
    let status: Status
    let expiresAt: Date
    let createdAt: Date
    /// Where the next page starts: creation in whole microseconds, as PostgreSQL holds it, and id.
    var cursor = ""

    enum CodingKeys: CodingKey {
        case id, email, displayName, roles, boundBySecretProposed, status, expiresAt, createdAt
    }
}

/// What an enrolment link opens, for whoever holds it.
struct InvitationOffer: ResponseCodable, Sendable {
    let organisationName: String
    let displayName: String
    let roles: [Role]
    let expiresAt: Date
    /// The address already has an account: that person signs in and accepts instead.
    let accountExists: Bool
}

/// An invitation waiting for the signed-in person, in `GET /v1/me`.
struct PendingInvitation: Codable, Sendable {
    let id: UUID
    let organisation: OrganisationRef
    let roles: [Role]
    let expiresAt: Date

    struct OrganisationRef: Codable, Sendable {
        let id: UUID
        let name: String
    }
}

/// The SQL of invitations and enrolment (sql/0012): made, opened and spent only through the
/// definer functions, read by the admin under RLS.
enum InvitationStore {
    /// How long a link opens.
    static let lifetime: Duration = .seconds(72 * 3600)

    enum Outcome: String { case invited, member, forbidden }

    static func invite(
        id: UUID, email: String, displayName: String, roles: [Role], boundProposed: Bool, token: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Outcome {
        let rows = try await connection.query(
            """
            SELECT account_invite(\(id), \(email), \(displayName), \(roles.map(\.rawValue)), \(boundProposed),
                                  \(Credentials.tokenHash(token)), \("/v1/enrolments/\(token)"),
                                  \(Int(lifetime.components.seconds)) * interval '1 second')
            """, logger: logger)
        for try await outcome in rows.decode(String.self) { return Outcome(rawValue: outcome) ?? .forbidden }
        return .forbidden
    }

    static func list(after: String?, limit: Int, on connection: PostgresConnection, logger: Logger) async throws
        -> [Invitation]
    {
        let (micros, id) = try after.map(cursor) ?? (nil, nil)
        let rows = try await connection.query(
            """
            SELECT id, email, display_name, roles, bound_proposed, accepted_at IS NOT NULL, withdrawn_at IS NOT NULL,
                   expires_at, created_at, (extract(epoch FROM created_at) * 1000000)::bigint
            FROM invitations
            WHERE \(micros)::bigint IS NULL
               OR (created_at, id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    static func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Invitation? {
        let rows = try await connection.query(
            """
            SELECT id, email, display_name, roles, bound_proposed, accepted_at IS NOT NULL, withdrawn_at IS NOT NULL,
                   expires_at, created_at, (extract(epoch FROM created_at) * 1000000)::bigint
            FROM invitations WHERE id = \(id)
            """, logger: logger)
        return try await decode(rows).first
    }

    /// Withdraws a pending invitation (its link no longer opens); nil if there is none to withdraw.
    static func withdraw(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE invitations SET withdrawn_at = now()
            WHERE id = \(id) AND accepted_at IS NULL AND withdrawn_at IS NULL RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    static func offer(token: String, on connection: PostgresConnection, logger: Logger) async throws
        -> InvitationOffer?
    {
        let rows = try await connection.query(
            """
            SELECT organisation_name, display_name, roles, expires_at, known
            FROM account_invitation(\(Credentials.tokenHash(token)))
            """, logger: logger)
        for try await (organisation, name, roles, expiresAt, known)
            in rows.decode((String, String, [String], Date, Bool).self)
        {
            return InvitationOffer(
                organisationName: organisation, displayName: name, roles: roles.compactMap(Role.init(rawValue:)),
                expiresAt: expiresAt, accountExists: known)
        }
        return nil
    }

    static func enrol(token: String, passwordHash: String, on connection: PostgresConnection, logger: Logger)
        async throws -> (user: UUID, organisation: UUID)?
    {
        let rows = try await connection.query(
            "SELECT user_id, organisation_id FROM account_enrol(\(Credentials.tokenHash(token)), \(passwordHash))",
            logger: logger)
        for try await (user, organisation) in rows.decode((UUID, UUID).self) { return (user, organisation) }
        return nil
    }

    static func pending(on connection: PostgresConnection, logger: Logger) async throws -> [PendingInvitation] {
        let rows = try await connection.query(
            "SELECT id, organisation_id, organisation_name, roles, expires_at FROM account_offers()", logger: logger)
        var offers: [PendingInvitation] = []
        for try await (id, organisation, name, roles, expiresAt)
            in rows.decode((UUID, UUID, String, [String], Date).self)
        {
            offers.append(
                PendingInvitation(
                    id: id, organisation: .init(id: organisation, name: name),
                    roles: roles.compactMap(Role.init(rawValue:)), expiresAt: expiresAt))
        }
        return offers
    }

    /// The organisation joined, or nil if the signed-in person has no such invitation pending.
    static func accept(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT account_accept(\(id))", logger: logger)
        for try await organisation in rows.decode(UUID?.self) { return organisation }
        return nil
    }

    static func cursor(_ key: String) throws -> (Int64?, UUID?) {
        let parts = key.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor")
        }
        return (micros, id)
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Invitation] {
        var invitations: [Invitation] = []
        for try await (id, email, name, roles, proposed, accepted, withdrawn, expiresAt, createdAt, micros)
            in rows.decode((UUID, String, String, [String], Bool, Bool, Bool, Date, Date, Int64).self)
        {
            let status: Invitation.Status =
                accepted ? .accepted : withdrawn ? .withdrawn : expiresAt <= Date() ? .expired : .pending
            invitations.append(
                Invitation(
                    id: id, email: email, displayName: name, roles: roles.compactMap(Role.init(rawValue:)),
                    boundBySecretProposed: proposed, status: status, expiresAt: expiresAt, createdAt: createdAt,
                    cursor: "\(micros)|\(id)"))
        }
        return invitations
    }
}
