import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Notify
import PostgresNIO
import TestSupport
import Testing

@testable import Hub
@testable import Tenancy

/// Notify end to end: real routes record events, a real dispatcher fans them out and
/// delivers them to a webhook receiver and an SMTP server on loopback. Serialized: a drain
/// fans out every pending event of the database, and these tests count what arrives.
@Suite(.serialized) struct NotifyTests {
    static func dispatcher(
        _ client: PostgresClient, smtp: Int? = nil,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 3, base: .milliseconds(200), cap: .seconds(2), jitter: 0.2),
        timeout: Duration = .seconds(2)
    ) -> Dispatcher {
        var configuration = DispatcherConfiguration(publicURL: "https://hub.example.org")
        configuration.webhookPolicy = DestinationPolicy(allowLoopback: true)
        configuration.retry = retry
        configuration.webhookTimeout = timeout
        configuration.lease = .seconds(20)
        configuration.smtp = smtp.map { SMTPConfiguration(host: "127.0.0.1", port: $0, from: "hub@hub.example.org") }
        return Dispatcher(client: client, configuration: configuration, logger: TestDatabase.logger)
    }

    @Sendable static func loopback(_ configuration: inout HubConfiguration) {
        configuration.notify.webhookPolicy = DestinationPolicy(allowLoopback: true)
    }

    struct Member: Sendable {
        let user: Fixtures.User
        let token: String
    }

    static func member(_ org: Fixtures.Org, _ roles: Set<Role>, bound: Bool = false) async throws -> Member {
        try await withOwner { owner in
            let user = try await Fixtures.user(in: org, roles: roles, bound: bound, on: owner)
            return Member(user: user, token: try await Fixtures.token(for: user, on: owner))
        }
    }

    /// Subscribes `org` (through its admin) to every topic at `url`; returns the secret.
    static func subscribe(
        _ client: some TestClientProtocol, admin: Member, url: String, topics: [Topic] = Topic.allCases
    ) async throws -> String {
        let response = try await client.execute(
            uri: "/v1/webhooks", method: .post, headers: bearer(admin.token),
            body: json(["url": url, "topics": topics.map(\.rawValue)]))
        #expect(response.status == .created)
        return try #require(response.object["secret"] as? String)
    }

    static func inbox(_ client: some TestClientProtocol, _ token: String) async throws -> [[String: Any]] {
        try await client.execute(uri: "/v1/inbox?limit=200", method: .get, headers: bearer(token)).items
    }

    /// An event about no household, as a comité's would be, for `organisations`.
    static func raise(_ topic: Topic, to organisations: [UUID], count: Int = 1) async throws {
        try await withOwner { owner in
            try await owner.query(
                """
                INSERT INTO notify_events (id, topic, organisation_id, reference, link_path, organisation_ids)
                SELECT gen_random_uuid(), \(topic.rawValue), \(organisations[0]), 'C-' || n, '/v1/comites/test',
                       \(organisations)
                FROM generate_series(1, \(count)) AS n
                """)
        }
    }

    // MARK: Recipients and R13

    @Test func eachEventReachesThoseWhoMayKnowAndCarriesNoSecret() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        let smtp = try await LocalSMTPServer.start()
        defer { smtp.stop() }
        try await withApp(configure: Self.loopback) { client in
            let world = try await HouseholdWorld.make(client)
            let orgs = world.organisations
            var heads: [String: Member] = [:]
            var secrets: [String: String] = [:]
            for key in ["op", "ref", "partP", "partW", "land"] {
                heads[key] = try await Self.member(orgs[key]!, [.serviceHead], bound: true)
                let admin = try await Self.member(orgs[key]!, [.orgAdmin])
                secrets[key] = try await Self.subscribe(client, admin: admin, url: "\(sink.url)/\(key)")
            }
            // A second household, oriented by the partner and declined by the opérateur.
            let second = try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(HouseholdWorld.orientation(programme: world.programme)))
            let secondID = try #require(second.object["id"] as? String)
            let declineReason = "Motif de refus confidentiel : dettes locatives importantes."
            #expect(
                try await client.execute(
                    uri: "/v1/households/\(secondID)/decline", method: .post, headers: world.headers(.leadBound),
                    body: json(["reason": declineReason])
                ).status == .ok)
            // Break-glass by the partner's service head.
            let justification = "Violences signalées cette nuit par l'école, mise à l'abri à organiser."
            #expect(
                try await client.execute(
                    uri: "/v1/households/\(world.household)/break-glass", method: .post,
                    headers: bearer(heads["partP"]!.token), body: json(["justification": justification])
                ).status == .created)

            try await withRuntime { runtime in
                let report = try await Self.dispatcher(runtime, smtp: smtp.port).drain()
                #expect(report.failed == 0)
            }

            // Inboxes: exactly what the rules send to each person.
            func topics(_ token: String) async throws -> [String] {
                try await Self.inbox(client, token).compactMap { $0["topic"] as? String }.sorted()
            }
            #expect(
                try await topics(heads["op"]!.token) == ["breakGlassUsed", "householdOriented", "householdOriented"])
            #expect(try await topics(heads["ref"]!.token) == ["householdAccepted", "householdDeclined"])
            #expect(try await topics(heads["partW"]!.token) == ["consentWithdrawn"])
            #expect(try await topics(heads["partP"]!.token) == [])  // its own act
            #expect(try await topics(heads["land"]!.token) == [])
            #expect(try await topics(world.token(.leadBound)!) == ["breakGlassUsed"])  // the référent
            #expect(try await topics(world.token(.facilitator)!) == [])
            #expect(try await topics(world.token(.evaluator)!) == [])

            // Webhooks: each organisation's endpoint, signed with its secret.
            let received = await sink.received
            func hooks(_ key: String) -> [String] {
                received.filter { $0.path == "/hooks/\(key)" }.map(\.topic).sorted()
            }
            #expect(hooks("op") == ["breakGlassUsed", "householdOriented", "householdOriented"])
            #expect(hooks("ref") == ["householdAccepted", "householdDeclined"])
            #expect(hooks("partW") == ["consentWithdrawn"])
            #expect(hooks("partP") == [])
            #expect(hooks("land") == [])
            for request in received {
                let key = String(request.path.dropFirst("/hooks/".count))
                #expect(
                    try ReceiverExample.verify(
                        secret: secrets[key]!, timestamp: request.timestamp, signature: request.signature,
                        body: request.body))
                #expect(
                    !(try ReceiverExample.verify(
                        secret: String(repeating: "0", count: 64), timestamp: request.timestamp,
                        signature: request.signature, body: request.body)))
                let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
                #expect(Set(body?.keys ?? [:].keys) == ["id", "topic", "reference", "occurredAt", "link"])
                #expect(body?["id"] as? String == request.eventID)
            }

            // E-mails: one per person told, French, without content.
            let mails = try smtp.messages()
            func mailed(to member: Member) -> [MailFile] { mails.filter { $0.to == member.user.email } }
            #expect(mailed(to: heads["op"]!).count == 3)
            #expect(mailed(to: heads["ref"]!).count == 2)
            #expect(mailed(to: heads["partW"]!).count == 1)
            #expect(mailed(to: heads["partP"]!).isEmpty)
            #expect(mailed(to: heads["land"]!).isEmpty)
            #expect(mails.contains { $0.to == world.people[.leadBound]!.user.email })
            let declinedMail = try #require(mailed(to: heads["ref"]!).first { $0.subject.contains("pas été accepté") })
            #expect(declinedMail.body.contains("Référence : M-"))
            // A person follows the console's page, not the API's path (issue 21).
            #expect(declinedMail.body.contains("https://hub.example.org/menages/\(secondID.lowercased())"))
            #expect(declinedMail.subject.hasPrefix("[Hub partenaires] Un ménage orienté par votre organisation"))

            // R13: nothing that names a person or holds classified content, anywhere.
            var outputs = received.map { String(decoding: $0.body, as: UTF8.self) }
            outputs += mails.map { $0.subject + "\n" + $0.body + "\n" + $0.raw }
            for token in [heads["op"]!.token, heads["ref"]!.token, heads["partW"]!.token, world.token(.leadBound)!] {
                outputs.append(
                    String(
                        buffer: try await client.execute(uri: "/v1/inbox", method: .get, headers: bearer(token)).body))
            }
            let forbidden =
                ["Awa", "Diallo", "Moussa", "Référente de test", "hotelFamily", "minimaSociaux", "2015-06-01"]
                + world.notes + ["diag-comment", "diag-view", "diag-preconisations", justification, declineReason]
            for output in outputs {
                for text in forbidden { #expect(!output.contains(text), "« \(text) » dans une notification") }
            }
            #expect(outputs.count > 15)
        }
    }

    // MARK: Retries, dead letters, replay

    @Test func aFailingReceiverIsRetriedOnTheScheduleThenDeadLetteredAndReplayed() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        try await withApp(configure: Self.loopback) { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            let other = try await Self.member(
                try await withOwner { try await Fixtures.organisation(on: $0) }, [.orgAdmin])
            _ = try await Self.subscribe(client, admin: admin, url: sink.url, topics: [.comiteScheduled])
            await sink.answer(.status(.internalServerError))
            try await Self.raise(.comiteScheduled, to: [org.id])

            try await withRuntime { runtime in
                let dispatcher = Self.dispatcher(runtime)
                try await Self.drainUntil(dispatcher) { await sink.received.count == 3 }
                try await Task.sleep(for: .milliseconds(800))
                try await dispatcher.drain()
            }
            let attempts = await sink.received
            #expect(attempts.count == 3)
            #expect(Set(attempts.map(\.eventID)).count == 1)
            // 200 ms then 400 ms nominal, ±20 %.
            let gaps = zip(attempts.dropFirst(), attempts).map { $0.at - $1.at }
            #expect(gaps.count == 2)
            #expect(gaps[0] >= .milliseconds(160) && gaps[1] >= .milliseconds(320))

            let dead = try await client.execute(
                uri: "/v1/deliveries?status=dead", method: .get, headers: bearer(admin.token))
            let letter = try #require(dead.items.first)
            #expect(dead.items.count == 1)
            #expect(letter["attempts"] as? Int == 3)
            #expect(letter["lastError"] as? String == "http 500")
            #expect(letter["topic"] as? String == "comiteScheduled")
            let id = try #require(letter["id"] as? String)
            // Another organisation's admin neither sees nor replays it.
            #expect(
                try await client.execute(uri: "/v1/deliveries", method: .get, headers: bearer(other.token)).items
                    .isEmpty)
            try await client.execute(uri: "/v1/deliveries/\(id)/replay", method: .post, headers: bearer(other.token))
                .expectProblem(.notFound)

            await sink.answer(.status(.noContent))
            let replayed = try await client.execute(
                uri: "/v1/deliveries/\(id)/replay", method: .post, headers: bearer(admin.token))
            #expect(replayed.status == .ok)
            #expect(replayed.object["status"] as? String == "pending")
            try await client.execute(uri: "/v1/deliveries/\(id)/replay", method: .post, headers: bearer(admin.token))
                .expectProblem(.conflict)
            try await withRuntime { runtime in
                try await Self.dispatcher(runtime).drain()
            }
            #expect(await sink.received.count == 4)
            #expect(await sink.received.last?.eventID == attempts[0].eventID)
            let delivered = try await client.execute(
                uri: "/v1/deliveries?status=delivered", method: .get, headers: bearer(admin.token))
            #expect(delivered.items.count == 1)
        }
    }

    @Test func aReceiverThatHangsOrIsDownIsAFailureNamedWithoutContent() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        await sink.answer(.hang)
        let closedPort = try LocalSMTPServer.freePort()
        try await withApp(configure: Self.loopback) { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            _ = try await Self.subscribe(client, admin: admin, url: sink.url, topics: [.actionDue])
            _ = try await Self.subscribe(
                client, admin: admin, url: "http://127.0.0.1:\(closedPort)/down", topics: [.actionDue])
            try await Self.raise(.actionDue, to: [org.id])
            try await withRuntime { runtime in
                let started = ContinuousClock.now
                try await Self.dispatcher(runtime, retry: RetryPolicy(maxAttempts: 1), timeout: .milliseconds(300))
                    .drain()
                #expect(started.duration(to: .now) < .seconds(5))
            }
            let dead = try await client.execute(
                uri: "/v1/deliveries?status=dead", method: .get, headers: bearer(admin.token))
            #expect(Set(dead.items.compactMap { $0["lastError"] as? String }) == ["timeout", "connectionFailed"])
        }
    }

    static func drainUntil(
        _ dispatcher: Dispatcher, timeout: Duration = .seconds(15), _ done: () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while await !done() {
            guard ContinuousClock.now < deadline else {
                Issue.record("délai dépassé")
                return
            }
            try await dispatcher.drain()
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Several dispatchers

    @Test func twoDispatchersDeliverEachEventOnceBetweenThem() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        try await withApp(configure: Self.loopback) { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            _ = try await Self.subscribe(client, admin: admin, url: sink.url, topics: [.agendaPublished])
            try await Self.raise(.agendaPublished, to: [org.id], count: 300)
            async let first: Void = withRuntime { try await Self.dispatcher($0).drain() }
            async let second: Void = withRuntime { try await Self.dispatcher($0).drain() }
            _ = try await (first, second)
            let ids = await sink.received.map(\.eventID)
            #expect(ids.count == 300)
            #expect(Set(ids).count == 300)
        }
    }

    /// A live dispatcher never loses a claim (issue 13): with a 1 s lease and a receiver that
    /// holds each send 3 s, the other dispatcher polling all along finds nothing to take, and
    /// nothing is sent twice. Before the lease was renewed, every delivery went out twice.
    @Test func aSlowSendKeepsItsClaimAndIsNotSentTwice() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        await sink.answer(.after(.seconds(3)))
        try await withApp(configure: Self.loopback) { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            _ = try await Self.subscribe(client, admin: admin, url: sink.url, topics: [.agendaPublished])
            try await Self.raise(.agendaPublished, to: [org.id], count: 8)
            @Sendable func dispatcher(_ client: PostgresClient) -> Dispatcher {
                var configuration = DispatcherConfiguration(publicURL: "https://hub.example.org")
                configuration.webhookPolicy = DestinationPolicy(allowLoopback: true)
                configuration.webhookTimeout = .seconds(10)
                configuration.lease = .seconds(1)
                return Dispatcher(client: client, configuration: configuration, logger: TestDatabase.logger)
            }
            // Both poll all along: whichever claims first sends for 3 s, three leases long.
            @Sendable func poll() async throws {
                try await withRuntime { client in
                    let dispatcher = dispatcher(client)
                    let deadline = ContinuousClock.now + .seconds(5)
                    while ContinuousClock.now < deadline {
                        try await dispatcher.drain(until: { ContinuousClock.now >= deadline })
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
            }
            async let first: Void = poll()
            async let second: Void = poll()
            _ = try await (first, second)
            let ids = await sink.received.map(\.eventID)
            #expect(ids.count == 8)
            #expect(Set(ids).count == 8)
        }
    }

    // MARK: Subscriptions

    @Test func subscriptionsRefuseLocalNetworksAndBelongToTheAdmin() async throws {
        try await withApp { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            let worker = try await Self.member(org, [.socialWorker, .serviceHead], bound: true)
            let other = try await Self.member(
                try await withOwner { try await Fixtures.organisation(on: $0) }, [.orgAdmin])
            func subscribe(_ url: String, _ topics: [String] = ["householdOriented"], as member: Member? = nil)
                async throws -> TestResponse
            {
                try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: bearer((member ?? admin).token),
                    body: json(["url": url, "topics": topics]))
            }
            for url in [
                "http://10.0.0.8/hook", "http://192.168.1.20/hook", "http://172.20.0.1/hook",
                "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/hook", "http://[fd00::1]/hook",
                "http://127.0.0.1:9000/hook", "http://localhost/hook", "http://[::1]/hook", "http://0.0.0.0/hook",
                "ftp://partenaire.example/hook", "https://user:pass@partenaire.example/hook", "pas une url",
            ] {
                try await subscribe(url).expectProblem(.unprocessableContent, field: "url")
            }
            try await subscribe("https://93.184.215.14/hook", ["inconnu"]).expectProblem(
                .unprocessableContent, field: "topics")
            try await subscribe("https://93.184.215.14/hook", []).expectProblem(.unprocessableContent, field: "topics")
            try await subscribe("https://93.184.215.14/hook", as: worker).expectProblem(.forbidden)

            let created = try await subscribe("https://93.184.215.14/hook")
            #expect(created.status == .created)
            let secret = try #require(created.object["secret"] as? String)
            #expect(secret.count == 64)
            let id = try #require((created.object["subscription"] as? [String: Any])?["id"] as? String)
            #expect(created.headers[.location] == "/v1/webhooks/\(id)")
            let listed = try await client.execute(uri: "/v1/webhooks", method: .get, headers: bearer(admin.token))
            #expect(listed.items.map { $0["id"] as? String } == [id])
            #expect(listed.items.first?["secret"] == nil)
            try await client.execute(uri: "/v1/webhooks/\(id)", method: .get, headers: bearer(other.token))
                .expectProblem(.notFound)
            try await client.execute(uri: "/v1/webhooks", method: .get, headers: bearer(worker.token))
                .expectProblem(.forbidden)

            // Rotation: a new secret, the previous one valid for the overlap.
            let rotated = try await client.execute(
                uri: "/v1/webhooks/\(id)/rotate-secret", method: .post, headers: bearer(admin.token))
            #expect(rotated.status == .ok)
            #expect(rotated.object["secret"] as? String != secret)
            #expect((rotated.object["subscription"] as? [String: Any])?["previousSecretValidUntil"] is String)
            try await client.execute(
                uri: "/v1/webhooks/\(id)/rotate-secret", method: .post, headers: bearer(other.token)
            )
            .expectProblem(.notFound)

            #expect(
                try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: bearer(admin.token))
                    .status == .noContent)
            try await client.execute(
                uri: "/v1/webhooks/\(id)/rotate-secret", method: .post, headers: bearer(admin.token)
            )
            .expectProblem(.conflict)
        }
        // A deployment that allows loopback (these tests' receivers) still refuses private networks.
        try await withApp(configure: Self.loopback) { client in
            let admin = try await Self.member(
                try await withOwner { try await Fixtures.organisation(on: $0) }, [.orgAdmin])
            for url in ["http://10.1.2.3/hook", "http://[fd12::1]/hook", "http://169.254.0.1/hook"] {
                try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: bearer(admin.token),
                    body: json(["url": url, "topics": ["actionDue"]])
                ).expectProblem(.unprocessableContent, field: "url")
            }
            #expect(
                try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: bearer(admin.token),
                    body: json(["url": "http://127.0.0.1:9/hook", "topics": ["actionDue"]])
                ).status == .created)
        }
    }

    @Test func aRotatedSubscriptionSignsWithBothSecretsDuringTheOverlap() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        try await withApp(configure: Self.loopback) { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            let old = try await Self.subscribe(client, admin: admin, url: sink.url, topics: [.minutesDiffused])
            let listed = try await client.execute(uri: "/v1/webhooks", method: .get, headers: bearer(admin.token))
            let id = try #require(listed.items.first?["id"] as? String)
            let rotated = try await client.execute(
                uri: "/v1/webhooks/\(id)/rotate-secret", method: .post, headers: bearer(admin.token))
            let new = try #require(rotated.object["secret"] as? String)
            try await Self.raise(.minutesDiffused, to: [org.id])
            try await withRuntime { try await Self.dispatcher($0).drain() }
            let request = try #require(await sink.received.first)
            #expect(request.signature.split(separator: ",").count == 2)
            for secret in [old, new] {
                #expect(
                    try ReceiverExample.verify(
                        secret: secret, timestamp: request.timestamp, signature: request.signature, body: request.body))
            }
        }
    }

    // MARK: Inbox and preferences

    @Test func theInboxShowsUnreadFirstAndOnlyWhatTheReaderStillMaySee() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let partner = try await Self.member(world.organisations["partP"]!, [.serviceHead], bound: true)
            let stranger = try await Self.member(world.organisations["land"]!, [.serviceHead])
            // Three messages for the partner's service head: two about the household, one about none.
            try await withOwner { owner in
                try await owner.query(
                    """
                    INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, link_path, user_ids,
                                               created_at)
                    SELECT gen_random_uuid(), 'alertReported', \(world.organisations["land"]!.id), \(world.household),
                           'M-TEST', '/v1/households/x', ARRAY[\(partner.user.id)]::uuid[], now() - n * interval '1 minute'
                    FROM generate_series(1, 2) AS n
                    """)
            }
            try await Self.raise(.comiteScheduled, to: [world.organisations["partP"]!.id])
            try await withRuntime { try await Self.dispatcher($0).drain() }

            var inbox = try await Self.inbox(client, partner.token)
            #expect(inbox.count == 3)
            let oldest = try #require(inbox.last?["id"] as? String)
            let read = try await client.execute(
                uri: "/v1/inbox/\(oldest)/read", method: .post, headers: bearer(partner.token))
            #expect(read.object["readAt"] is String)
            try await client.execute(uri: "/v1/inbox/\(oldest)/read", method: .post, headers: bearer(stranger.token))
                .expectProblem(.notFound)
            // Unread first: the read one sorts last even after newer ones… and pages keep that order.
            let first = try await client.execute(uri: "/v1/inbox?limit=2", method: .get, headers: bearer(partner.token))
            #expect(first.items.allSatisfy { $0["readAt"] is NSNull })
            let cursor = try #require(first.object["nextCursor"] as? String)
            let second = try await client.execute(
                uri: "/v1/inbox?limit=2&cursor=\(cursor)", method: .get, headers: bearer(partner.token))
            #expect(second.items.map { $0["id"] as? String } == [oldest])
            let unread = try await client.execute(
                uri: "/v1/inbox?unread=true", method: .get, headers: bearer(partner.token))
            #expect(unread.items.count == 2)
            try await client.execute(uri: "/v1/inbox?unread=peut-être", method: .get, headers: bearer(partner.token))
                .expectProblem(.badRequest, field: "unread")

            // The partner's consent is withdrawn: its messages about the household leave its inbox.
            let lead = world.headers(.leadBound)
            let consents = try await client.execute(
                uri: "/v1/households/\(world.household)/consents", method: .get, headers: lead)
            let consentID = try #require(
                consents.items.first {
                    ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String
                        == world.organisations["partP"]!.id.uuidString && !($0["withdrawnAt"] is String)
                }?["id"] as? String)
            #expect(
                try await client.execute(
                    uri: "/v1/households/\(world.household)/consents/\(consentID)/withdraw", method: .post,
                    headers: lead
                ).status == .ok)
            try await withRuntime { try await Self.dispatcher($0).drain() }
            inbox = try await Self.inbox(client, partner.token)
            #expect(inbox.compactMap { $0["topic"] as? String }.sorted() == ["comiteScheduled", "consentWithdrawn"])
        }
    }

    @Test func emailOptOutsSpareOptionalTopicsOnly() async throws {
        let smtp = try await LocalSMTPServer.start()
        defer { smtp.stop() }
        try await withApp { client in
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let member = try await Self.member(org, [.serviceHead])
            let headers = bearer(member.token)
            let initial = try await client.execute(
                uri: "/v1/me/notification-preferences", method: .get, headers: headers)
            #expect(initial.object["emailOptOuts"] as? [String] == [])
            #expect(
                Set(initial.object["mandatoryTopics"] as? [String] ?? [])
                    == ["breakGlassUsed", "consentExpiring", "consentWithdrawn"])
            try await client.execute(
                uri: "/v1/me/notification-preferences", method: .put, headers: headers,
                body: json(["emailOptOuts": ["breakGlassUsed"]])
            ).expectProblem(.unprocessableContent, field: "emailOptOuts")
            try await client.execute(
                uri: "/v1/me/notification-preferences", method: .put, headers: headers,
                body: json(["emailOptOuts": ["comiteScheduled", "comiteScheduled"]])
            ).expectProblem(.unprocessableContent, field: "emailOptOuts")
            let saved = try await client.execute(
                uri: "/v1/me/notification-preferences", method: .put, headers: headers,
                body: json(["emailOptOuts": ["comiteScheduled"]]))
            #expect(saved.object["emailOptOuts"] as? [String] == ["comiteScheduled"])

            try await Self.raise(.comiteScheduled, to: [org.id])
            try await Self.raise(.agendaPublished, to: [org.id])
            try await withRuntime { try await Self.dispatcher($0, smtp: smtp.port).drain() }
            let mine = try smtp.messages().filter { $0.to == member.user.email }
            #expect(mine.count == 1)
            #expect(mine.first?.subject.contains("Ordre du jour") == true)
            // The inbox still has both.
            #expect(try await Self.inbox(client, member.token).count == 2)
        }
    }

    @Test func consentsEndingWithinThirtyDaysAreRaisedOnce() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            try await withOwner { owner in
                try await owner.query(
                    """
                    UPDATE consents SET expires_at = now() + interval '10 days'
                    WHERE household_id = \(world.household) AND recipient_organisation_id = \(world.organisations["partP"]!.id)
                    """)
            }
            try await withRuntime { runtime in
                let dispatcher = Self.dispatcher(runtime)
                try await dispatcher.raiseDueEvents()
                try await dispatcher.raiseDueEvents()
                try await dispatcher.drain()
            }
            let topics = try await Self.inbox(client, world.token(.leadBound)!).compactMap { $0["topic"] as? String }
            #expect(topics.filter { $0 == "consentExpiring" }.count == 1)
        }
    }
}

