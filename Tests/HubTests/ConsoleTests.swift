import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 20: the console's pages on the API's sessions and rules. Served as over HTTPS
/// (`HUB_PUBLIC_URL`), so its cookies are `__Host-` and Secure whatever the test's host; the
/// browser tests (Tests/browser) check the same in Chromium on loopback.
@Suite struct ConsoleTests {
    static let origin = "https://hub.example.fr"

    func withConsole(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withApp(configure: { $0.notify.publicURL = Self.origin }, body)
    }

    static func session(_ token: String) -> HTTPFields {
        [.cookie: "__Host-hub_session=\(token)", .accept: "text/html"]
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        // URLComponents leaves `+` as is; a form encodes it.
        return ByteBuffer(string: components.percentEncodedQuery!.replacingOccurrences(of: "+", with: "%2B"))
    }

    static func post(_ cookie: String, origin: String? = ConsoleTests.origin) -> HTTPFields {
        var headers: HTTPFields = [
            .cookie: cookie, .contentType: "application/x-www-form-urlencoded", .accept: "text/html",
        ]
        if let origin { headers[.origin] = origin }
        return headers
    }

    static func cookies(_ response: TestResponse) -> [String] { response.headers[values: .setCookie] }

    static func value(of name: String, in response: TestResponse) -> String? {
        for line in cookies(response) where line.hasPrefix("\(name)=") {
            return String(line.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    static func csrf(in page: TestResponse) -> String? {
        let html = String(buffer: page.body)
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// A page without what changes on every answer (the request id).
    static func stable(_ response: TestResponse) -> String {
        String(buffer: response.body).replacing(/identifiant de la requête : [0-9a-f]+/, with: "")
    }

    @Test func signingInSetsAHostOnlySessionCookieAndTheMenagesPage() async throws {
        try await withConsole { client in
            let user = try await withOwner { owner in
                try await Fixtures.user(
                    in: try await Fixtures.organisation(on: owner), roles: [.socialWorker], on: owner)
            }
            let none = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(none.status == .seeOther)
            #expect(none.headers[.location] == "/connexion")

            let form = try await client.execute(uri: "/connexion", method: .get, headers: [.accept: "text/html"])
            #expect(form.status == .ok)
            #expect(form.headers[.contentType] == "text/html; charset=utf-8")
            let signInCookie = try #require(Self.cookies(form).first { $0.hasPrefix("__Host-hub_sign_in=") })
            #expect(signInCookie.contains("Secure") && signInCookie.contains("HttpOnly"))
            #expect(signInCookie.contains("SameSite=Lax") && signInCookie.contains("Path=/"))
            let token = try #require(Self.value(of: "__Host-hub_sign_in", in: form))
            #expect(Self.csrf(in: form) == token)

            let wrong = try await client.execute(
                uri: "/connexion", method: .post, headers: Self.post("__Host-hub_sign_in=\(token)"),
                body: Self.form(["csrf": token, "email": user.email, "password": "pas le bon"]))
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("Adresse e-mail ou mot de passe incorrects."))
            #expect(Self.value(of: "__Host-hub_session", in: wrong) == nil)

            let signedIn = try await client.execute(
                uri: "/connexion", method: .post, headers: Self.post("__Host-hub_sign_in=\(token)"),
                body: Self.form(["csrf": token, "email": user.email, "password": Fixtures.password]))
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/")
            let sessionCookie = try #require(Self.cookies(signedIn).first { $0.hasPrefix("__Host-hub_session=") })
            for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
                #expect(sessionCookie.contains(flag), "\(flag)")
            }
            #expect(!sessionCookie.contains("Domain") && !sessionCookie.contains("Max-Age"))
            let session = try #require(Self.value(of: "__Host-hub_session", in: signedIn))
            // The cookie is an API session like any other.
            let me = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(session))
            #expect(me.status == .ok)

            let home = try await client.execute(uri: "/", method: .get, headers: Self.session(session))
            #expect(home.headers[.location] == "/menages")
            let list = try await client.execute(uri: "/menages", method: .get, headers: Self.session(session))
            #expect(list.status == .ok)
            #expect(list.headers[.cacheControl] == "no-store")
            #expect(list.headers[.xContentTypeOptions] == "nosniff")
            #expect(list.headers[.referrerPolicy] == "same-origin")
            let policy = try #require(list.headers[.contentSecurityPolicy])
            #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("script-src"))
            #expect(String(buffer: list.body).contains("Aucun ménage"))
        }
    }

    @Test func aPersonWithTwoMembershipsChoosesTheOrganisationOnce() async throws {
        try await withConsole { client in
            let (email, first, second) = try await withOwner { owner in
                let first = try await Fixtures.organisation(on: owner)
                let second = try await Fixtures.organisation(.departement, on: owner)
                let email = "\(UUID().uuidString.prefix(12).lowercased())@test.demo"
                _ = try await owner.withConnection {
                    try await Operator.createUser(
                        email: email, displayName: Fixtures.unique("Personne"), passwordHash: Fixtures.passwordHash,
                        memberships: [
                            .init(organisationID: first.id, roles: [.socialWorker], boundBySecret: true),
                            .init(organisationID: second.id, roles: [.socialWorker], boundBySecret: true),
                        ], on: $0, logger: TestDatabase.logger)
                }
                return (email, first, second)
            }
            let form = try await client.execute(uri: "/connexion", method: .get, headers: [.accept: "text/html"])
            let token = try #require(Self.value(of: "__Host-hub_sign_in", in: form))
            let cookie = "__Host-hub_sign_in=\(token)"
            let choice = try await client.execute(
                uri: "/connexion", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "email": email, "password": Fixtures.password]))
            #expect(choice.status == .ok)
            #expect(Self.value(of: "__Host-hub_session", in: choice) == nil)
            let html = String(buffer: choice.body)
            #expect(html.contains(first.name) && html.contains(second.name))
            let ticket = try #require(
                html.range(of: #"name="ticket" value=""#).map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })

            // Not a membership of theirs: refused, and the ticket is spent.
            let elsewhere = try await client.execute(
                uri: "/connexion/organisation", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "ticket": ticket, "organisationId": UUID().uuidString]))
            #expect(elsewhere.status == .unauthorized)
            let spent = try await client.execute(
                uri: "/connexion/organisation", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "ticket": ticket, "organisationId": second.id.uuidString]))
            #expect(spent.status == .unauthorized)
            #expect(String(buffer: spent.body).contains("connectez-vous à nouveau"))

            let again = try await client.execute(
                uri: "/connexion", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "email": email, "password": Fixtures.password]))
            let html2 = String(buffer: again.body)
            let ticket2 = try #require(
                html2.range(of: #"name="ticket" value=""#).map { String(html2[$0.upperBound...].prefix { $0 != "\"" }) }
            )
            let chosen = try await client.execute(
                uri: "/connexion/organisation", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "ticket": ticket2, "organisationId": second.id.uuidString]))
            #expect(chosen.status == .seeOther)
            let session = try #require(Self.value(of: "__Host-hub_session", in: chosen))
            let me = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(session))
            #expect(
                (me.object["organisation"] as? [String: Any])?["id"] as? String == second.id.uuidString.lowercased()
                    || (me.object["organisation"] as? [String: Any])?["id"] as? String == second.id.uuidString)
        }
    }

    @Test func aFormWithoutItsTokenOrFromAnotherOriginIsRefused() async throws {
        try await withConsole { client in
            let world = try await HouseholdWorld.make(client)
            let token = try #require(world.token(.leadBound))
            let cookie = "__Host-hub_session=\(token)"
            let page = try await client.execute(
                uri: "/menages/\(world.household)", method: .get, headers: Self.session(token))
            #expect(page.status == .ok)
            let csrf = try #require(Self.csrf(in: page))
            let uri = "/menages/\(world.household)/notes"
            for (what, fields, origin) in [
                ("sans jeton", ["body": "forgée", "level": "partners"], Self.origin),
                (
                    "jeton faux", ["body": "forgée", "level": "partners", "csrf": String(repeating: "0", count: 64)],
                    Self.origin
                ),
                ("autre origine", ["body": "forgée", "level": "partners", "csrf": csrf], "https://attaquant.example"),
                ("origine nulle", ["body": "forgée", "level": "partners", "csrf": csrf], "null"),
            ] as [(String, [String: String], String)] {
                let refused = try await client.execute(
                    uri: uri, method: .post, headers: Self.post(cookie, origin: origin), body: Self.form(fields))
                #expect(refused.status == .forbidden, "\(what)")
                #expect(refused.headers[.contentType] == "text/html; charset=utf-8", "\(what)")
                #expect(String(buffer: refused.body).contains("Accès refusé"), "\(what)")
            }
            let noOrigin = try await client.execute(
                uri: uri, method: .post, headers: Self.post(cookie, origin: nil),
                body: Self.form(["body": "forgée", "level": "partners", "csrf": csrf]))
            #expect(noOrigin.status == .forbidden)
            let notes = try await client.execute(
                uri: "/v1/households/\(world.household)/notes", method: .get, headers: world.headers(.leadBound))
            #expect(!String(buffer: notes.body).contains("forgée"))

            // What a person writes is text on the page, never markup.
            let markup = "<script>alert('x')</script> & \"co\""
            _ = try await client.execute(
                uri: uri, method: .post, headers: Self.post(cookie),
                body: Self.form(["body": markup, "level": "partners", "csrf": csrf]))
            let shown = String(
                buffer: try await client.execute(
                    uri: "/menages/\(world.household)/notes", method: .get, headers: Self.session(token)
                ).body)
            #expect(shown.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"))
            #expect(!shown.contains("<script>"))

            let written = try await client.execute(
                uri: uri, method: .post, headers: Self.post(cookie),
                body: Self.form(["body": "Écrite depuis la page", "level": "secret", "csrf": csrf]))
            #expect(written.status == .seeOther)
            #expect(written.headers[.location]?.hasSuffix("/notes?note=enregistree#notes") == true)
            let after = try await client.execute(
                uri: "/v1/households/\(world.household)/notes", method: .get, headers: world.headers(.leadBound))
            let note = try #require(after.items.first { $0["body"] as? String == "Écrite depuis la page" })
            #expect(note["level"] as? String == "secret")
        }
    }

    /// The matrix on pages: each seat's household page shows exactly the notes and diagnostic
    /// pieces the API gives the same seat, and a household the seat may not see gives the page
    /// of one that does not exist (R7).
    @Test func theHouseholdPageShowsEachSeatWhatTheAPIDoes() async throws {
        try await withConsole { client in
            let world = try await HouseholdWorld.make(client)
            let id = world.household
            func texts(_ object: Any) -> [String] {
                switch object {
                case let dictionary as [String: Any]:
                    if let value = dictionary["value"] as? String, dictionary["level"] != nil {
                        // Free text only: an assessment is a code in JSON, its French words on the page.
                        return Assessment(rawValue: value) == nil ? [value] : []
                    }
                    return dictionary.values.flatMap(texts)
                case let array as [Any]: return array.flatMap(texts)
                default: return []
                }
            }
            let lead = try await client.execute(
                uri: "/v1/households/\(id)", method: .get, headers: world.headers(.leadBound))
            let pieces = Set(texts(lead.object["currentDiagnostic"] as Any) + world.notes)
            #expect(pieces.count >= 5)
            let missing = try await client.execute(
                uri: "/menages/\(UUID())", method: .get, headers: Self.session(world.token(.leadBound)!))
            #expect(missing.status == .notFound)
            for seat in HouseholdWorld.Seat.allCases where seat != .anonymous {
                let token = try #require(world.token(seat))
                let api = try await client.execute(uri: "/v1/households/\(id)", method: .get, headers: bearer(token))
                let page = try await client.execute(
                    uri: "/menages/\(id)", method: .get, headers: Self.session(token))
                var tabs: [String: TestResponse] = [:]
                for tab in ["notes", "parcours", "partage", "consultations"] {
                    tabs[tab] = try await client.execute(
                        uri: "/menages/\(id)/\(tab)", method: .get, headers: Self.session(token))
                }
                guard api.status == .ok else {
                    for answer in [page] + tabs.values {
                        #expect(answer.status == .notFound, "\(seat)")
                        #expect(Self.stable(answer) == Self.stable(missing), "\(seat)")
                    }
                    continue
                }
                #expect(page.status == .ok, "\(seat)")
                // Each tab as its API route allows it: the path to all through the door, the
                // sharing to the lead, the access log to the lead's bound professionals.
                let timeline = try await client.execute(
                    uri: "/v1/households/\(id)/timeline", method: .get, headers: bearer(token))
                #expect(tabs["parcours"]?.status == timeline.status, "\(seat)")
                let lead = [.leadBound, .facilitator].contains(seat)
                #expect(tabs["partage"]?.status == (lead ? .ok : .forbidden), "\(seat)")
                let log = try await client.execute(
                    uri: "/v1/households/\(id)/access-log", method: .get, headers: bearer(token))
                #expect(tabs["consultations"]?.status == log.status, "\(seat)")
                let notes = try await client.execute(
                    uri: "/v1/households/\(id)/notes", method: .get, headers: bearer(token))
                #expect(tabs["notes"]?.status == notes.status, "\(seat)")
                let readable = String(buffer: api.body) + String(buffer: notes.body)
                let html = (String(buffer: page.body) + String(buffer: tabs["notes"]!.body))
                    .replacingOccurrences(of: "&#39;", with: "'")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
                    .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
                for piece in pieces {
                    #expect(html.contains(piece) == readable.contains(piece), "\(seat): \(piece)")
                }
            }
        }
    }

    @Test func mesMenagesFiltersAsTheAPIDoes() async throws {
        try await withConsole { client in
            let world = try await HouseholdWorld.make(client)
            let token = try #require(world.token(.leadBound))
            func links(_ uri: String) async throws -> [String] {
                let page = try await client.execute(uri: uri, method: .get, headers: Self.session(token))
                #expect(page.status == .ok, "\(uri)")
                return String(buffer: page.body).matches(of: /href="\/menages\/([0-9a-f-]{36})"/).map { String($0.1) }
            }
            let household = world.household.uuidString.lowercased()
            #expect(try await links("/menages").contains(household))
            #expect(
                try await links("/menages?programme=\(world.programme.uuidString.lowercased())").contains(household))
            #expect(try await !links("/menages?programme=\(UUID().uuidString.lowercased())").contains(household))
            #expect(try await !links("/menages?statut=ended").contains(household))
            let api = try await client.execute(
                uri: "/v1/households/\(household)", method: .get, headers: world.headers(.leadBound))
            let status = try #require(api.object["status"] as? String)
            #expect(try await links("/menages?statut=\(status)").contains(household))
            let wrong = try await client.execute(
                uri: "/menages?statut=inconnu", method: .get, headers: Self.session(token))
            #expect(wrong.status == .badRequest)
            #expect(String(buffer: wrong.body).contains("Cette étape du parcours n&#39;existe pas."))
        }
    }

    @Test func theSearchIsPostedAndRefusesWhatTheAPIRefuses() async throws {
        try await withConsole { client in
            let world = try await HouseholdWorld.make(client)
            let token = try #require(world.token(.leadBound))
            let cookie = "__Host-hub_session=\(token)"
            let list = try await client.execute(uri: "/menages", method: .get, headers: Self.session(token))
            let csrf = try #require(Self.csrf(in: list))
            let found = try await client.execute(
                uri: "/menages/recherche", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": csrf, "q": "DIALLO"]))
            #expect(found.status == .ok)
            #expect(String(buffer: found.body).contains("/menages/\(world.household.uuidString.lowercased())"))
            let outsider = try #require(world.token(.otherProgramme))
            let outsiderList = try await client.execute(
                uri: "/menages", method: .get, headers: Self.session(outsider))
            let none = try await client.execute(
                uri: "/menages/recherche", method: .post,
                headers: Self.post("__Host-hub_session=\(outsider)"),
                body: Self.form(["csrf": try #require(Self.csrf(in: outsiderList)), "q": "DIALLO"]))
            #expect(String(buffer: none.body).contains("Aucun ménage pour « DIALLO »"))
            // A NUL character is refused at the form, as in JSON, not by PostgreSQL.
            for fields in [["csrf": csrf, "q": "a\u{0}b"], ["csrf": csrf, "q\u{0}": "a"]] {
                let refused = try await client.execute(
                    uri: "/menages/recherche", method: .post, headers: Self.post(cookie), body: Self.form(fields))
                #expect(refused.status == .badRequest)
                #expect(String(buffer: refused.body).contains("caractère nul"))
            }
            let note = try await client.execute(
                uri: "/menages/\(world.household)/notes", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": csrf, "body": "x\u{0}", "level": "partners"]))
            #expect(note.status == .badRequest)
            // An unknown level is the API's refusal, the text kept.
            let level = try await client.execute(
                uri: "/menages/\(world.household)/notes", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": csrf, "body": "Texte gardé", "level": "public"]))
            #expect(level.status == .unprocessableContent)
            #expect(String(buffer: level.body).contains("Niveau inconnu"))
            #expect(String(buffer: level.body).contains("Texte gardé"))
        }
    }

    @Test func anExpiredTicketAndASecondSignInCloseWhatTheyShould() async throws {
        try await withConsole { client in
            let (email, first) = try await withOwner { owner in
                let first = try await Fixtures.organisation(on: owner)
                let second = try await Fixtures.organisation(on: owner)
                let email = "\(UUID().uuidString.prefix(12).lowercased())@test.demo"
                _ = try await owner.withConnection {
                    try await Operator.createUser(
                        email: email, displayName: Fixtures.unique("Personne"), passwordHash: Fixtures.passwordHash,
                        memberships: [
                            .init(organisationID: first.id, roles: [.socialWorker], boundBySecret: false),
                            .init(organisationID: second.id, roles: [.socialWorker], boundBySecret: false),
                        ], on: $0, logger: TestDatabase.logger)
                }
                return (email, first)
            }
            let form = try await client.execute(uri: "/connexion", method: .get, headers: [.accept: "text/html"])
            let token = try #require(Self.value(of: "__Host-hub_sign_in", in: form))
            let cookie = "__Host-hub_sign_in=\(token)"
            func choice() async throws -> String {
                let page = try await client.execute(
                    uri: "/connexion", method: .post, headers: Self.post(cookie),
                    body: Self.form(["csrf": token, "email": email, "password": Fixtures.password]))
                let html = String(buffer: page.body)
                return try #require(
                    html.range(of: #"name="ticket" value=""#).map {
                        String(html[$0.upperBound...].prefix { $0 != "\"" })
                    })
            }
            let ticket = try await choice()
            try await withOwner { owner in
                try await owner.query(
                    "UPDATE sign_in_tickets SET expires_at = now() - interval '1 second' WHERE token_hash = \(Credentials.tokenHash(ticket))",
                    logger: TestDatabase.logger)
            }
            let late = try await client.execute(
                uri: "/connexion/organisation", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "ticket": ticket, "organisationId": first.id.uuidString]))
            #expect(late.status == .unauthorized)

            let chosen = try await client.execute(
                uri: "/connexion/organisation", method: .post, headers: Self.post(cookie),
                body: Self.form(["csrf": token, "ticket": try await choice(), "organisationId": first.id.uuidString]))
            let session = try #require(Self.value(of: "__Host-hub_session", in: chosen))
            // Signing in again from this browser closes the session it held.
            let again = try await client.execute(
                uri: "/connexion/organisation", method: .post,
                headers: Self.post("\(cookie); __Host-hub_session=\(session)"),
                body: Self.form(["csrf": token, "ticket": try await choice(), "organisationId": first.id.uuidString]))
            #expect(again.status == .seeOther)
            let old = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(session))
            old.expectProblem(.unauthorized)
        }
    }

    @Test func anEndedSessionAndASignOutSaySoInFrench() async throws {
        try await withConsole { client in
            let (user, token) = try await withOwner { owner in
                let user = try await Fixtures.user(
                    in: try await Fixtures.organisation(on: owner), roles: [.socialWorker], on: owner)
                return (user, try await Fixtures.token(for: user, on: owner))
            }
            _ = user
            let list = try await client.execute(uri: "/menages", method: .get, headers: Self.session(token))
            let csrf = try #require(Self.csrf(in: list))
            let out = try await client.execute(
                uri: "/deconnexion", method: .post, headers: Self.post("__Host-hub_session=\(token)"),
                body: Self.form(["csrf": csrf]))
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/deconnexion")
            #expect(Self.cookies(out).contains { $0.hasPrefix("__Host-hub_session=;") && $0.contains("Max-Age=0") })
            let page = try await client.execute(uri: "/deconnexion", method: .get, headers: [.accept: "text/html"])
            #expect(String(buffer: page.body).contains("Vous êtes déconnecté·e"))
            let ended = try await client.execute(uri: "/menages", method: .get, headers: Self.session(token))
            #expect(ended.status == .unauthorized)
            #expect(String(buffer: ended.body).contains("Votre session est terminée"))
            #expect(Self.cookies(ended).contains { $0.hasPrefix("__Host-hub_session=;") })
            // The API says the same in its own words.
            let api = try await client.execute(uri: "/v1/me", method: .get, headers: bearer(token))
            api.expectProblem(.unauthorized)
        }
    }

    @Test func browsersGetFrenchErrorPagesAndClientsProblems() async throws {
        try await withConsole { client in
            // A sign-in cookie that is not one of ours is replaced, never echoed.
            let odd = try await client.execute(
                uri: "/connexion", method: .get,
                headers: [.accept: "text/html", .cookie: "__Host-hub_sign_in=a\"b<c"])
            #expect(odd.status == .ok)
            #expect(Self.value(of: "__Host-hub_sign_in", in: odd)?.count == 43)
            let page = try await client.execute(uri: "/nulle-part", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: page.body).contains("Page introuvable"))
            let problem = try await client.execute(uri: "/nulle-part", method: .get, headers: [.accept: "*/*"])
            problem.expectProblem(.notFound)
            let api = try await client.execute(uri: "/v1/nulle-part", method: .get, headers: [.accept: "text/html"])
            api.expectProblem(.notFound)
            let css = try await client.execute(uri: "/console.css", method: .get)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "public, max-age=3600")
        }
    }
}
