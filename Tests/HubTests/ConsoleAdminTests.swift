import Foundation
import Hummingbird
import HummingbirdTesting
import Notify
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 21, items 7 and 8 in the console: « Messages » (the inbox, each message a link to its
/// page), and the organisation administrator's pages (members, invitations, webhooks), each for
/// every seat that matters: the admin of the organisation, the admin of another one, a social
/// worker, the evaluator. The inbox's tests drain the outbox: they belong to NotifyTests'
/// serialized suite (below), whose other tests count what each drain delivers.
@Suite struct ConsoleAdminTests {
    static let origin = ConsoleTests.origin

    /// The console as served over HTTPS, with an SMTP relay configured (invitations leave by
    /// e-mail; the tests' dispatcher is off, so nothing is sent) and webhooks allowed to loopback.
    static func withConsole(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withApp(
            configure: {
                $0.notify.publicURL = Self.origin
                $0.notify.smtp = SMTPConfiguration(host: "127.0.0.1", port: 9, from: "hub@hub.example.fr")
                $0.notify.webhookPolicy = DestinationPolicy(allowLoopback: true)
            }, body)
    }

    struct Seat: Sendable {
        let user: Fixtures.User
        let token: String
        var cookie: String { "__Host-hub_session=\(token)" }
        var csrf: String { ConsoleSecurity.csrfToken(forSession: token) }
    }

    static func seat(_ org: Fixtures.Org, _ roles: Set<Role>, bound: Bool = false) async throws -> Seat {
        try await withOwner { owner in
            let user = try await Fixtures.user(in: org, roles: roles, bound: bound, on: owner)
            return Seat(user: user, token: try await Fixtures.token(for: user, on: owner))
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, as seat: Seat) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: ConsoleTests.session(seat.token))
    }

    static func post(
        _ client: some TestClientProtocol, _ uri: String, as seat: Seat, _ fields: [String: String] = [:],
        csrf: Bool = true
    ) async throws -> TestResponse {
        var fields = fields
        if csrf { fields["csrf"] = seat.csrf }
        return try await client.execute(
            uri: uri, method: .post, headers: ConsoleTests.post(seat.cookie), body: ConsoleTests.form(fields))
    }

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    static func expectRefused(
        _ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "text/html; charset=utf-8", sourceLocation: sourceLocation)
        let heading =
            status == .forbidden ? "Accès refusé" : status == .notFound ? "Page introuvable" : "Demande refusée"
        #expect(html(response).contains(heading), sourceLocation: sourceLocation)
    }

    // MARK: The organisation's administrator

    @Test func theMembersPageIsTheAdminsOwnOrganisationsOnly() async throws {
        try await Self.withConsole { client in
            let (own, other) = try await withOwner {
                (try await Fixtures.organisation(on: $0), try await Fixtures.organisation(on: $0))
            }
            let admin = try await Self.seat(own, [.orgAdmin])
            let otherAdmin = try await Self.seat(other, [.orgAdmin])
            let worker = try await Self.seat(own, [.socialWorker], bound: true)
            let colleague = try await Self.seat(own, [.socialWorker])
            let state = try await withOwner { try await Fixtures.organisation(.state, on: $0) }
            let evaluator = try await Self.seat(state, [.evaluator])

            let page = try await Self.get(client, "/organisation/membres", as: admin)
            #expect(page.status == .ok)
            var html = Self.html(page)
            for email in [admin.user.email, worker.user.email, colleague.user.email] { #expect(html.contains(email)) }
            #expect(!html.contains(otherAdmin.user.email))
            #expect(html.contains(#"<a href="/organisation/membres" aria-current="page">Organisation</a>"#))
            #expect(html.contains(#"<a href="/messages">Messages</a>"#) && !html.contains(#"href="/menages""#))
            #expect(html.contains("Je confirme désactiver le compte de"))
            // Another organisation's admin sees none of these rows, and cannot act on them.
            let elsewhere = Self.html(try await Self.get(client, "/organisation/membres", as: otherAdmin))
            #expect(!elsewhere.contains(worker.user.email) && !elsewhere.contains(admin.user.email))
            let confirm = ["confirmer": "oui"]
            Self.expectRefused(
                try await Self.post(
                    client, "/organisation/membres/\(worker.user.id)/desactiver", as: otherAdmin, confirm), .notFound)
            Self.expectRefused(
                try await Self.post(
                    client, "/organisation/membres/\(worker.user.id)/sessions", as: otherAdmin, confirm), .notFound)
            // Non-admins: the API's refusal, in French.
            for seat in [worker, evaluator] {
                for uri in ["/organisation/membres", "/organisation/invitations", "/organisation/webhooks"] {
                    let refused = try await Self.get(client, uri, as: seat)
                    Self.expectRefused(refused, .forbidden)
                    #expect(Self.html(refused).contains("Seul l&#39;administrateur de l&#39;organisation"), "\(uri)")
                }
                Self.expectRefused(
                    try await Self.post(
                        client, "/organisation/membres/\(colleague.user.id)/desactiver", as: seat, confirm),
                    .forbidden)
            }
            // The worker's menu: households, cells, messages; no organisation.
            let workerPage = Self.html(try await Self.get(client, "/messages", as: worker))
            for entry in [#"href="/menages""#, #"href="/cellules""#, #"href="/messages""#] {
                #expect(workerPage.contains(entry))
            }
            #expect(!workerPage.contains(#"href="/organisation/membres""#))

            // Closing a member's sessions: CSRF and the confirmation box first.
            let sessions = "/organisation/membres/\(colleague.user.id)/sessions"
            Self.expectRefused(try await Self.post(client, sessions, as: admin, confirm, csrf: false), .forbidden)
            Self.expectRefused(try await Self.post(client, sessions, as: admin), .badRequest)
            #expect(
                try await client.execute(uri: "/v1/me", method: .get, headers: bearer(colleague.token)).status == .ok)
            let closed = try await Self.post(client, sessions, as: admin, confirm)
            #expect(closed.status == .seeOther)
            #expect(closed.headers[.location] == "/organisation/membres?fait=sessions")
            #expect(
                try await client.execute(uri: "/v1/me", method: .get, headers: bearer(colleague.token)).status
                    == .unauthorized)
            // Disabling: the same code as the API's (never oneself).
            let disable = "/organisation/membres/\(worker.user.id)/desactiver"
            Self.expectRefused(try await Self.post(client, disable, as: admin, confirm, csrf: false), .forbidden)
            let disabled = try await Self.post(client, disable, as: admin, confirm)
            #expect(disabled.status == .seeOther)
            html = Self.html(try await Self.get(client, "/organisation/membres?fait=desactive", as: admin))
            #expect(html.contains("Le compte est désactivé pour votre organisation"))
            #expect(html.contains("Désactivé le"))
            let member = try await client.execute(
                uri: "/v1/users/\(worker.user.id)", method: .get, headers: bearer(admin.token))
            #expect(member.object["disabledAt"] is String)
            let selfDisable = try await Self.post(
                client, "/organisation/membres/\(admin.user.id)/desactiver", as: admin, confirm)
            #expect(selfDisable.status == .conflict)
        }
    }

    @Test func theInvitationsPageInvitesAndWithdrawsThroughTheAPIsCode() async throws {
        try await Self.withConsole { client in
            let (own, other) = try await withOwner {
                (try await Fixtures.organisation(on: $0), try await Fixtures.organisation(on: $0))
            }
            let admin = try await Self.seat(own, [.orgAdmin])
            let otherAdmin = try await Self.seat(other, [.orgAdmin])
            let email = "invitee-\(UUID().uuidString.prefix(8).lowercased())@test.demo"
            let form = [
                "email": email, "displayName": "Personne invitée", "role-socialWorker": "oui",
                "role-facilitator": "oui",
            ]
            Self.expectRefused(
                try await Self.post(client, "/organisation/invitations", as: admin, form, csrf: false), .forbidden)
            // What the API refuses comes back on the form, the values typed kept.
            let wrong = try await Self.post(
                client, "/organisation/invitations", as: admin, ["email": "pas-une-adresse", "displayName": "X"])
            #expect(wrong.status == .unprocessableContent)
            #expect(Self.html(wrong).contains("L&#39;adresse e-mail n&#39;est pas valide."))
            #expect(Self.html(wrong).contains(#"value="pas-une-adresse""#))
            let noRole = try await Self.post(
                client, "/organisation/invitations", as: admin, ["email": email, "displayName": "X"])
            #expect(noRole.status == .unprocessableContent)
            #expect(Self.html(noRole).contains("Au moins un rôle est requis."))

            let invited = try await Self.post(client, "/organisation/invitations", as: admin, form)
            #expect(invited.status == .seeOther)
            #expect(invited.headers[.location] == "/organisation/invitations?fait=invite")
            var html = Self.html(try await Self.get(client, "/organisation/invitations?fait=invite", as: admin))
            #expect(html.contains("L&#39;invitation est envoyée par e-mail"))
            #expect(html.contains(email) && html.contains("En attente"))
            // The API's audit record of it, as if the route had been called.
            let audited = try await withOwner { owner in
                try await owner.query(
                    "SELECT count(*)::int FROM audit_log WHERE action = 'invitation.create' AND user_id = \(admin.user.id)"
                ).decode(Int.self).first { _ in true }
            }
            #expect(audited == 1)
            #expect(!Self.html(try await Self.get(client, "/organisation/invitations", as: otherAdmin)).contains(email))

            let invitation = try #require(
                try await client.execute(uri: "/v1/invitations", method: .get, headers: bearer(admin.token)).items
                    .first { $0["email"] as? String == email }?["id"] as? String)
            Self.expectRefused(
                try await Self.post(
                    client, "/organisation/invitations/\(invitation)/retirer", as: otherAdmin, ["confirmer": "oui"]),
                .notFound)
            let withdrawn = try await Self.post(
                client, "/organisation/invitations/\(invitation)/retirer", as: admin, ["confirmer": "oui"])
            #expect(withdrawn.status == .seeOther)
            html = Self.html(try await Self.get(client, "/organisation/invitations", as: admin))
            #expect(html.contains("Retirée"))
        }
    }

    @Test func theWebhooksPageShowsASecretOnceAndReplaysADeadLetter() async throws {
        try await Self.withConsole { client in
            let (own, other) = try await withOwner {
                (try await Fixtures.organisation(on: $0), try await Fixtures.organisation(on: $0))
            }
            let admin = try await Self.seat(own, [.orgAdmin])
            let otherAdmin = try await Self.seat(other, [.orgAdmin])
            let url = "http://127.0.0.1:9/hook-\(UUID().uuidString.prefix(8).lowercased())"
            let fields = ["url": url, "topic-householdOriented": "oui", "topic-comiteScheduled": "oui"]
            Self.expectRefused(
                try await Self.post(client, "/organisation/webhooks", as: admin, fields, csrf: false), .forbidden)
            let noTopic = try await Self.post(client, "/organisation/webhooks", as: admin, ["url": url])
            #expect(noTopic.status == .unprocessableContent)
            #expect(Self.html(noTopic).contains("Au moins un sujet de notification est requis."))

            let created = try await Self.post(client, "/organisation/webhooks", as: admin, fields)
            #expect(created.status == .created)
            #expect(created.headers[.location] == nil)
            let secretPattern = /<p class="fr-secret" id="secret">([0-9a-f]{64})<\/p>/
            let secret = try #require(Self.html(created).firstMatch(of: secretPattern)?.1)
            #expect(Self.html(created).contains(url))
            // Shown once: the page read again does not hold it.
            var html = Self.html(try await Self.get(client, "/organisation/webhooks", as: admin))
            #expect(!html.contains(String(secret)) && html.contains(url) && html.contains("Actif"))
            #expect(!Self.html(try await Self.get(client, "/organisation/webhooks", as: otherAdmin)).contains(url))
            let subscription = try #require(
                try await client.execute(uri: "/v1/webhooks", method: .get, headers: bearer(admin.token)).items
                    .first { $0["url"] as? String == url }?["id"] as? String)

            // Rotation: a new secret, shown once, after confirmation.
            let rotateURI = "/organisation/webhooks/\(subscription)/secret"
            Self.expectRefused(try await Self.post(client, rotateURI, as: admin), .badRequest)
            let rotated = try await Self.post(client, rotateURI, as: admin, ["confirmer": "oui"])
            #expect(rotated.status == .ok)
            let newSecret = try #require(Self.html(rotated).firstMatch(of: secretPattern)?.1)
            #expect(newSecret != secret)

            // A dead delivery of this organisation's, replayed from the page.
            let delivery = UUID()
            try await withOwner { owner in
                let event = UUID()
                try await owner.query(
                    """
                    INSERT INTO notify_events (id, topic, organisation_id, reference, link_path, fanned_out_at)
                    VALUES (\(event), 'comiteScheduled', \(own.id), 'C-DEAD', '/v1/comites/x', now())
                    """)
                try await owner.query(
                    """
                    INSERT INTO notify_deliveries (id, event_id, channel, topic, subscription_id, organisation_id,
                                                   status, attempts, last_error)
                    VALUES (\(delivery), \(event), 'webhook', 'comiteScheduled', \(UUID(uuidString: subscription)!),
                            \(own.id), 'dead', 3, 'http 500')
                    """)
            }
            html = Self.html(try await Self.get(client, "/organisation/webhooks", as: admin))
            #expect(html.contains("En échec définitif") && html.contains("http 500"))
            #expect(html.contains("/organisation/envois/\(delivery.lowercased)/relancer"))
            #expect(!html.contains("C-DEAD"))  // the admin may not see the household or comité: no reference
            Self.expectRefused(
                try await Self.post(client, "/organisation/envois/\(delivery.lowercased)/relancer", as: otherAdmin),
                .notFound)
            let replayed = try await Self.post(
                client, "/organisation/envois/\(delivery.lowercased)/relancer", as: admin)
            #expect(replayed.status == .seeOther)
            html = Self.html(try await Self.get(client, "/organisation/webhooks?fait=relance", as: admin))
            #expect(html.contains("L&#39;envoi est relancé") && !html.contains("En échec définitif"))

            // Disabling: another organisation's answers as absent; then the admin's own.
            let disableURI = "/organisation/webhooks/\(subscription)/desactiver"
            Self.expectRefused(try await Self.post(client, disableURI, as: otherAdmin, ["confirmer": "oui"]), .notFound)
            let disabled = try await Self.post(client, disableURI, as: admin, ["confirmer": "oui"])
            #expect(disabled.status == .seeOther)
            html = Self.html(try await Self.get(client, "/organisation/webhooks?fait=webhook-desactive", as: admin))
            #expect(html.contains("Le webhook est désactivé") && html.contains("Désactivé le"))
        }
    }
}

