import Foundation
import Hummingbird
import HummingbirdTesting
import Notify
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Accounts an administrator cannot take over, and sessions their owners control (issue 15,
/// ACCESS.md §1): the admin invites, the person sets their own password through a single-use
/// link, a bound service head confirms the bound-by-secret mark.
@Suite struct AccountsTests {
    /// Invitations leave by e-mail: the app has an SMTP relay (never reached here: the link is
    /// read from the outbox, where the e-mail's delivery waits; NotifyTests sends one).
    @Sendable static func withRelay(_ configuration: inout HubConfiguration) {
        configuration.notify.smtp = SMTPConfiguration(host: "127.0.0.1", port: 2525, from: "hub@test.demo")
    }

    /// The link the invited address receives, from the outbox.
    static func link(to email: String) async throws -> String {
        try await withOwner { owner in
            let rows = try await owner.query(
                """
                SELECT e.link_path FROM notify_deliveries d JOIN notify_events e ON e.id = d.event_id
                WHERE d.recipient_email = \(email) AND e.topic = 'invitation' ORDER BY e.created_at DESC LIMIT 1
                """)
            for try await path in rows.decode(String.self) { return path }
            throw TestSetupError("aucune invitation pour \(email)")
        }
    }

    static func invite(
        _ client: some TestClientProtocol, _ adminToken: String, email: String, roles: [String] = ["socialWorker"],
        bound: Bool = false
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/invitations", method: .post, headers: bearer(adminToken),
            body: json([
                "email": email, "displayName": "Nouvelle Collègue", "roles": roles, "boundBySecret": bound,
            ]))
    }

    static func signIn(
        _ client: some TestClientProtocol, _ email: String, _ password: String, _ organisation: UUID,
        userAgent: String? = nil
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/sessions", method: .post,
            headers: userAgent.map { [.userAgent: $0] } ?? [:],
            body: json(["email": email, "password": password, "organisationId": organisation.uuidString]))
    }

    static let password = "mon propre mot de passe"

    // MARK: Invitations

    /// The attack's path is closed: no password from an admin, no account before the person
    /// enrols, and a known address answers exactly like an unknown one.
    @Test func anInvitationSaysNothingOfTheAddressAndCarriesNoPassword() async throws {
        let (org, admin, known) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            let other = try await Fixtures.organisation(on: owner)
            let admin = try await Fixtures.token(
                for: try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner), on: owner)
            return (org, admin, try await Fixtures.user(in: other, roles: [.socialWorker], on: owner))
        }
        try await withApp(configure: Self.withRelay) { client in
            // A password field is refused, as any field not expected.
            let withPassword = try await client.execute(
                uri: "/v1/invitations", method: .post, headers: bearer(admin),
                body: json([
                    "email": "x@test.demo", "displayName": "X", "roles": ["socialWorker"], "password": "choisi par moi",
                ]))
            withPassword.expectProblem(.badRequest, field: "password")
            // And the old route that took one is gone.
            let old = try await client.execute(
                uri: "/v1/users", method: .post, headers: bearer(admin),
                body: json(["email": "x@test.demo", "displayName": "X", "roles": ["socialWorker"]]))
            old.expectProblem(.methodNotAllowed)

            let unknown = "inconnue-\(UUID().uuidString.prefix(8).lowercased())@test.demo"
            let first = try await Self.invite(client, admin, email: unknown)
            let second = try await Self.invite(client, admin, email: known.email)
            #expect(first.status == .accepted && second.status == .accepted)
            func comparable(_ answer: TestResponse) -> [String: String] {
                answer.object.filter { !["id", "email", "createdAt", "expiresAt"].contains($0.key) }
                    .mapValues { "\($0)" }
            }
            #expect(comparable(first) == comparable(second))
            #expect(Set(first.object.keys) == Set(second.object.keys))
            #expect(first.headers[.contentType] == second.headers[.contentType])
            #expect(first.object["status"] as? String == "pending")

            // Not yet enrolled: no account, no sign-in, whatever the password.
            try await Self.signIn(client, unknown, Self.password, org.id).expectProblem(.unauthorized)
            // The known person cannot sign in for the inviting organisation before accepting.
            try await Self.signIn(client, known.email, Fixtures.password, org.id).expectProblem(.unauthorized)
            // Both e-mails wait in the outbox, for their addresses, with a link each.
            #expect(try await Self.link(to: unknown).hasPrefix("/v1/enrolments/"))
            #expect(try await Self.link(to: known.email).hasPrefix("/v1/enrolments/"))
        }
    }

    @Test func anEnrolmentLinkServesOnceBeforeItExpiresUnlessWithdrawn() async throws {
        let (org, admin) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            return (
                org,
                try await Fixtures.token(for: try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner), on: owner)
            )
        }
        try await withApp(configure: Self.withRelay) { client in
            func fresh() async throws -> (email: String, link: String, invitation: String) {
                let email = "invitee-\(UUID().uuidString.prefix(8).lowercased())@test.demo"
                let invited = try await Self.invite(client, admin, email: email)
                return (email, try await Self.link(to: email), try #require(invited.object["id"] as? String))
            }
            func enrol(_ link: String, _ password: String = Self.password) async throws -> TestResponse {
                try await client.execute(uri: link, method: .post, body: json(["password": password]))
            }

            // Opened, then used: the person chose the password and signs in with it.
            let used = try await fresh()
            let opened = try await client.execute(uri: used.link, method: .get)
            #expect(opened.status == .ok)
            #expect(opened.object["organisationName"] as? String == org.name)
            #expect(opened.object["accountExists"] as? Bool == false)
            try await enrol(used.link, "court").expectProblem(.unprocessableContent, field: "password")
            let enrolled = try await enrol(used.link)
            #expect(enrolled.status == .created)
            let session = try await Self.signIn(client, used.email, Self.password, org.id)
            #expect(session.status == .created)
            #expect((session.object["me"] as? [String: Any])?["boundBySecret"] as? Bool == false)
            // Used twice: refused, like every other dead link, with the same answer.
            let twice = try await enrol(used.link, "un autre mot de passe long")
            twice.expectProblem(.notFound)
            try await client.execute(uri: used.link, method: .get).expectProblem(.notFound)

            // Tampered.
            let tampered = try await fresh()
            let forged = tampered.link.dropLast() + (tampered.link.last == "A" ? "B" : "A")
            let refusedForged = try await enrol(String(forged))
            refusedForged.expectProblem(.notFound)
            #expect(refusedForged.object["detail"] as? String == twice.object["detail"] as? String)

            // Expired (72 hours).
            let expired = try await fresh()
            try await withOwner { owner in
                try await owner.query(
                    "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = \(expired.email)")
            }
            try await enrol(expired.link).expectProblem(.notFound)

            // Another organisation's admin neither sees nor withdraws it (R7: as if it did not exist).
            let stranger = try await withOwner { owner in
                try await Fixtures.token(
                    for: try await Fixtures.user(
                        in: try await Fixtures.organisation(on: owner), roles: [.orgAdmin], on: owner),
                    on: owner)
            }
            try await client.execute(
                uri: "/v1/invitations/\(tampered.invitation)/withdraw", method: .post, headers: bearer(stranger)
            ).expectProblem(.notFound)
            let strangers = try await client.execute(uri: "/v1/invitations", method: .get, headers: bearer(stranger))
            #expect(strangers.status == .ok && strangers.items.isEmpty)

            // Withdrawn by the admin.
            let withdrawn = try await fresh()
            let withdrawal = try await client.execute(
                uri: "/v1/invitations/\(withdrawn.invitation)/withdraw", method: .post, headers: bearer(admin))
            #expect(withdrawal.status == .ok)
            #expect(withdrawal.object["status"] as? String == "withdrawn")
            try await enrol(withdrawn.link).expectProblem(.notFound)
            try await Self.signIn(client, withdrawn.email, Self.password, org.id).expectProblem(.unauthorized)

            // The admin's list says where each stands.
            let list = try await client.execute(uri: "/v1/invitations?limit=2", method: .get, headers: bearer(admin))
            let cursor = try #require(list.object["nextCursor"] as? String)
            let rest = try await client.execute(
                uri: "/v1/invitations?cursor=\(cursor)", method: .get, headers: bearer(admin))
            let statuses = Dictionary(
                (list.items + rest.items).map { ($0["email"] as! String, $0["status"] as! String) },
                uniquingKeysWith: { first, _ in first })
            #expect(statuses[used.email] == "accepted")
            #expect(statuses[tampered.email] == "pending")
            #expect(statuses[expired.email] == "expired")
            #expect(statuses[withdrawn.email] == "withdrawn")
        }
    }

    /// A known person finds the new membership on their next sign-in and accepts it.
    @Test func aKnownPersonAcceptsOnTheirNextSignIn() async throws {
        let (org, admin, known) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            let other = try await Fixtures.organisation(on: owner)
            return (
                org,
                try await Fixtures.token(for: try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner), on: owner),
                try await Fixtures.user(in: other, roles: [.socialWorker], bound: true, on: owner)
            )
        }
        try await withApp(configure: Self.withRelay) { client in
            let invited = try await Self.invite(client, admin, email: known.email, roles: ["housingOfficer"])
            let invitation = try #require(invited.object["id"] as? String)
            // The link tells its holder to sign in instead.
            let link = try await Self.link(to: known.email)
            #expect(try await client.execute(uri: link, method: .get).object["accountExists"] as? Bool == true)
            try await client.execute(uri: link, method: .post, body: json(["password": Self.password]))
                .expectProblem(.conflict)

            let session = try await Self.signIn(client, known.email, Fixtures.password, known.organisation.id)
            let offers = session.object["pendingInvitations"] as? [[String: Any]] ?? []
            #expect(offers.map { $0["id"] as? String } == [invitation])
            let token = try #require(session.object["token"] as? String)
            let accepted = try await client.execute(
                uri: "/v1/me/invitations/\(invitation)/accept", method: .post, headers: bearer(token))
            #expect(accepted.status == .ok)
            #expect(accepted.object["organisationId"] as? String == org.id.uuidString)
            // Once: the offer is gone.
            try await client.execute(
                uri: "/v1/me/invitations/\(invitation)/accept", method: .post, headers: bearer(token)
            ).expectProblem(.notFound)
            let joined = try await Self.signIn(client, known.email, Fixtures.password, org.id)
            #expect(joined.status == .created)
            let me = try #require(joined.object["me"] as? [String: Any])
            #expect(me["roles"] as? [String] == ["housingOfficer"])
            #expect(me["boundBySecret"] as? Bool == false)
        }
    }

    // MARK: Bound by secret: two people

    @Test func theBoundMarkNeedsABoundServiceHeadOfTheOrganisation() async throws {
        try await withApp(configure: Self.withRelay) { client in
            let world = try await HouseholdWorld.make(client)
            let op = world.organisations["op"]!
            let (serviceHead, unboundHead, adminHead) = try await withOwner { owner in
                (
                    try await Fixtures.token(
                        for: try await Fixtures.user(in: op, roles: [.serviceHead], bound: true, on: owner), on: owner),
                    try await Fixtures.token(
                        for: try await Fixtures.user(in: op, roles: [.serviceHead], bound: false, on: owner),
                        on: owner),
                    try await Fixtures.user(in: op, roles: [.orgAdmin, .serviceHead], bound: true, on: owner)
                )
            }
            let admin = world.token(.orgAdmin)!
            // The admin invites a social worker and proposes the mark.
            let email = "referente-\(UUID().uuidString.prefix(8).lowercased())@test.demo"
            let invited = try await Self.invite(client, admin, email: email, bound: true)
            #expect(invited.object["boundBySecretProposed"] as? Bool == true)
            #expect(try await client.execute(
                uri: try await Self.link(to: email), method: .post, body: json(["password": Self.password])
            ).status == .created)
            let session = try await Self.signIn(client, email, Self.password, op.id)
            let token = try #require(session.object["token"] as? String)
            let userID = try #require((session.object["me"] as? [String: Any]).flatMap {
                ($0["user"] as? [String: Any])?["id"] as? String })

            // Before confirmation: through the door, but no secret note.
            func notes() async throws -> [String] {
                try await client.execute(
                    uri: "/v1/households/\(world.household)/notes", method: .get, headers: bearer(token)
                ).items.compactMap { $0["body"] as? String }
            }
            #expect(try await notes() == ["lead-partners"])
            let member = try await client.execute(uri: "/v1/users/\(userID)", method: .get, headers: bearer(admin))
            #expect(member.object["boundBySecret"] as? Bool == false)
            #expect(member.object["boundBySecretProposed"] as? Bool == true)

            // Not the admin, not an unbound service head, not oneself.
            let confirm = "/v1/users/\(userID)/bound-by-secret/confirm"
            try await client.execute(uri: confirm, method: .post, headers: bearer(admin)).expectProblem(.forbidden)
            try await client.execute(uri: confirm, method: .post, headers: bearer(unboundHead))
                .expectProblem(.forbidden)
            try await client.execute(uri: confirm, method: .post, headers: bearer(token)).expectProblem(.forbidden)
            // Nor the runtime role by SQL, whatever the settings say.
            try await withRuntime { runtime in
                await #expect(throws: PSQLError.self) {
                    try await runtime.withActor(world.people[.orgAdmin]!.actor, logger: TestDatabase.logger) {
                        try await $0.perform(
                            "UPDATE memberships SET bound_by_secret = true WHERE user_id = \(UUID(uuidString: userID)!)",
                            logger: TestDatabase.logger)
                    }
                }
            }
            // A person who is both admin and service head cannot confirm a proposal of their own.
            let adminHeadToken = try await withOwner { try await Fixtures.token(for: adminHead, on: $0) }
            let facilitator = world.people[.facilitator]!.user.id
            #expect(
                try await client.execute(
                    uri: "/v1/users/\(facilitator)/bound-by-secret", method: .post, headers: bearer(adminHeadToken)
                ).object["boundBySecretProposed"] as? Bool == true)
            try await client.execute(
                uri: "/v1/users/\(facilitator)/bound-by-secret/confirm", method: .post, headers: bearer(adminHeadToken)
            ).expectProblem(.conflict)

            // A bound service head confirms: the very next request reads the secret.
            let confirmed = try await client.execute(uri: confirm, method: .post, headers: bearer(serviceHead))
            #expect(confirmed.status == .ok)
            #expect(confirmed.object["boundBySecret"] as? Bool == true)
            #expect(Set(try await notes()) == ["lead-partners", "lead-secret", "lead-private"])
            try await client.execute(uri: confirm, method: .post, headers: bearer(serviceHead))
                .expectProblem(.conflict)

            // Both steps are in the organisation's access log chain.
            let actions = try await withOwner { owner in
                let rows = try await owner.query(
                    "SELECT action FROM audit_log WHERE chain = \("organisation:\(op.id.uuidString.lowercased())")")
                var actions: [String] = []
                for try await action in rows.decode(String.self) { actions.append(action) }
                return actions
            }
            #expect(actions.contains("invitation.create.boundProposed"))
            #expect(actions.contains("membership.boundConfirmed"))

            // Removing the mark needs nobody: at once, and the next request reads no secret.
            let removed = try await client.execute(
                uri: "/v1/users/\(userID)/bound-by-secret", method: .delete, headers: bearer(admin))
            #expect(removed.object["boundBySecret"] as? Bool == false)
            #expect(try await notes() == ["lead-partners"])
        }
    }

    // MARK: Sessions

    @Test func peopleSeeAndEndTheirOwnSessionsAndAdminsTheirMembers() async throws {
        let (org, user, admin) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            return (
                org, try await Fixtures.user(in: org, roles: [.socialWorker], on: owner),
                try await Fixtures.token(for: try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner), on: owner)
            )
        }
        try await withApp { client in
            let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            var tokens: [String] = []
            for agent in [firefox, "curl/8.5.0", nil] {
                let session = try await Self.signIn(client, user.email, Fixtures.password, org.id, userAgent: agent)
                tokens.append(try #require(session.object["token"] as? String))
            }
            let listed = try await client.execute(uri: "/v1/sessions", method: .get, headers: bearer(tokens[0]))
            #expect(listed.items.count == 3)
            #expect(Set(listed.items.compactMap { $0["client"] as? String }) == ["Firefox sur Linux", "client API", "client inconnu"])
            #expect(listed.items.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(!String(buffer: listed.body).contains(tokens[0]) && !String(buffer: listed.body).contains("Gecko"))
            let other = try #require(listed.items.first { $0["current"] as? Bool == false }?["id"] as? String)

            // Revoke one: its very next request fails; the others live on.
            #expect(
                try await client.execute(uri: "/v1/sessions/\(other)", method: .delete, headers: bearer(tokens[0]))
                    .status == .noContent)
            let remaining = try await client.execute(uri: "/v1/sessions", method: .get, headers: bearer(tokens[0]))
            #expect(remaining.items.count == 2)
            var alive = 0
            for token in tokens {
                if try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token)).status == .ok { alive += 1 }
            }
            #expect(alive == 2)
            // Another person's session is nobody's business: 404.
            let adminSessions = try await client.execute(uri: "/v1/sessions", method: .get, headers: bearer(admin))
            let adminSession = try #require(adminSessions.items.first?["id"] as? String)
            try await client.execute(uri: "/v1/sessions/\(adminSession)", method: .delete, headers: bearer(tokens[0]))
                .expectProblem(.notFound)

            // The admin ends every session of a member.
            #expect(
                try await client.execute(uri: "/v1/users/\(user.id)/sessions", method: .delete, headers: bearer(admin))
                    .status == .noContent)
            for token in tokens {
                try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token))
                    .expectProblem(.unauthorized)
            }

            // Revoke all of mine, this one included.
            let again = try await Self.signIn(client, user.email, Fixtures.password, org.id)
            let mine = try #require(again.object["token"] as? String)
            let second = try #require(
                try await Self.signIn(client, user.email, Fixtures.password, org.id).object["token"] as? String)
            #expect(
                try await client.execute(uri: "/v1/sessions", method: .delete, headers: bearer(mine)).status == .noContent)
            try await client.execute(uri: "/v1/me", method: .get, headers: bearer(mine)).expectProblem(.unauthorized)
            try await client.execute(uri: "/v1/me", method: .get, headers: bearer(second)).expectProblem(.unauthorized)
        }
    }
}
