import Foundation
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

@Suite struct SignInTests {
    func signIn(_ client: some TestClientProtocol, _ email: String, password: String = Fixtures.password, org: UUID)
        async throws -> TestResponse
    {
        try await client.execute(
            uri: "/v1/sessions", method: .post,
            body: json(["email": email, "password": password, "organisationId": org.uuidString]))
    }

    @Test func signInGivesATokenThatIdentifiesTheActor() async throws {
        let user = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            return try await Fixtures.user(in: org, roles: [.socialWorker, .serviceHead], bound: true, on: owner)
        }
        try await withApp { client in
            let session = try await signIn(client, user.email.uppercased(), org: user.organisation.id)
            #expect(session.status == .created)
            let token = try #require(session.object["token"] as? String)
            #expect(token.count >= 22)  // ≥ 128 bits in base64
            #expect(session.object["idleTimeoutSeconds"] as? Int == 1800)

            let me = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token))
            #expect(me.status == .ok)
            #expect((me.object["user"] as? [String: Any])?["email"] as? String == user.email)
            #expect((me.object["organisation"] as? [String: Any])?["name"] as? String == user.organisation.name)
            #expect(me.object["roles"] as? [String] == ["socialWorker", "serviceHead"])
            #expect(me.object["boundBySecret"] as? Bool == true)

            // Only the hash is stored.
            let stored = try await withOwner { owner in
                try await owner.query("SELECT count(*) FROM sessions WHERE token_hash = \(Data(token.utf8))")
                    .decode(Int.self).first { _ in true }
            }
            #expect(stored == 0)

            let out = try await client.execute(uri: "/v1/sessions/current", method: .delete, headers: bearer(token))
            #expect(out.status == .noContent)
            try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token)).expectProblem(.unauthorized)
        }
    }

    /// Wrong password, unknown e-mail, another organisation: one same answer.
    @Test func refusalsLookAlike() async throws {
        let (user, other) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            return (
                try await Fixtures.user(in: org, roles: [.socialWorker], on: owner),
                try await Fixtures.organisation(on: owner)
            )
        }
        try await withApp { client in
            let answers = [
                try await signIn(client, user.email, password: "un autre mot de passe", org: user.organisation.id),
                try await signIn(client, "inconnu-\(UUID())@test.demo", org: user.organisation.id),
                try await signIn(client, user.email, org: other.id),
                try await signIn(client, user.email, org: UUID()),
            ]
            for answer in answers {
                answer.expectProblem(.unauthorized)
                #expect(answer.headers[.wwwAuthenticate] == "Bearer")
                #expect(answer.object["detail"] as? String == answers[0].object["detail"] as? String)
            }
        }
    }

    @Test func expiredIdleRevokedAndForgedTokensAre401() async throws {
        let (user, tokens) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            let user = try await Fixtures.user(in: org, roles: [.socialWorker], on: owner)
            var tokens: [String] = []
            for _ in 0..<4 { tokens.append(try await Fixtures.token(for: user, on: owner)) }
            let hashes = tokens.map(Credentials.tokenHash)
            try await owner.query(
                "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = \(hashes[0])")
            try await owner.query(
                "UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = \(hashes[1])")
            try await owner.query("UPDATE sessions SET revoked_at = now() WHERE token_hash = \(hashes[2])")
            return (user, tokens)
        }
        try await withApp { client in
            for token in tokens.prefix(3) + [Credentials.newToken(), "", String(repeating: "a", count: 5000)] {
                try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token)).expectProblem(
                    .unauthorized)
            }
            try await client.execute(uri: "/v1/me", method: .get).expectProblem(.unauthorized)
            try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: "Basic \(tokens[3])"])
                .expectProblem(.unauthorized)
            // A session used within the idle window stays valid.
            let live = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(tokens[3]))
            #expect(live.status == .ok)
            _ = user
        }
    }

    @Test func aDisabledMembershipCannotSignInAndLosesItsSessions() async throws {
        let (user, token) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            let user = try await Fixtures.user(in: org, roles: [.socialWorker], on: owner)
            let token = try await Fixtures.token(for: user, on: owner)
            try await owner.query("UPDATE memberships SET disabled_at = now() WHERE user_id = \(user.id)")
            return (user, token)
        }
        try await withApp { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token)).expectProblem(.unauthorized)
            try await signIn(client, user.email, org: user.organisation.id).expectProblem(.unauthorized)
        }
    }

    @Test func repeatedFailuresOfAnAccountAreSlowedThenRefused() async throws {
        let user = try await withOwner { owner in
            try await Fixtures.user(in: try await Fixtures.organisation(on: owner), roles: [.socialWorker], on: owner)
        }
        try await withApp(configure: {
            $0.session.slowAfter = 2
            $0.session.baseDelay = .milliseconds(400)
            $0.session.refuseAccountAfter = 4
        }) { client in
            var durations: [Duration] = []
            for _ in 0..<4 {
                let start = ContinuousClock.now
                try await signIn(client, user.email, password: "mauvais mot de passe", org: user.organisation.id)
                    .expectProblem(.unauthorized)
                durations.append(ContinuousClock.now - start)
            }
            // The third and fourth attempts waited 400 ms and 800 ms before the comparison.
            #expect(durations[2] >= .milliseconds(400))
            #expect(durations[3] >= .milliseconds(800))
            // Now refused, even with the right password.
            let refused = try await signIn(client, user.email, org: user.organisation.id)
            refused.expectProblem(.tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            // The attempts are recorded without any password.
            let recorded = try await withOwner { owner in
                try await owner.query("SELECT count(*) FROM sign_in_attempts WHERE email = \(user.email)")
                    .decode(Int.self).first { _ in true }
            }
            #expect(recorded == 4)
        }
    }

    /// Many accounts tried from one address: refused for that address, even for an
    /// account that has never failed.
    @Test func repeatedFailuresFromAnAddressAreRefused() async throws {
        let org = try await withOwner { try await Fixtures.organisation(on: $0) }
        // Other tests also fail sign-ins from the test client's address: start from its count.
        let sofar = try await withOwner { owner in
            try await owner.query(
                "SELECT address_failures FROM auth_recent_failures('', \(HubRequestContextAddress.test), interval '15 minutes')"
            ).decode(Int.self).first { _ in true } ?? 0
        }
        try await withApp(configure: { $0.session.refuseAddressAfter = sofar + 3 }) { client in
            var refused = false
            for _ in 0..<6 where !refused {
                let answer = try await signIn(client, "inconnu-\(UUID())@test.demo", org: org.id)
                refused = answer.status == .tooManyRequests
                if !refused { answer.expectProblem(.unauthorized) }
            }
            #expect(refused)
        }
    }

    @Test func aTokenForAnOrganisationOfWhichOneIsNotAMemberCannotBeObtained() async throws {
        let (user, other) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            return (
                try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner),
                try await Fixtures.organisation(on: owner)
            )
        }
        try await withApp { client in
            try await signIn(client, user.email, org: other.id).expectProblem(.unauthorized)
        }
        // Not even through the database function the server uses.
        let opened = try await withRuntime { client in
            try await client.query(
                "SELECT session_id FROM auth_open_session(\(user.id), \(other.id), \(Data([1, 2, 3])), interval '1 hour')"
            ).decode(UUID.self).first { _ in true }
        }
        #expect(opened == nil)
    }

    @Test func signInRejectsBadBodies() async throws {
        try await withApp { client in
            try await client.execute(uri: "/v1/sessions", method: .post, body: ByteBuffer(string: "{"))
                .expectProblem(.badRequest)
            try await client.execute(
                uri: "/v1/sessions", method: .post, body: json(["email": "a@b.fr", "password": "x"])
            )
            .expectProblem(.badRequest, field: "organisationId")
            try await client.execute(
                uri: "/v1/sessions", method: .post,
                body: json(["email": 3, "password": "x", "organisationId": UUID().uuidString])
            ).expectProblem(.badRequest, field: "email")
            try await client.execute(
                uri: "/v1/sessions", method: .post,
                body: json(["email": "a@b.fr", "password": "x", "organisationId": "pas-un-uuid"])
            ).expectProblem(.badRequest, field: "organisationId")
            try await client.execute(
                uri: "/v1/sessions", method: .post,
                body: ByteBuffer(string: "{\"email\":\"" + String(repeating: "a", count: 70_000) + "\"}")
            ).expectProblem(.contentTooLarge)
        }
    }
}

/// The address the router test client presents: it has no socket.
enum HubRequestContextAddress {
    static let test = "inconnue"
}