extension NotifyTests {
    // MARK: Messages

    @Test func theInboxPageListsTheReadersMessagesEachALinkToItsPage() async throws {
        try await ConsoleAdminTests.withConsole { client in
            let (programme, op, ref, state) = try await withOwner { owner in
                let op = try await Fixtures.organisation(.supportOperator, on: owner)
                let ref = try await Fixtures.organisation(.shelterProvider, on: owner)
                let state = try await Fixtures.organisation(.state, on: owner)
                let programme = try await Fixtures.programme(
                    partners: [(op, .holder), (op, .operator), (ref, .referrer), (state, .evaluator)], on: owner)
                return (programme, op, ref, state)
            }
            let orienting = try await ConsoleAdminTests.seat(ref, [.socialWorker], bound: true)
            let head = try await ConsoleAdminTests.seat(ref, [.serviceHead], bound: true)
            let accepting = try await ConsoleAdminTests.seat(op, [.socialWorker], bound: true)
            let referent = try await ConsoleAdminTests.seat(op, [.socialWorker], bound: true)
            let evaluator = try await ConsoleAdminTests.seat(state, [.evaluator])
            let oriented = try await client.execute(
                uri: "/v1/households", method: .post, headers: bearer(orienting.token),
                body: json(HouseholdWorld.orientation(programme: programme)))
            let household = try #require(oriented.object["id"] as? String).lowercased()
            let reference = try #require(oriented.object["reference"] as? String)
            #expect(
                try await client.execute(
                    uri: "/v1/households/\(household)/accept", method: .post, headers: bearer(accepting.token),
                    body: json(["referentUserId": referent.user.id.uuidString, "occurredOn": HouseholdWorld.orientedOn])
                ).status == .ok)
            try await withRuntime { try await NotifyTests.dispatcher($0).drain() }

            // The référente's inbox: her sentence, unread, a link to the household's page.
            let page = try await ConsoleAdminTests.get(client, "/messages", as: referent)
            #expect(page.status == .ok)
            var html = ConsoleAdminTests.html(page)
            #expect(html.contains("Vous êtes désormais référent·e d&#39;un ménage accepté par votre organisation"))
            #expect(!html.contains("vous avez orienté"))
            #expect(html.contains(#"<a href="/menages/\#(household)">"#))
            #expect(!html.contains("/v1/"))
            #expect(html.contains("Référence \(reference)") && html.contains("fr-message--unread"))
            #expect(html.contains(#"<a href="/messages" aria-current="page">Messages</a>"#))
            let opened = try await ConsoleAdminTests.get(client, "/menages/\(household)", as: referent)
            #expect(opened.status == .ok)
            // The orienting organisation's head: its own sentence.
            let headPage = ConsoleAdminTests.html(try await ConsoleAdminTests.get(client, "/messages", as: head))
            #expect(headPage.contains("Un ménage orienté par votre organisation a été accepté"))

            // « Marquer comme lu »: a form with its token, then back to the list.
            let messageID = try #require(
                html.range(of: #"action="/messages/"#).map { String(html[$0.upperBound...].prefix(36)) })
            ConsoleAdminTests.expectRefused(
                try await ConsoleAdminTests.post(client, "/messages/\(messageID)/lu", as: referent, csrf: false),
                .forbidden)
            let read = try await ConsoleAdminTests.post(
                client, "/messages/\(messageID)/lu", as: referent, ["nonlus": "oui"])
            #expect(read.status == .seeOther)
            #expect(read.headers[.location] == "/messages?nonlus=oui")
            html = ConsoleAdminTests.html(try await ConsoleAdminTests.get(client, "/messages", as: referent))
            #expect(!html.contains("fr-message--unread") && html.contains("/menages/\(household)"))
            let unread = ConsoleAdminTests.html(
                try await ConsoleAdminTests.get(client, "/messages?nonlus=oui", as: referent))
            #expect(unread.contains("Aucun message non lu"))
            // Someone else's message answers as one that does not exist.
            ConsoleAdminTests.expectRefused(
                try await ConsoleAdminTests.post(client, "/messages/\(messageID)/lu", as: head), .notFound)
            // The evaluator reads aggregates only: the API's refusal, as a French page.
            let refused = try await ConsoleAdminTests.get(client, "/messages", as: evaluator)
            ConsoleAdminTests.expectRefused(refused, .forbidden)
            #expect(ConsoleAdminTests.html(refused).contains("Un évaluateur lit les indicateurs agrégés"))
        }
    }

