import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 7 and ACCESS.md R1, R7, R9: an evaluator reads only the aggregates of the programmes
/// their organisation evaluates; every other route answers 403 or 404.
///
/// Every route of the router is called as HouseholdWorld's `.evaluator` seat (role
/// `evaluator` of the organisation that is the programme's evaluator), with:
/// - the real id of every path parameter, one that other seats reach (a 404 on a random id
///   proves nothing): a household followed by a cell, with a draft diagnostic, a planned
///   meeting, a flat proposed and attributed, a lease with its entry, an alert, a held comité
///   with its item and action, a second household whose accompaniment ended (its outcome),
///   an inbox message, a webhook subscription and a delivery;
/// - a body the route would accept from a user who may use it, and the draft's real ETag:
///   some handlers decode the body (or check If-Match) before the access rules, and a 400,
///   412, 422 or 428 would hide whether access is refused.
///
/// The routes come from the router itself, as in BadInputTests and HTTPEdgesTests: a route
/// added tomorrow is called too, and must be refused unless it is added to the allowlist.
@Suite struct EvaluatorMatrixTests {
    /// What an evaluator may call, as "METHOD /path" in the OpenAPI form, and why. Each of
    /// these must answer 2xx and name no household.
    static let allowed: [String: String] = [
        // Public: no session at all.
        "GET /health/live": "the process answers",
        "GET /health/ready": "the database answers",
        "GET /openapi.json": "the contract partners integrate against",
        // What any signed-in user needs.
        "POST /v1/sessions": "signing in",
        "DELETE /v1/sessions/current": "signing out",
        "GET /v1/sessions": "their own sessions",
        "DELETE /v1/sessions": "ending their own sessions",
        "GET /v1/me": "who is signed in, for which organisation",
        "GET /v1/me/invitations": "the invitations addressed to them",
        // R9: the programmes their organisation is a partner of (as evaluator), to ask for
        // their aggregates.
        "GET /v1/programmes": "the programmes of the evaluator's organisation",
        "GET /v1/programmes/{programmeId}": "one of them",
    ]

    /// The allowlist, plus the aggregate routes of issue 7 (R9) whatever their path: any
    /// route whose path contains "/indicators" is allowed, so that adding them breaks nothing.
    /// The pooled route (`GET /v1/indicators`) is asked here for the world's programme and
    /// one the evaluator does not see, which it must refuse as absent; PoolTests reads a pool.
    static func isAllowed(_ route: String) -> Bool {
        allowed[route] != nil || (route.contains("/indicators") && route != "GET /v1/indicators")
    }

    /// The household and its surroundings, each id real and reachable by the seats that may.
    struct EvaluatorWorld {
        let cells: ComiteTests.CellWorld
        var world: HouseholdWorld { cells.world }
        /// Path parameter name (as in `{householdId}`) → the real id it takes.
        let ids: [String: String]
        /// The second household, whose accompaniment ended: `{outcomeId}` is its outcome.
        let endedHousehold: String
        /// The draft diagnostic's ETag, for the routes that demand If-Match.
        let draftETag: String
        /// Both households' ids (the API writes them in either case).
        let households: [String]
        /// What else must never reach an evaluator: the households' references ("M-…") and
        /// their persons' names (HouseholdWorld.orientation), as JSON writes them.
        let words: [String]

        /// The identifiers of a household that `text` holds.
        func named(in text: String) -> [String] {
            let lowered = text.lowercased()
            return households.filter { lowered.contains($0.lowercased()) } + words.filter { text.contains($0) }
        }
    }