/// A checkpoint's signed root reaches the webhooks subscribed to it, with no chain's name,
/// and the README's example checks it with the published public key (issue 14). In the
/// serialized suite: it drains the outbox.
extension NotifyTests {
    @Test func aCheckpointsSignedRootReachesSubscribersAndChecksWithThePublicKey() async throws {
        let sink = try await WebhookSink.start()
        defer { sink.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-checkpoints-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = Curve25519.Signing.PrivateKey()
        try await withApp(configure: Self.loopback) { client in
            let world = try await HouseholdWorld.make(client)
            let org = try await withOwner { try await Fixtures.organisation(on: $0) }
            let admin = try await Self.member(org, [.orgAdmin])
            let secret = try await Self.subscribe(client, admin: admin, url: sink.url, topics: [.auditCheckpoint])
            try await withRuntime { runtime in
                // The runtime role writes checkpoints (the server's service does, as here).
                let checkpoint = try #require(
                    try await CheckpointWriter(key: key, directory: directory, logger: TestDatabase.logger)
                        .write(using: runtime))
                try await Self.drainUntil(Self.dispatcher(runtime)) { await !sink.received.isEmpty }
                let received = await sink.received
                #expect(received.count == 1)
                let delivery = try #require(received.first)
                #expect(delivery.topic == "auditCheckpoint")
                #expect(
                    try ReceiverExample.verify(
                        secret: secret, timestamp: delivery.timestamp, signature: delivery.signature,
                        body: delivery.body))
                // The tree head and nothing that names a chain, a household or a person.
                let body = String(decoding: delivery.body, as: UTF8.self)
                #expect(!body.contains("household:") && !body.contains("organisation:"))
                #expect(!body.contains(world.household.uuidString.lowercased()) && !body.contains("Diallo"))
                struct Received: Decodable { let checkpoint: AuditTreeHead }
                let head = try JSONDecoder().decode(Received.self, from: Data(delivery.body)).checkpoint
                #expect(head == checkpoint.treeHead)
                // A partner checks it with the published public key, and refuses another key's.
                let published = key.publicKey.rawRepresentation.base64EncodedString()
                #expect(try ReceiverExample.verifyCheckpoint(publicKey: published, body: delivery.body))
                let other = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
                #expect(try !ReceiverExample.verifyCheckpoint(publicKey: other, body: delivery.body))
                let tampered = AuditTreeHead(
                    at: head.at, size: head.size - 1, chains: head.chains, root: head.root, keyId: head.keyId,
                    signature: head.signature)
                let forged = try JSONEncoder().encode(["checkpoint": tampered])
                #expect(try !ReceiverExample.verifyCheckpoint(publicKey: published, body: Array(forged)))
            }
        }
    }
}