    @Test func theInboxPagesOnWithOlderMessages() async throws {
        try await ConsoleAdminTests.withConsole { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let reader = try await ConsoleAdminTests.seat(org, [.serviceHead])
            try await withOwner { owner in
                try await owner.query(
                    """
                    INSERT INTO notify_events (id, topic, organisation_id, reference, link_path, page_path, user_ids,
                                               created_at)
                    SELECT gen_random_uuid(), 'comiteScheduled', \(org.id), 'C-PAGE-' || lpad(n::text, 2, '0'),
                           '/v1/comites/' || gen_random_uuid(), '/comites/c' || n, ARRAY[\(reader.user.id)]::uuid[],
                           now() - n * interval '1 minute'
                    FROM generate_series(1, 25) AS n
                    """)
            }
            try await withRuntime { try await NotifyTests.dispatcher($0).drain() }
            // Fanned out together, the messages share their arrival time: pages hold 20, then 5,
            // each message once.
            func references(_ html: String) -> Set<String> {
                Set(html.matches(of: /C-PAGE-[0-9]{2}/).map { String($0.output) })
            }
            let first = ConsoleAdminTests.html(try await ConsoleAdminTests.get(client, "/messages", as: reader))
            #expect(first.contains("Les 20 premiers messages"))
            #expect(references(first).count == 20)
            #expect(first.contains(#"Comité de suivi programmé</a>"#) && first.contains(#"<a href="/comites/c"#))
            #expect(first.contains("Messages plus anciens"))
            let next = try #require(
                first.range(of: #"href="/messages?cursor="#).map {
                    "/messages?cursor=" + String(first[$0.upperBound...].prefix { $0 != "\"" })
                })
            let second = ConsoleAdminTests.html(try await ConsoleAdminTests.get(client, next, as: reader))
            #expect(second.contains("5 messages de plus"))
            #expect(references(second).count == 5 && references(first).isDisjoint(with: references(second)))
            #expect(!second.contains("Messages plus anciens"))
        }
    }
}
