import Foundation
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// ACCESS.md §4, proven with raw SQL run as the server's role: the database enforces
/// tenancy even if the Swift code forgets to.
@Suite struct DatabaseRoleTests {
    @Test func runtimeRoleIsPlainAndOwnsNothing() async throws {
        try await withRuntime { client in
            let rows = try await client.query(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
            for try await (superuser, bypass, createRole, createDB) in rows.decode((Bool, Bool, Bool, Bool).self) {
                #expect(!superuser && !bypass && !createRole && !createDB)
            }
            let owned = try await client.query(
                """
                SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
                     + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
                     + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
                     + (SELECT count(*) FROM pg_database WHERE datdba = r.oid)
                FROM pg_roles r WHERE r.rolname = current_user
                """
            ).decode(Int.self).first { _ in true }
            #expect(owned == 0)
        }
    }

    /// A new table without forced row level security fails this test, hence the build.
    @Test func everyTableHasForcedRowLevelSecurity() async throws {
        try await withOwner { client in
            let rows = try await client.query(
                """
                SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
                """)
            var tables: [String] = []
            for try await (name, enabled, forced) in rows.decode((String, Bool, Bool).self) {
                tables.append(name)
                #expect(enabled && forced, "\(name) sans row level security forcée")
            }
            #expect(tables.contains("users") && tables.contains("sessions"))
        }
    }

    @Test func withoutSettingsNothingIsSeenAndNothingWritten() async throws {
        try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            _ = try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner)
        }
        try await withRuntime { client in
            for table in ["organisations", "programmes", "programme_partners", "users", "memberships", "sessions"] {
                let count = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))
                    .decode(Int.self).first { _ in true }
                #expect(count == 0, "\(table) visible sans réglages")
            }
            await #expect(throws: PSQLError.self) {
                try await client.query(
                    "INSERT INTO users (id, email, display_name, password_hash) VALUES (\(UUID()), 'x@y.fr', 'X', 'h')")
            }
            await #expect(throws: PSQLError.self) {
                try await client.query("SELECT count(*) FROM sign_in_attempts")
            }
        }
    }

    @Test func settingsDoNotOutliveTheirTransactionOnAPooledConnection() async throws {
        let (a, b, adminA, adminB) = try await withOwner { owner in
            let a = try await Fixtures.organisation(on: owner)
            let b = try await Fixtures.organisation(on: owner)
            return (
                a, b, try await Fixtures.user(in: a, roles: [.orgAdmin], on: owner),
                try await Fixtures.user(in: b, roles: [.orgAdmin], on: owner)
            )
        }
        // One connection: every transaction below runs on the same session.
        try await withRuntime(poolSize: 1) { client in
            let seenByA = try await client.withActor(actor(adminA), logger: TestDatabase.logger) { connection in
                try await Members.list(
                    on: connection, organisationID: a.id, after: nil, limit: 10, logger: TestDatabase.logger)
            }
            #expect(seenByA.map(\.email) == [adminA.email])

            let afterwards = try await client.withTransaction(logger: TestDatabase.logger) { connection in
                try await connection.query(
                    "SELECT count(*) FROM users u JOIN memberships m ON m.user_id = u.id", logger: TestDatabase.logger
                )
                .decode(Int.self).first { _ in true }
            }
            #expect(afterwards == 0)

            let (usersOfA, updated) = try await client.withActor(actor(adminB), logger: TestDatabase.logger) {
                connection in
                let users = try await connection.query(
                    "SELECT count(*) FROM memberships WHERE organisation_id = \(a.id)", logger: TestDatabase.logger
                ).decode(Int.self).first { _ in true }
                let updated = try await connection.query(
                    "UPDATE memberships SET disabled_at = now() WHERE organisation_id = \(a.id) RETURNING user_id",
                    logger: TestDatabase.logger
                ).decode(UUID.self).reduce(0) { count, _ in count + 1 }
                return (users, updated)
            }
            #expect(usersOfA == 0)
            #expect(updated == 0)
            _ = b
        }
    }

    @Test func anAdminCannotAddMembersToAnotherOrganisation() async throws {
        let (b, adminA) = try await withOwner { owner in
            let a = try await Fixtures.organisation(on: owner)
            return (
                try await Fixtures.organisation(on: owner),
                try await Fixtures.user(in: a, roles: [.orgAdmin], on: owner)
            )
        }
        try await withRuntime { client in
            _ = await #expect(throws: PSQLError.self) {
                try await client.withActor(actor(adminA), logger: TestDatabase.logger) { connection in
                    try await connection.query(
                        """
                        INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret)
                        VALUES (\(adminA.id), \(b.id), ARRAY['orgAdmin'], true)
                        """, logger: TestDatabase.logger)
                }
            }
        }
    }

    func actor(_ user: Fixtures.User, roles: Set<Role> = [.orgAdmin]) -> Actor {
        Actor(
            userID: user.id, organisationID: user.organisation.id, roles: roles, boundBySecret: false,
            sessionID: UUID(), sessionExpiresAt: Date())
    }
}
