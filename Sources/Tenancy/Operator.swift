import Foundation
import Logging
import PostgresNIO

/// What the platform operator does from the command line, connected as the owner role
/// (ACCESS.md §1: organisations and programmes are not created through the web API).
/// Each function is idempotent on its natural key, so that seeding twice changes nothing.
public enum Operator {
    public struct MembershipGrant: Sendable {
        public var organisationID: UUID
        public var roles: Set<Role>
        public var boundBySecret: Bool

        public init(organisationID: UUID, roles: Set<Role>, boundBySecret: Bool) {
            self.organisationID = organisationID
            self.roles = roles
            self.boundBySecret = boundBySecret
        }
    }

    public static func createOrganisation(
        name: String, kind: OrganisationKind, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        try await connection.perform(
            "INSERT INTO organisations (id, name, kind) VALUES (\(UUID()), \(name), \(kind.rawValue)) ON CONFLICT (name) DO NOTHING",
            logger: logger)
        return try await single(
            connection.query("SELECT id FROM organisations WHERE name = \(name)", logger: logger), as: UUID.self)
    }

    /// `yearlyBudgetEuros` is a decimal string ("65000.00"), handed to PostgreSQL's numeric as is.
    public static func createProgramme(
        name: String, startsOn: String, endsOn: String, yearlyBudgetEuros: String, targetHouseholds: Int,
        partners: [(UUID, ProgrammePart)], on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        try await connection.perform(
            """
            INSERT INTO programmes (id, name, starts_on, ends_on, yearly_budget_euros, target_households)
            VALUES (\(UUID()), \(name), \(startsOn)::date, \(endsOn)::date, \(yearlyBudgetEuros)::numeric, \(targetHouseholds))
            ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        let id = try await single(
            connection.query("SELECT id FROM programmes WHERE name = \(name)", logger: logger), as: UUID.self)
        for (organisationID, part) in partners {
            try await connection.perform(
                """
                INSERT INTO programme_partners (programme_id, organisation_id, part)
                VALUES (\(id), \(organisationID), \(part.rawValue)) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        return id
    }

    /// Sets a programme's own threshold of disclosure control (nil: the deployment's); false
    /// if no programme has that name or id.
    public static func setDisclosureThreshold(
        _ threshold: Int?, programme: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE programmes SET disclosure_threshold = \(threshold)
            WHERE name = \(programme) OR id::text = lower(\(programme)) RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// Why a regroupement could not be declared.
    public enum PoolRefusal: Error, Equatable, CustomStringConvertible {
        case nameTaken(String)
        case programmeUnavailable(String)

        public var description: String {
            switch self {
            case .nameTaken(let name): "Le regroupement « \(name) » existe déjà."
            case .programmeUnavailable(let programme):
                "Programme « \(programme) » introuvable, ou déjà dans un regroupement."
            }
        }
    }

    /// Declares a regroupement with all its programmes (names or ids), in the caller's
    /// transaction: sql/0027 lets a programme join a pool only in the transaction that
    /// declares it, and never leave it.
    public static func declarePool(
        _ name: String, programmes: [String], on connection: PostgresConnection, logger: Logger
    ) async throws {
        let created = try await connection.query(
            "INSERT INTO programme_pools (name) VALUES (\(name)) ON CONFLICT DO NOTHING RETURNING 1", logger: logger)
        var fresh = false
        for try await _ in created.decode(Int.self) { fresh = true }
        guard fresh else { throw PoolRefusal.nameTaken(name) }
        for reference in programmes {
            let rows = try await connection.query(
                """
                UPDATE programmes SET pool = \(name)
                WHERE (name = \(reference) OR id::text = lower(\(reference))) AND pool IS NULL RETURNING 1
                """, logger: logger)
            var found = false
            for try await _ in rows.decode(Int.self) { found = true }
            guard found else { throw PoolRefusal.programmeUnavailable(reference) }
        }
    }

    /// Creates the user if the e-mail is new (an existing user keeps their password) and
    /// sets the given memberships.
    public static func createUser(
        email: String, displayName: String, passwordHash: String, memberships: [MembershipGrant],
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let email = email.lowercased()
        try await connection.perform(
            """
            INSERT INTO users (id, email, display_name, password_hash)
            VALUES (\(UUID()), \(email), \(displayName), \(passwordHash)) ON CONFLICT (email) DO NOTHING
            """, logger: logger)
        let id = try await single(
            connection.query("SELECT id FROM users WHERE email = \(email)", logger: logger), as: UUID.self)
        for grant in memberships {
            try await connection.perform(
                """
                INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret)
                VALUES (\(id), \(grant.organisationID), \(grant.roles.sorted().map(\.rawValue)), \(grant.boundBySecret))
                ON CONFLICT (user_id, organisation_id)
                DO UPDATE SET roles = excluded.roles, bound_by_secret = excluded.bound_by_secret
                """, logger: logger)
        }
        return id
    }

    static func single<T: PostgresDecodable & Sendable>(_ rows: PostgresRowSequence, as: T.Type) async throws -> T {
        for try await value in rows.decode(T.self) { return value }
        throw OperatorError.missingRow
    }
}

public enum OperatorError: Error { case missingRow }