/// An invitation's e-mail (issue 15): to the invited address only, with its link, naming
/// nobody — neither the inviter nor their organisation — and no household.
extension NotifyTests {
    @Test func anInvitationsEmailCarriesItsLinkAndNamesNobody() async throws {
        let smtp = try await LocalSMTPServer.start()
        defer { smtp.stop() }
        let (org, adminUser, admin) = try await withOwner { owner in
            let org = try await Fixtures.organisation(on: owner)
            let admin = try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner)
            return (org, admin, try await Fixtures.token(for: admin, on: owner))
        }
        try await withApp(configure: {
            $0.notify.smtp = SMTPConfiguration(host: "127.0.0.1", port: smtp.port, from: "hub@hub.example.org")
        }) { client in
            let email = "invitee-\(UUID().uuidString.prefix(8).lowercased())@test.demo"
            let invited = try await AccountsTests.invite(client, admin, email: email)
            #expect(invited.status == .accepted)
            try await withRuntime { runtime in
                try await Self.drainUntil(Self.dispatcher(runtime, smtp: smtp.port)) {
                    ((try? smtp.messages()) ?? []).contains { $0.to == email }
                }
            }
            let mails = try smtp.messages().filter { $0.to == email }
            #expect(mails.count == 1)
            let mail = try #require(mails.first)
            #expect(mail.subject == "[Hub partenaires] Invitation à rejoindre le hub des partenaires")
            let link = try #require(
                mail.body.components(separatedBy: .whitespacesAndNewlines).first {
                    $0.hasPrefix("https://hub.example.org/v1/enrolments/")
                })
            let adminName = try await withOwner { owner in
                try await owner.query("SELECT display_name FROM users WHERE id = \(adminUser.id)")
                    .decode(String.self).first { _ in true }
            }
            for name in [org.name, adminName ?? "?", adminUser.email] { #expect(!mail.raw.contains(name)) }
            // The link opens the invitation for its holder.
            let opened = try await client.execute(
                uri: String(link.dropFirst("https://hub.example.org".count)), method: .get)
            #expect(opened.status == .ok)
            #expect(opened.object["organisationName"] as? String == org.name)
        }
    }
}