    @Test func everyRouteButTheAllowlistRefusesTheEvaluator() async throws {
        let started = ContinuousClock.now
        let routes = try await withRuntime { runtime in
            let router = Router(context: HubRequestContext.self)
            addRoutes(to: router, client: runtime, migrator: Migrator(migrations: []), session: SessionPolicy())
            return router.routes.map { ($0.method, HTTPEdgesTests.openAPIPath($0.path.description)) }
        }
        // Loopback webhooks: the subscription the admin creates points at 127.0.0.1; a relay for
        // the invitation's e-mail (never reached: nothing drains the outbox here).
        try await withApp(configure: {
            NotifyTests.loopback(&$0)
            AccountsTests.withRelay(&$0)
        }) { client in
            let w = try await Self.evaluatorWorld(client)
            let evaluator = w.world.people[.evaluator]!
            var failures: [String] = []
            var refused = 0
            var allowed = 0
            // Ending all their sessions ends the evaluator's token too: last.
            let signsOutEverywhere = { (route: (HTTPRequest.Method, String)) in route == (.delete, "/v1/sessions") }
            for (method, path) in routes.filter({ !signsOutEverywhere($0) }) + routes.filter(signsOutEverywhere) {
                let route = "\(method.rawValue) \(path)"
                guard let uri = Self.uri(path, w) else {
                    failures.append("\(route): no real id for one of its parameters (add it to evaluatorWorld)")
                    continue
                }
                var headers = bearer(evaluator.token)
                if path.hasPrefix("/v1/households/{householdId}/diagnostics/{diagnosticId}") && method != .get {
                    headers[.ifMatch] = w.draftETag
                }
                switch route {
                case "POST /v1/sessions":
                    headers = [:]
                case "DELETE /v1/sessions/current", "DELETE /v1/sessions":
                    // A session of its own, so that the evaluator's token stays valid for the others.
                    headers = bearer(try await Self.signIn(client, w))
                default: break
                }
                let body = Self.body(for: route, w)
                let answer = try await client.execute(
                    uri: uri, method: method, headers: headers, body: body.map { json($0) })
                let status = Int(answer.status.code)
                let text = String(buffer: answer.body)
                let named = w.named(in: text)

                if Self.isAllowed(route) {
                    allowed += 1
                    if !(200..<300).contains(status) {
                        failures.append("\(route) → \(status) (allowed to the evaluator: expected 2xx)")
                    }
                    if !named.isEmpty {
                        failures.append("\(route) → \(status) names a household: \(named)")
                    }
                } else {
                    refused += 1
                    let hint = body == nil && method != .get && method != .delete ? " (no body sent)" : ""
                    if status != 403 && status != 404 {
                        failures.append("\(route) → \(status) (expected 403 or 404: not an aggregate)\(hint)")
                    } else if answer.headers[.contentType] != "application/problem+json"
                        || answer.object["status"] as? Int != status
                    {
                        failures.append("\(route) → \(status) but not as problem+json")
                    }
                    if !named.isEmpty {
                        failures.append("\(route) → \(status) names a household in its answer: \(named)")
                    }
                }
            }
            // Every route of the router was called, the new ones included.
            #expect(refused + allowed == routes.count, "\(refused) refused + \(allowed) allowed")
            #expect(allowed >= Self.allowed.count, "an allowlisted route is gone: \(Self.allowed.keys.sorted())")
            if !failures.isEmpty {
                Issue.record(
                    """
                    \(failures.count) answer(s) to the evaluator contradict issue 7 / ACCESS.md R9 \
                    (\(routes.count) routes called):
                    \(failures.joined(separator: "\n"))
                    """)
            }

            // The control: the same ids are found by the seats they are for, so that the
            // evaluator's 404s are refusals, not missing rows. Every read naming an id, as the
            // référent (an organisation's admin for its users and webhooks); a 403 is fine
            // here, a 404 is not.
            var missing: [String] = []
            // (An enrolment link's token is nobody's but its addressee's: no seat has it.)
            for (method, path) in routes where method == .get && path.contains("{") && !path.contains("{token}") {
                guard let uri = Self.uri(path, w) else { continue }
                let seat: HouseholdWorld.Seat =
                    path.hasPrefix("/v1/users") || path.hasPrefix("/v1/webhooks") ? .orgAdmin : .leadBound
                let answer = try await client.execute(uri: uri, method: .get, headers: w.world.headers(seat))
                if answer.status == .notFound { missing.append("GET \(path) → 404 for \(seat)") }
            }
            #expect(missing.isEmpty, "ids that their own seats do not find:\n\(missing.joined(separator: "\n"))")
        }
        print("EvaluatorMatrixTests: \(routes.count) routes in \(ContinuousClock.now - started)")
    }

