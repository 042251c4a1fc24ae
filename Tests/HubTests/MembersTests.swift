import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

/// An orgAdmin manages the users of their own organisation only (ACCESS.md §1, R7).
@Suite struct MembersTests {
    struct World {
        let a: Fixtures.Org
        let adminA: String
        let workerA: String
        let adminB: String
        let colleague: Fixtures.User
        let colleagueToken: String
    }

    func world() async throws -> World {
        try await withOwner { owner in
            let a = try await Fixtures.organisation(on: owner)
            let b = try await Fixtures.organisation(.socialLandlord, on: owner)
            let colleague = try await Fixtures.user(in: a, roles: [.socialWorker], bound: true, on: owner)
            return World(
                a: a,
                adminA: try await Fixtures.token(
                    for: try await Fixtures.user(in: a, roles: [.orgAdmin], on: owner), on: owner),
                workerA: try await Fixtures.token(
                    for: try await Fixtures.user(in: a, roles: [.socialWorker, .serviceHead], on: owner), on: owner),
                adminB: try await Fixtures.token(
                    for: try await Fixtures.user(in: b, roles: [.orgAdmin], on: owner), on: owner),
                colleague: colleague,
                colleagueToken: try await Fixtures.token(for: colleague, on: owner))
        }
    }

    @Test func anAdminListsReadsAndDisablesTheirMembers() async throws {
        let w = try await world()
        try await withApp { client in
            // Three members: the admin, a social worker and the colleague.
            let first = try await client.execute(uri: "/v1/users?limit=2", method: .get, headers: bearer(w.adminA))
            #expect(first.items.count == 2)
            let cursor = try #require(first.object["nextCursor"] as? String)
            let second = try await client.execute(
                uri: "/v1/users?limit=2&cursor=\(cursor)", method: .get, headers: bearer(w.adminA))
            #expect(second.items.count == 1)
            #expect(second.object["nextCursor"] is NSNull)
            let emails = (first.items + second.items).compactMap { $0["email"] as? String }
            #expect(emails == emails.sorted() && Set(emails).count == 3)
            #expect((first.items + second.items).allSatisfy { $0["password"] == nil && $0["passwordHash"] == nil })

            let shown = try await client.execute(
                uri: "/v1/users/\(w.colleague.id)", method: .get, headers: bearer(w.adminA))
            #expect(shown.object["email"] as? String == w.colleague.email)
            #expect(shown.object["disabledAt"] is NSNull)

            let disabled = try await client.execute(
                uri: "/v1/users/\(w.colleague.id)/disable", method: .post, headers: bearer(w.adminA))
            #expect(disabled.status == .ok)
            #expect(disabled.object["disabledAt"] is String)
            // Disabling revokes the member's sessions at once.
            try await client.execute(uri: "/v1/me", method: .get, headers: bearer(w.colleagueToken))
                .expectProblem(.unauthorized)
            // Idempotent.
            let again = try await client.execute(
                uri: "/v1/users/\(w.colleague.id)/disable", method: .post, headers: bearer(w.adminA))
            #expect(again.object["disabledAt"] as? String == disabled.object["disabledAt"] as? String)
        }
    }

