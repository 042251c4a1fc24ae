import Foundation
import HummingbirdBcrypt
import Logging
import PostgresNIO
import Tenancy

@testable import Hub

/// Each test makes its own organisations and users, with unique names, so that tests run
/// in parallel on one database and never see each other's rows except through a bug.
enum Fixtures {
    static let password = "mot de passe de test correct"
    /// One bcrypt hash for the whole run: hashing costs a quarter of a second.
    static let passwordHash = Bcrypt.hash(password, cost: Credentials.bcryptCost)

    struct Org: Sendable {
        let id: UUID
        let name: String
    }

    struct User: Sendable {
        let id: UUID
        let email: String
        let organisation: Org
    }

    static func unique(_ prefix: String) -> String {
        "\(prefix) \(UUID().uuidString.prefix(8).lowercased())"
    }

    static func organisation(_ kind: OrganisationKind = .supportOperator, on owner: PostgresClient) async throws -> Org
    {
        let name = unique("Organisation")
        let id = try await owner.withConnection {
            try await Operator.createOrganisation(name: name, kind: kind, on: $0, logger: TestDatabase.logger)
        }
        return Org(id: id, name: name)
    }

    static func user(
        in org: Org, roles: Set<Role>, bound: Bool = false, on owner: PostgresClient
    ) async throws -> User {
        let email = "\(UUID().uuidString.prefix(12).lowercased())@test.demo"
        let id = try await owner.withConnection {
            try await Operator.createUser(
                email: email, displayName: unique("Personne"), passwordHash: passwordHash,
                memberships: [.init(organisationID: org.id, roles: roles, boundBySecret: bound)], on: $0,
                logger: TestDatabase.logger)
        }
        return User(id: id, email: email, organisation: org)
    }

    /// A session opened directly in the database, as sign-in would: most tests need a
    /// token, not another bcrypt comparison.
    static func token(for user: User, on owner: PostgresClient) async throws -> String {
        let token = Credentials.newToken()
        let rows = try await owner.query(
            """
            SELECT session_id FROM auth_open_session(\(user.id), \(user.organisation.id),
                \(Credentials.tokenHash(token)), interval '12 hours')
            """, logger: TestDatabase.logger)
        for try await _ in rows.decode(UUID.self) { return token }
        throw TestSetupError("session non ouverte")
    }

    static func programme(partners: [(Org, ProgrammePart)], on owner: PostgresClient) async throws -> UUID {
        try await owner.withConnection {
            try await Operator.createProgramme(
                // Running today, as the facts the tests record are dated today or a few days back.
                name: unique("Programme"), startsOn: "2024-01-01", endsOn: "\(Day.today().parts.year + 1)-12-31",
                yearlyBudgetEuros: "65000.00", targetHouseholds: 30, partners: partners.map { ($0.0.id, $0.1) },
                on: $0, logger: TestDatabase.logger)
        }
    }
}