/// The README's receiver examples, run as a partner would run them.
enum ReceiverExample {
    static func verify(secret: String, timestamp: String, signature: String, body: [UInt8]) throws -> Bool {
        try run(
            "webhook-verify", body: body, arguments: [secret, timestamp, signature],
            call: "verify(sys.argv[1], sys.argv[2], sys.argv[3], body)")
    }

    /// The checkpoint example (`<!-- checkpoint-verify -->`) on a received body.
    static func verifyCheckpoint(publicKey: String, body: [UInt8]) throws -> Bool {
        try run("checkpoint-verify", body: body, arguments: [publicKey], call: "verify_checkpoint(sys.argv[1], body)")
    }

    /// Runs the README's Python block after `<!-- marker -->` with `call`, the body in a file
    /// (its path is the last argument, read as `body`); true if `call` was true.
    static func run(_ marker: String, body: [UInt8], arguments: [String], call: String) throws -> Bool {
        let readme = try String(
            contentsOf: TestDatabase.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- \(marker) -->\n```python\n"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let example = String(readme[start.upperBound..<end.lowerBound])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hub-body-\(UUID())")
        try Data(body).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", "-c",
                example + """

                    import sys
                    body = open(sys.argv[-1], "rb").read()
                    sys.exit(0 if \(call) else 1)
                    """,
            ] + arguments + [file.path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

@Suite struct NotifyConfigurationTests {
    let database = [
        "HUB_DB_USER": "hub_app", "HUB_DB_PASSWORD": "x", "HUB_DB_OWNER_USER": "hub_owner",
        "HUB_DB_OWNER_PASSWORD": "y",
    ]

    @Test func theDefaultsAreSafe() throws {
        let configuration = try HubConfiguration.fromEnvironment(database)
        #expect(configuration.dispatcherEnabled)
        #expect(configuration.notify.webhookPolicy.permits(.publicAddress))
        #expect(!configuration.notify.webhookPolicy.permits(.loopback))
        #expect(!configuration.notify.webhookPolicy.permits(.privateNetwork))
        #expect(configuration.notify.smtp == nil)
        #expect(configuration.notify.publicURL == "http://127.0.0.1:8080")
    }

    @Test func aLeaseShorterThanASendIsRefused() throws {
        #expect(throws: (any Error).self) {
            try HubConfiguration.fromEnvironment(
                database.merging(["HUB_NOTIFY_LEASE_MS": "5000", "HUB_WEBHOOK_TIMEOUT_MS": "5000"]) { $1 })
        }
        #expect(throws: (any Error).self) {
            try HubConfiguration.fromEnvironment(
                database.merging([
                    "HUB_NOTIFY_LEASE_MS": "12000", "HUB_SMTP_HOST": "127.0.0.1", "HUB_SMTP_FROM": "hub@x.test",
                ]) { $1 })
        }
        let smtp = try HubConfiguration.fromEnvironment(
            database.merging([
                "HUB_NOTIFY_LEASE_MS": "2000", "HUB_WEBHOOK_TIMEOUT_MS": "1000", "HUB_SMTP_HOST": "127.0.0.1",
                "HUB_SMTP_FROM": "hub@x.test", "HUB_SMTP_TIMEOUT_MS": "1000",
            ]) { $1 })
        #expect(smtp.notify.smtp?.port == 25)
        #expect(throws: (any Error).self) {
            try HubConfiguration.fromEnvironment(database.merging(["HUB_SMTP_HOST": "127.0.0.1"]) { $1 })
        }
    }
}

/// Who may use the notification routes (ACCESS.md §1: an orgAdmin manages their own
/// organisation's webhooks and nothing else; everybody reads their own inbox). In the
/// serialized suite: it replays a delivery, which another test's drain must not meet.
extension NotifyTests {
    @Test func eachRoleGetsWhatItsRoleAllowsOnTheNotificationRoutes() async throws {
        try await withApp(configure: NotifyTests.loopback) { client in
            let (org, other) = try await withOwner { owner in
                (try await Fixtures.organisation(on: owner), try await Fixtures.organisation(on: owner))
            }
            var seats: [String: String] = [:]
            for (name, roles, bound) in [
                ("socialWorker", Set<Role>([.socialWorker]), true), ("serviceHead", [.serviceHead], true),
                ("housingOfficer", [.housingOfficer], false), ("facilitator", [.facilitator], false),
                ("evaluator", [.evaluator], false), ("orgAdmin", [.orgAdmin], false),
            ] {
                seats[name] = try await NotifyTests.member(org, roles, bound: bound).token
            }
            let stranger = try await NotifyTests.member(other, [.orgAdmin]).token
            let admin = try #require(seats["orgAdmin"])
            let created = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: bearer(admin),
                body: json(["url": "http://127.0.0.1:9/hook", "topics": ["actionDue"]]))
            let subscription = try #require((created.object["subscription"] as? [String: Any])?["id"] as? String)
            // A dead letter of the organisation, to replay.
            let delivery = UUID()
            try await withOwner { owner in
                try await owner.query(
                    """
                    WITH e AS (
                        INSERT INTO notify_events (id, topic, organisation_id, reference, link_path)
                        VALUES (gen_random_uuid(), 'actionDue', \(org.id), 'C-1', '/v1/x') RETURNING id)
                    INSERT INTO notify_deliveries (id, event_id, channel, topic, subscription_id, organisation_id, status)
                    SELECT \(delivery), e.id, 'webhook', 'actionDue', \(UUID(uuidString: subscription)!), \(org.id), 'dead'
                    FROM e
                    """)
            }
            let adminRoutes: [(HTTPRequest.Method, String, ByteBuffer?, HTTPResponse.Status)] = [
                (.get, "/v1/webhooks", nil, .ok),
                (.get, "/v1/webhooks/\(subscription)", nil, .ok),
                (.post, "/v1/webhooks/\(subscription)/rotate-secret", nil, .ok),
                (.get, "/v1/deliveries?status=dead", nil, .ok),
                (.post, "/v1/deliveries/\(delivery)/replay", nil, .ok),
                (.delete, "/v1/webhooks/\(subscription)", nil, .noContent),
            ]
            for (seat, token) in seats where seat != "orgAdmin" {
                for (method, uri, body, _) in adminRoutes {
                    let answer = try await client.execute(uri: uri, method: method, headers: bearer(token), body: body)
                    #expect(answer.status == .forbidden, "\(seat) \(method) \(uri)")
                }
                #expect(
                    try await client.execute(
                        uri: "/v1/webhooks", method: .post, headers: bearer(token),
                        body: json(["url": "http://127.0.0.1:9/hook", "topics": ["actionDue"]])
                    ).status == .forbidden)
            }
            // Another organisation's admin: its lists are empty, this organisation's ids do not exist.
            for (method, uri, body, _) in adminRoutes {
                let answer = try await client.execute(uri: uri, method: method, headers: bearer(stranger), body: body)
                if uri.hasSuffix("/v1/webhooks") || uri.contains("/v1/deliveries?") {
                    #expect(answer.status == .ok && answer.items.isEmpty, "autre organisation \(method) \(uri)")
                } else {
                    answer.expectProblem(.notFound)
                }
            }
            for (method, uri, body, status) in adminRoutes {
                let answer = try await client.execute(uri: uri, method: method, headers: bearer(admin), body: body)
                #expect(answer.status == status, "orgAdmin \(method) \(uri)")
            }
            // Everybody has an inbox and e-mail choices of their own, but an evaluator, who reads
            // aggregates only (R9); nobody without a session.
            for (seat, token) in seats.merging(["stranger": stranger]) { $1 } {
                let expected: HTTPResponse.Status = seat == "evaluator" ? .forbidden : .ok
                #expect(
                    try await client.execute(uri: "/v1/inbox", method: .get, headers: bearer(token)).status
                        == expected, "\(seat)")
                #expect(
                    try await client.execute(
                        uri: "/v1/me/notification-preferences", method: .get, headers: bearer(token)
                    ).status == expected, "\(seat)")
            }
            for (method, uri) in [
                (HTTPRequest.Method.get, "/v1/inbox"), (.get, "/v1/me/notification-preferences"),
                (.get, "/v1/webhooks"),
                (.get, "/v1/deliveries"), (.post, "/v1/inbox/\(UUID())/read"),
            ] {
                try await client.execute(uri: uri, method: method).expectProblem(.unauthorized)
            }
        }
    }
}