    /// `path` with each `{parameter}` replaced by its real id; nil if one has none.
    static func uri(_ path: String, _ w: EvaluatorWorld) -> String? {
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else {
                segments.append(String(segment))
                continue
            }
            let name = String(segment.dropFirst().dropLast())
            // An outcome belongs to the household whose accompaniment ended.
            if name == "householdId" && path.contains("{outcomeId}") {
                segments.append(w.endedHousehold)
                continue
            }
            guard let id = w.ids[name] else { return nil }
            segments.append(id)
        }
        var uri = segments.joined(separator: "/")
        // The aggregates are read for a period: this year (IndicatorsController).
        if path.contains("/indicators") {
            uri += "?period=\(Calendar.utc.component(.year, from: Date()))"
        }
        if path == "/v1/indicators" { uri += "&programmes=\(w.world.programme.uuidString),\(UUID().uuidString)" }
        return uri
    }

    /// A body the route accepts from a user who may use it; nil for the routes that read none.
    static func body(for route: String, _ w: EvaluatorWorld) -> Any? {
        let world = w.world
        let land = world.organisations["land"]!.id.uuidString
        let evaluator = world.people[.evaluator]!.user
        switch route {
        case "POST /v1/sessions":
            return [
                "email": evaluator.email, "password": Fixtures.password,
                "organisationId": evaluator.organisation.id.uuidString,
            ]
        case "POST /v1/invitations":
            return [
                "email": "\(UUID().uuidString.prefix(12).lowercased())@test.demo", "displayName": "Collègue évaluateur",
                "roles": ["evaluator"], "boundBySecret": false,
            ]
        case "POST /v1/enrolments/{token}": return ["password": "un mot de passe assez long"]
        case "POST /v1/households": return HouseholdWorld.orientation(programme: world.programme)
        case "POST /v1/households/{householdId}/accept":
            return ["referentUserId": world.people[.leadBound]!.user.id.uuidString]
        case "POST /v1/households/{householdId}/decline": return ["reason": "Le ménage relève d'un autre dispositif."]
        case "POST /v1/households/{householdId}/care-team": return ["organisationId": land]
        case "POST /v1/households/{householdId}/consents":
            return HouseholdWorld.consent(recipient: world.organisations["land"]!.id, level: "partners")
        case "POST /v1/households/{householdId}/notes": return ["body": "Note de l'évaluateur", "level": "partners"]
        case "POST /v1/households/{householdId}/break-glass":
            return ["justification": "Mise en danger signalée cette nuit par l'hôtel."]
        case "PUT /v1/households/{householdId}/diagnostics/{diagnosticId}": return HouseholdWorld.diagnosticContent
        case "POST /v1/households/{householdId}/contracts":
            return ContractTests.contract(
                startsOn: PathTests.day(-40), plannedEndOn: PathTests.day(-40, months: 14), signedOn: PathTests.day(-40)
            )
        case "POST /v1/households/{householdId}/meetings": return SocialWorkTests.meeting()
        case "PATCH /v1/households/{householdId}/meetings/{meetingId}":
            return ["status": "held", "durationMinutes": 30]
        case "POST /v1/households/{householdId}/aids": return SocialWorkTests.aid()
        case "POST /v1/flats": return PathTests.flat()
        case "POST /v1/programmes/{programmeId}/collective-sessions":
            return ["kind": "workshop", "theme": "energySavings", "participants": 8]
        case "POST /v1/households/{householdId}/proposals":
            return ["flatId": w.ids["flatId"]!, "proposedOn": PathTests.day(0)]
        case "POST /v1/households/{householdId}/proposals/{proposalId}/answer":
            return ["answer": "accepted", "answeredOn": PathTests.day(0)]
        case "POST /v1/households/{householdId}/cal-decisions":
            return PathTests.decision(w.ids["proposalId"]!, "attribution", on: PathTests.day(0))
        case "POST /v1/households/{householdId}/alerts": return ["kind": "upkeep", "reportedOn": PathTests.day(0)]
        case "POST /v1/households/{householdId}/alerts/{alertId}/resolve":
            return ["resolvedOn": PathTests.day(0), "resolution": "Réparation faite par le bailleur."]
        case "POST /v1/households/{householdId}/leases":
            return ["kind": "direct", "signedOn": PathTests.day(0), "referentAttended": true]
        case "POST /v1/households/{householdId}/leases/{leaseId}/entry": return ["entryInspectionOn": PathTests.day(0)]
        case "POST /v1/households/{householdId}/leases/{leaseId}/slide": return ["slidOn": PathTests.day(0)]
        case "POST /v1/households/{householdId}/end":
            return ["outcome": "voluntaryDeparture", "endedOn": PathTests.day(0)]
        case "POST /v1/households/{householdId}/outcomes/{outcomeId}/stay": return ["months": 6, "inFlat": true]
        case "POST /v1/cells":
            return [
                "programmeId": world.programme.uuidString, "name": "Cellule de l'évaluateur",
                "territory": "Essonne (91)", "facilitatorUserId": w.cells.facilitatorID.uuidString, "comiteDay": 10,
                "organisationIds": [land],
            ]
        case "POST /v1/cells/{cellId}/people": return ["userId": evaluator.id.uuidString]
        case "POST /v1/cells/{cellId}/situations": return ["householdId": world.household.uuidString]
        case "POST /v1/cells/{cellId}/comites": return ["heldOn": PathTests.day(1), "reason": "Situation à examiner"]
        case "POST /v1/comites/{comiteId}/reschedule": return ["heldOn": PathTests.day(2), "reason": "Salle prise"]
        case "POST /v1/comites/{comiteId}/cancel": return ["reason": "Séance regroupée"]
        case "PUT /v1/comites/{comiteId}/agenda/order": return ["itemIds": [w.ids["itemId"]!]]
        case "POST /v1/comites/{comiteId}/items":
            return ["householdId": world.household.uuidString, "reason": "Point sur le relogement"]
        case "POST /v1/comites/{comiteId}/hold":
            return ["attendance": [["userId": world.people[.housingOfficer]!.user.id.uuidString, "present": true]]]
        case "POST /v1/comites/{comiteId}/items/{itemId}/decision": return ["decision": "continue"]
        case "POST /v1/comites/{comiteId}/items/{itemId}/actions":
            return [
                "description": "Vérifier l'assurance habitation", "dueOn": PathTests.day(3),
                "ownerOrganisationId": land,
            ]
        case "PATCH /v1/comites/{comiteId}/actions/{actionId}": return ["status": "done"]
        case "POST /v1/comites/{comiteId}/errata": return ["body": "Lire « assurance » et non « quittance »."]
        case "POST /v1/households/{householdId}/comite-requests":
            return ["kind": "review", "reason": "Dette de loyer à examiner ensemble"]
        case "PUT /v1/me/notification-preferences": return ["emailOptOuts": ["comiteScheduled"]]
        case "POST /v1/webhooks": return ["url": "http://127.0.0.1:9/evaluateur", "topics": ["alertReported"]]
        default: return nil
        }
    }

    /// Signs the evaluator in through the API; the new session's token.
    static func signIn(_ client: some TestClientProtocol, _ w: EvaluatorWorld) async throws -> String {
        let session = try await client.execute(
            uri: "/v1/sessions", method: .post, body: json(body(for: "POST /v1/sessions", w)!))
        #expect(session.status == .created)
        return try #require(session.object["token"] as? String)
    }

    /// The cell world of ComiteTests (its comité published and held, an item, an action) and
    /// the household walked to its flat (PathTests), plus what the notification routes name.
    static func evaluatorWorld(_ client: some TestClientProtocol) async throws -> EvaluatorWorld {
        let cells = try await ComiteTests.cellWorld(client)
        let world = cells.world
        let h = "/v1/households/\(world.household)"
        let lead = world.headers(.leadBound)
        let bailleur = world.headers(.housingOfficer)
        func call(_ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, _ body: Any? = nil)
            async throws -> TestResponse
        {
            try await client.execute(uri: uri, method: method, headers: headers, body: body.map { json($0) })
        }
        func id(_ response: TestResponse, _ what: String) throws -> String {
            #expect(response.status == .created, "\(what) → \(response.status.code)")
            return try #require(response.object["id"] as? String, "\(what)")
        }

        // The comité of today, published and held, with the household on its agenda and an
        // action for the bailleur (as in ComiteTests' matrix).
        try await ComiteTests.publish(cells)
        try await ComiteTests.hold(cells, present: [.housingOfficer])
        let agenda = try await cells.call(.get, cells.comite()).object["agenda"] as? [[String: Any]]
        let item = try #require(agenda?.first?["id"] as? String)
        let action = try id(
            try await cells.call(
                .post, "\(cells.comite())/items/\(item)/actions", nil,
                [
                    "description": "Vérifier l'assurance habitation", "dueOn": PathTests.day(3),
                    "ownerOrganisationId": world.organisations["land"]!.id.uuidString,
                ]), "action")

        // The path: a flat proposed, attributed by the CAL, the contract, the lease and the
        // entry inspection, then an alert of the bailleur (PathTests' steps).
        let path = try await HouseholdAccessMatrixTests.pathWorld(client, world)
        _ = try id(
            try await call(
                .post, "\(h)/cal-decisions", bailleur,
                PathTests.decision(path.proposal, "attribution", on: PathTests.day(-4))),
            "CAL decision")
        _ = try id(
            try await call(
                .post, "\(h)/contracts", lead,
                ContractTests.contract(
                    startsOn: PathTests.day(-40), plannedEndOn: PathTests.day(-40, months: 14),
                    signedOn: PathTests.day(-40))),
            "contract")
        let lease = try id(
            try await call(
                .post, "\(h)/leases", lead,
                ["kind": "sliding", "signedOn": PathTests.day(-3), "referentAttended": true]),
            "lease")
        let entry = try await call(.post, "\(h)/leases/\(lease)/entry", lead, ["entryInspectionOn": PathTests.day(-2)])
        #expect(entry.status == .ok)
        let alert = try id(
            try await call(.post, "\(h)/alerts", bailleur, ["kind": "upkeep", "reportedOn": PathTests.day(-1)]), "alert"
        )

        // A draft diagnostic after the validated one: the PUT and the validation would succeed
        // for the référent with this ETag.
        let draft = try await call(.post, "\(h)/diagnostics", lead)
        let draftID = try id(draft, "draft diagnostic")
        let draftETag = try #require(draft.headers[.eTag])

        // The bailleur's active consent (the lead organisation may withdraw it).
        let consents = try await call(.get, "\(h)/consents", lead)
        let consent = try #require(
            consents.items.first {
                ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String
                    == world.organisations["land"]!.id.uuidString && $0["active"] as? Bool == true
            }?["id"] as? String)

        // A second household of the programme, accepted then ended: its outcome.
        let ended = try id(
            try await call(
                .post, "/v1/households", world.headers(.partnerSecret),
                HouseholdWorld.orientation(programme: world.programme)), "second household")
        let accepted = try await call(
            .post, "/v1/households/\(ended)/accept", lead,
            ["referentUserId": world.people[.leadBound]!.user.id.uuidString])
        #expect(accepted.status == .ok)
        let outcome = try id(
            try await call(
                .post, "/v1/households/\(ended)/end", lead,
                ["outcome": "voluntaryDeparture", "endedOn": PathTests.day(0)]),
            "outcome")

        var shown: [String] = []
        for household in [world.household.uuidString, ended] {
            let answer = try await call(.get, "/v1/households/\(household)", lead)
            shown.append(try #require(answer.object["reference"] as? String))
        }
        let references = shown

        // The lead organisation's webhook, through its admin.
        let subscribed = try await call(
            .post, "/v1/webhooks", world.headers(.orgAdmin),
            ["url": "http://127.0.0.1:9/hub", "topics": ["alertReported"]])
        #expect(subscribed.status == .created)
        let subscription = try #require((subscribed.object["subscription"] as? [String: Any])?["id"] as? String)

        // The bailleur's alert as Notify would have fanned it out: a message in the référent's
        // inbox and a dead delivery to the lead organisation's webhook. Written directly (and
        // marked fanned out) rather than by running the dispatcher, which would fan out and
        // send the events of the tests running alongside.
        let lead0 = world.people[.leadBound]!.user
        let (message, delivery) = try await withOwner { owner in
            let event = UUID()
            let message = UUID()
            let delivery = UUID()
            try await owner.query(
                """
                INSERT INTO notify_events (id, topic, organisation_id, household_id, reference, audience, link_path,
                                           fanned_out_at)
                VALUES (\(event), 'alertReported', \(world.organisations["land"]!.id), \(world.household),
                        \(references[0]), '{referent}', \("/v1/households/\(world.household)/alerts"), now())
                """, logger: TestDatabase.logger)
            try await owner.query(
                """
                INSERT INTO inbox_messages (id, event_id, user_id, organisation_id)
                VALUES (\(message), \(event), \(lead0.id), \(lead0.organisation.id))
                """, logger: TestDatabase.logger)
            try await owner.query(
                """
                INSERT INTO notify_deliveries (id, event_id, channel, topic, subscription_id, organisation_id, status,
                                               attempts, last_error)
                VALUES (\(delivery), \(event), 'webhook', 'alertReported', \(UUID(uuidString: subscription)!),
                        \(lead0.organisation.id), 'dead', 3, 'http 500')
                """, logger: TestDatabase.logger)
            return (message, delivery)
        }
        // Both reach the seats they are for.
        let inbox = try await call(.get, "/v1/inbox", lead)
        #expect(inbox.items.contains { $0["id"] as? String == message.uuidString })
        let deliveries = try await call(.get, "/v1/deliveries?status=dead", world.headers(.orgAdmin))
        #expect(deliveries.items.contains { $0["id"] as? String == delivery.uuidString })

        // An invitation of the opérateur, and a session of its référente.
        let invited = try await call(
            .post, "/v1/invitations", world.headers(.orgAdmin),
            [
                "email": "invitee-\(UUID().uuidString.prefix(8).lowercased())@test.demo", "displayName": "Invitée",
                "roles": ["socialWorker"],
            ])
        #expect(invited.status == .accepted)
        let invitation = try #require(invited.object["id"] as? String)
        let sessions = try await call(.get, "/v1/sessions", lead)
        let session = try #require(sessions.items.first?["id"] as? String)

        let ids: [String: String] = [
            "householdId": world.household.uuidString, "diagnosticId": draftID,
            "organisationId": world.organisations["land"]!.id.uuidString, "consentId": consent,
            "userId": lead0.id.uuidString, "programmeId": world.programme.uuidString,
            "meetingId": path.meeting, "flatId": path.flat, "proposalId": path.proposal, "alertId": alert,
            "leaseId": lease, "outcomeId": outcome, "cellId": cells.cell, "comiteId": cells.comites[0],
            "itemId": item, "actionId": action, "messageId": message.uuidString,
            "subscriptionId": subscription, "deliveryId": delivery.uuidString, "invitationId": invitation,
            "sessionId": session,
            // An enrolment link answers only its holder (the token is the credential): an
            // evaluator holds none, so a token of theirs is one nobody sent.
            "token": Credentials.newToken(),
        ]
        return EvaluatorWorld(
            cells: cells, ids: ids, endedHousehold: ended, draftETag: draftETag,
            households: [world.household.uuidString, ended],
            words: references + ["Diallo", "\"Awa\"", "\"Moussa\""])
    }
}