    @Test func anotherOrganisationsMembersDoNotExist() async throws {
        let w = try await world()
        try await withApp { client in
            let missing = try await client.execute(uri: "/v1/users/\(UUID())", method: .get, headers: bearer(w.adminB))
            missing.expectProblem(.notFound)
            let foreign = try await client.execute(
                uri: "/v1/users/\(w.colleague.id)", method: .get, headers: bearer(w.adminB))
            foreign.expectProblem(.notFound)
            #expect(foreign.object["detail"] as? String == missing.object["detail"] as? String)

            try await client.execute(
                uri: "/v1/users/\(w.colleague.id)/disable", method: .post, headers: bearer(w.adminB)
            )
            .expectProblem(.notFound)
            let list = try await client.execute(uri: "/v1/users", method: .get, headers: bearer(w.adminB))
            #expect(!list.items.contains { $0["email"] as? String == w.colleague.email })

            // Still active: B's attempt changed nothing.
            let me = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(w.colleagueToken))
            #expect(me.status == .ok)
        }
    }

    @Test func onlyTheAdminManagesMembers() async throws {
        let w = try await world()
        try await withApp { client in
            let invitation = json(["email": "x@test.demo", "displayName": "X", "roles": ["socialWorker"]])
            for (method, uri, body) in [
                (HTTPRequest.Method.get, "/v1/users", nil),
                (.post, "/v1/invitations", invitation),
                (.get, "/v1/invitations", nil),
                (.get, "/v1/users/\(w.colleague.id)", nil),
                (.post, "/v1/users/\(w.colleague.id)/disable", nil),
                (.delete, "/v1/users/\(w.colleague.id)/sessions", nil),
                (.post, "/v1/users/\(w.colleague.id)/bound-by-secret", nil),
                (.delete, "/v1/users/\(w.colleague.id)/bound-by-secret", nil),
            ] as [(HTTPRequest.Method, String, ByteBuffer?)] {
                try await client.execute(uri: uri, method: method, headers: bearer(w.workerA), body: body)
                    .expectProblem(.forbidden)
                try await client.execute(uri: uri, method: method, body: body).expectProblem(.unauthorized)
            }
        }
    }

    @Test func badInvitationBodiesAreNamed() async throws {
        let w = try await world()
        try await withApp(configure: AccountsTests.withRelay) { client in
            func post(_ body: ByteBuffer) async throws -> TestResponse {
                try await client.execute(uri: "/v1/invitations", method: .post, headers: bearer(w.adminA), body: body)
            }
            func invitation() -> [String: Any] {
                ["email": "nouvelle-\(UUID().uuidString.prefix(8))@test.demo", "displayName": "Nouvelle Collègue",
                 "roles": ["socialWorker"], "boundBySecret": true]
            }
            var missing = invitation()
            missing.removeValue(forKey: "displayName")
            try await post(json(missing)).expectProblem(.badRequest, field: "displayName")
            var wrongType = invitation()
            wrongType["boundBySecret"] = "oui"
            try await post(json(wrongType)).expectProblem(.badRequest, field: "boundBySecret")
            var unknownRole = invitation()
            unknownRole["roles"] = ["socialWorker", "superAdmin"]
            try await post(json(unknownRole)).expectProblem(.badRequest, field: "roles[1]")
            var nullName = invitation()
            nullName["displayName"] = NSNull()
            try await post(json(nullName)).expectProblem(.badRequest, field: "displayName")
            var misspelt = invitation()
            misspelt["boundbysecret"] = true
            try await post(json(misspelt)).expectProblem(.badRequest, field: "boundbysecret")
            try await post(ByteBuffer(string: "[1, 2")).expectProblem(.badRequest)
            try await post(ByteBuffer(string: "[]")).expectProblem(.badRequest)
            var badEmail = invitation()
            badEmail["email"] = "pas une adresse"
            try await post(json(badEmail)).expectProblem(.unprocessableContent, field: "email")
            var noRoles = invitation()
            noRoles["roles"] = [String]()
            try await post(json(noRoles)).expectProblem(.unprocessableContent, field: "roles")
            var blankName = invitation()
            blankName["displayName"] = "   "
            try await post(json(blankName)).expectProblem(.unprocessableContent, field: "displayName")
            var huge = invitation()
            huge["displayName"] = String(repeating: "é", count: 40_000)
            try await post(json(huge)).expectProblem(.contentTooLarge)
            // A member of this very organisation: the admin knows them already.
            var member = invitation()
            member["email"] = w.colleague.email
            try await post(json(member)).expectProblem(.conflict)

            for query in ["limit=0", "limit=201", "limit=abc", "cursor=%%%"] {
                try await client.execute(uri: "/v1/users?\(query)", method: .get, headers: bearer(w.adminA))
                    .expectProblem(.badRequest)
            }
            try await client.execute(uri: "/v1/users/pas-un-uuid", method: .get, headers: bearer(w.adminA))
                .expectProblem(.badRequest, field: "userId")
        }
    }

    @Test func anAdminCannotDisableThemself() async throws {
        let (admin, token) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            let admin = try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner)
            return (admin, try await Fixtures.token(for: admin, on: owner))
        }
        try await withApp { client in
            try await client.execute(uri: "/v1/users/\(admin.id)/disable", method: .post, headers: bearer(token))
                .expectProblem(.conflict)
        }
    }
}
