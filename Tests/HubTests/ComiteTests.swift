import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Cells and comités de suivi (issue 6) through HTTP, from every seat of HouseholdWorld:
/// the agenda built by the rules, the summary sheet filtered per reader at read time
/// (ACCESS.md R10), the end of an accompaniment, the lifecycle and the veille sociale.
@Suite struct ComiteTests {
    typealias Seat = HouseholdWorld.Seat

    /// The cell of HouseholdWorld's programme, run by a facilitator bound by secrecy, with every
    /// partner as a member and one person each; it follows the household.
    struct CellWorld {
        let world: HouseholdWorld
        let cell: String
        /// Today's extraordinary comité, then the planned monthly ones, soonest first.
        let comites: [String]
        /// The cell's facilitator: bound by secrecy, of the lead organisation (HouseholdWorld's
        /// `.facilitator` seat, unbound, is a mere member of the cell).
        let facilitator: String
        let facilitatorID: UUID
        let client: any TestClientProtocol

        var facilitatorActor: Actor {
            Actor(
                userID: facilitatorID, organisationID: world.organisations["op"]!.id, roles: [.facilitator],
                boundBySecret: true, sessionID: UUID(), sessionExpiresAt: Date())
        }

        /// As `seat`, or as the cell's facilitator when nil.
        func call(
            _ method: HTTPRequest.Method, _ uri: String, _ seat: Seat? = nil, _ body: Any? = nil
        ) async throws -> TestResponse {
            try await client.execute(
                uri: uri, method: method, headers: seat.map(world.headers) ?? bearer(facilitator),
                body: body.map { json($0) })
        }

        func comite(_ index: Int = 0) -> String { "/v1/comites/\(comites[index])" }
    }

    static let members: [(String, Seat)] = [
        ("ref", .partnerSecret), ("partP", .partnerPartners), ("partW", .partnerWithdrawn),
        ("partE", .partnerExpired), ("land", .housingOfficer),
    ]

    static func cellWorld(_ client: some TestClientProtocol, follow: Bool = true) async throws -> CellWorld {
        let world = try await HouseholdWorld.make(client)
        let (facilitator, token) = try await boundFacilitator(world)
        let created = try await client.execute(
            uri: "/v1/cells", method: .post, headers: bearer(token),
            body: json([
                "programmeId": world.programme.uuidString, "name": "Cellule Essonne", "territory": "Essonne (91)",
                "facilitatorUserId": facilitator.uuidString, "comiteDay": 15,
                "organisationIds": members.map { world.organisations[$0.0]!.id.uuidString },
            ]))
        #expect(created.status == .created)
        let cell = try #require(created.object["id"] as? String)
        for seat in members.map(\.1) + [.leadBound] {
            let added = try await client.execute(
                uri: "/v1/cells/\(cell)/people", method: .post, headers: world.headers(seat),
                body: json(["userId": world.people[seat]!.user.id.uuidString]))
            #expect(added.status == .created, "\(seat)")
        }
        if follow {
            let followed = try await client.execute(
                uri: "/v1/cells/\(cell)/situations", method: .post, headers: world.headers(.leadBound),
                body: json(["householdId": world.household.uuidString]))
            #expect(followed.status == .created)
        }
        let listed = try await client.execute(
            uri: "/v1/cells/\(cell)/comites", method: .get, headers: bearer(token))
        let comites = listed.items.sorted { ($0["heldOn"] as! String) < ($1["heldOn"] as! String) }
        #expect(comites.count == ComiteCalendar.ahead)
        #expect(comites.allSatisfy { $0["status"] as? String == "planned" && $0["kind"] as? String == "monthly" })
        // A partner asks for a session today: the one the tests hold.
        let today = try await client.execute(
            uri: "/v1/cells/\(cell)/comites", method: .post, headers: world.headers(.partnerSecret),
            body: json(["heldOn": PathTests.day(0), "reason": "Situation à examiner sans attendre"]))
        #expect(today.status == .created)
        #expect(today.object["kind"] as? String == "extraordinary")
        return CellWorld(
            world: world, cell: cell,
            comites: [try #require(today.object["id"] as? String)] + comites.compactMap { $0["id"] as? String },
            facilitator: token,
            facilitatorID: facilitator, client: client)
    }

    /// A facilitator of the lead organisation, bound by secrecy, and their token.
    static func boundFacilitator(_ world: HouseholdWorld, roles: Set<Role> = [.facilitator]) async throws
        -> (UUID, String)
    {
        try await withOwner { owner in
            let user = try await Fixtures.user(in: world.organisations["op"]!, roles: roles, bound: true, on: owner)
            return (user.id, try await Fixtures.token(for: user, on: owner))
        }
    }

    /// Puts the household on the comité's agenda (the facilitator's own item) and publishes.
    static func publish(_ w: CellWorld, _ index: Int = 0) async throws {
        let added = try await w.call(
            .post, "\(w.comite(index))/items", nil,
            ["householdId": w.world.household.uuidString, "reason": "Point sur le relogement"])
        #expect(added.status == .created)
        #expect(try await w.call(.post, "\(w.comite(index))/publish").status == .ok)
    }

    static func hold(_ w: CellWorld, _ index: Int = 0, present: [Seat]) async throws {
        let held = try await w.call(
            .post, "\(w.comite(index))/hold", nil,
            ["attendance": present.map { ["userId": w.world.people[$0]!.user.id.uuidString, "present": true] }])
        #expect(held.status == .ok)
    }

    // MARK: The agenda

    @Test func theAgendaBuildsItselfFromTheRulesWithItsReasons() async throws {
        try await withApp { client in
            let w = try await Self.cellWorld(client)
            // A partner asks, with a reason; the référent proposes to end; a partner may not.
            let asked = try await w.call(
                .post, "/v1/households/\(w.world.household)/comite-requests", .partnerPartners,
                ["kind": "review", "reason": "Dette de loyer à examiner ensemble"])
            #expect(asked.status == .created)
            try await w.call(
                .post, "/v1/households/\(w.world.household)/comite-requests", .partnerPartners,
                ["kind": "endProposal", "reason": "Fin"]
            ).expectProblem(.forbidden)
            try await w.call(
                .post, "/v1/households/\(w.world.household)/comite-requests", .partnerWithdrawn,
                ["kind": "review", "reason": "Examen"]
            ).expectProblem(.notFound)
            let proposed = try await w.call(
                .post, "/v1/households/\(w.world.household)/comite-requests", .leadBound,
                ["kind": "endProposal", "reason": "Objectifs du contrat atteints"])
            #expect(proposed.status == .created)

            let built = try await w.call(.post, "\(w.comite())/agenda/build")
            #expect(built.status == .ok)
            let agenda = try #require(built.object["agenda"] as? [[String: Any]])
            #expect(agenda.count == 1)
            let reasons = try #require(agenda.first?["reasons"] as? [[String: Any]])
            #expect(reasons.compactMap { $0["kind"] as? String } == ["endProposed", "partnerRequest"])
            #expect(
                reasons.compactMap { $0["detail"] as? String }.contains(
                    "Demande d'un partenaire : Dette de loyer à examiner ensemble"))
            #expect(reasons.last?["organisationId"] as? String == w.world.organisations["partP"]!.id.uuidString)

            // Building again replaces the rule items; the facilitator's own items stay, first.
            let rebuilt = try await w.call(.post, "\(w.comite())/agenda/build")
            #expect((rebuilt.object["agenda"] as? [[String: Any]])?.count == 1)
            try await w.call(
                .post, "\(w.comite())/items", nil,
                ["householdId": w.world.household.uuidString, "reason": "Doublon"]
            ).expectProblem(.conflict)
            // Only the facilitator composes; a stranger does not even see the comité.
            try await w.call(.post, "\(w.comite())/agenda/build", .leadBound).expectProblem(.forbidden)
            try await w.call(.post, "\(w.comite())/agenda/build", .otherProgramme).expectProblem(.notFound)
            try await w.call(.post, "\(w.comite())/agenda/build", .evaluator).expectProblem(.notFound)

            // Ordering names every item once; removing one empties the agenda.
            let item = try #require((rebuilt.object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(item != agenda.first?["id"] as? String)
            try await w.call(.put, "\(w.comite())/agenda/order", nil, ["itemIds": []])
                .expectProblem(.unprocessableContent, field: "itemIds")
            #expect(
                try await w.call(.put, "\(w.comite())/agenda/order", nil, ["itemIds": [item]]).status == .ok)
            #expect(try await w.call(.delete, "\(w.comite())/items/\(item)").status == .noContent)
            #expect((try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.isEmpty == true)

            // Publication takes the requests up: the next comité's rules no longer see them.
            try await Self.publish(w)
            let next = try await w.call(.post, "\(w.comite(1))/agenda/build")
            #expect((next.object["agenda"] as? [[String: Any]])?.isEmpty == true)

            // A situation the cell no longer follows leaves a planned agenda at publication.
            let kept = try await w.call(
                .post, "\(w.comite(2))/items", nil, ["householdId": w.world.household.uuidString, "reason": "Suivi"])
            #expect(kept.status == .created)
            let household = w.world.household
            #expect(
                try await w.call(.delete, "/v1/cells/\(w.cell)/situations/\(household)", .leadBound).status
                    == .noContent)
            try await w.call(.delete, "/v1/cells/\(w.cell)/situations/\(household)", .leadBound).expectProblem(
                .notFound)
            let published = try await w.call(.post, "\(w.comite(2))/publish")
            #expect((published.object["agenda"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    // MARK: Redaction

    /// The same published comité read from every seat: the item and its sheet as R1–R4 allow.
    @Test func eachSeatReadsTheComiteAsR1toR4Allow() async throws {
        try await withApp { client in
            let w = try await Self.cellWorld(client)
            try await Self.publish(w)
            let item = try #require(
                (try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)

            // Seat → (agenda items seen, sheet texts seen or nil for a 404 sheet).
            let secret = "diag-preconisations-secret"
            let privateComment = "diag-comment-private"
            let expected: [Seat: (items: Int?, sheet: Set<String>?)] = [
                .leadBound: (1, [secret, privateComment]),
                .partnerSecret: (1, [secret]),
                .partnerPartners: (1, []),
                .partnerWithdrawn: (0, nil),
                .partnerExpired: (0, nil),
                .housingOfficer: (1, []),
                .facilitator: (1, []),
                .orgAdmin: (nil, nil),
                .evaluator: (nil, nil),
                .otherProgramme: (nil, nil),
            ]
            for (seat, want) in expected {
                let comite = try await w.call(.get, w.comite(), seat)
                if let count = want.items {
                    #expect(comite.status == .ok, "\(seat)")
                    #expect((comite.object["agenda"] as? [[String: Any]])?.count == count, "\(seat)")
                } else {
                    comite.expectProblem(.notFound)
                }
                let sheet = try await w.call(.get, "\(w.comite())/items/\(item)/sheet", seat)
                guard let texts = want.sheet else {
                    sheet.expectProblem(.notFound)
                    #expect(!String(buffer: sheet.body).contains("Diallo"))
                    continue
                }
                #expect(sheet.status == .ok, "\(seat)")
                let body = String(buffer: sheet.body)
                for text in [secret, privateComment] {
                    #expect(body.contains(text) == texts.contains(text), "\(seat) \(text)")
                }
                let entries = try #require(sheet.object["entries"] as? [[String: Any]])
                // Everyone through the door reads the partners-level sheet: status, assessments.
                #expect(
                    entries.contains { $0["section"] as? String == "rehousing" && $0["code"] as? String == "status" })
                #expect(entries.filter { $0["section"] as? String == "assessments" }.count == 3, "\(seat)")
            }
            #expect(try await w.call(.get, w.comite(), .anonymous).status == .unauthorized)

            // A consent withdrawn after publication: the item is gone for that organisation on
            // the very next request, sheet included.
            let consents = try await w.call(.get, "/v1/households/\(w.world.household)/consents", .leadBound)
            let partP = w.world.organisations["partP"]!.id.uuidString
            let consent = try #require(
                consents.items.first {
                    ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String == partP
                        && $0["active"] as? Bool == true
                }?["id"] as? String)
            #expect(
                try await w.call(.post, "/v1/households/\(w.world.household)/consents/\(consent)/withdraw", .leadBound)
                    .status == .ok)
            #expect(
                (try await w.call(.get, w.comite(), .partnerPartners).object["agenda"] as? [[String: Any]])?.isEmpty
                    == true)
            try await w.call(.get, "\(w.comite())/items/\(item)/sheet", .partnerPartners).expectProblem(.notFound)
            #expect(
                (try await w.call(.get, w.comite(), .housingOfficer).object["agenda"] as? [[String: Any]])?.count == 1)

            // The reads are audited with the household, the denials too.
            let actions = try await withOwner { owner in
                let rows = try await owner.query(
                    """
                    SELECT action || ':' || outcome FROM audit_log
                    WHERE action LIKE 'comite.%' AND (household_ids @> ARRAY[\(w.world.household)] OR outcome = 'denied')
                    """, logger: TestDatabase.logger)
                var seen: [String] = []
                for try await action in rows.decode(String.self) { seen.append(action) }
                return seen
            }
            #expect(actions.contains("comite.read:disclosed"))
            #expect(actions.contains("comite.sheet.read:disclosed"))
            #expect(actions.contains("comite.sheet.read:denied"))
        }
    }

    // MARK: The end of an accompaniment

    @Test func endingAnAccompanimentNeedsAnEndReviewAndNoObjection() async throws {
        try await withApp { client in
            let w = try await Self.cellWorld(client)
            let end: [String: Any] = ["outcome": "rehousedInProgrammeStock", "endedOn": PathTests.day(0)]
            try await Self.publish(w)
            try await Self.hold(w, present: [.partnerPartners, .leadBound, .housingOfficer])
            let item = try #require(
                (try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            let decide = { (body: [String: Any]) in
                try await w.call(.post, "\(w.comite())/items/\(item)/decision", nil, body)
            }

            // No bilan de fin in the 60 days before the comité: refused, nothing recorded.
            let refused = try await decide(["decision": "endAccompaniment", "end": end])
            refused.expectProblem(.conflict)
            #expect((refused.object["detail"] as? String)?.contains("bilan de fin") == true)
            try await decide(["decision": "endAccompaniment"]).expectProblem(.unprocessableContent, field: "end")

            // The référent holds the end review with the household.
            let review = try await w.call(
                .post, "/v1/households/\(w.world.household)/meetings", .leadBound,
                SocialWorkTests.meeting(kind: "endReview", startsAt: "\(PathTests.day(-10))T10:00:00Z"))
            #expect(review.status == .created)

            // An objection must come from a present organisation of the household's team.
            try await decide([
                "decision": "endAccompaniment", "end": end,
                "objections": [["organisationId": w.world.organisations["ref"]!.id.uuidString, "reason": "Absent"]],
            ]).expectProblem(.unprocessableContent, field: "objections[0].organisationId")
            // A present care-team partner objects: recorded, not adopted, the path goes on.
            let objected = try await decide([
                "decision": "endAccompaniment", "end": end, "discussion": "Dette en cours de résorption",
                "discussionLevel": "secret",
                "objections": [
                    ["organisationId": w.world.organisations["partP"]!.id.uuidString, "reason": "Dette non soldée"]
                ],
            ])
            #expect(objected.status == .created)
            #expect(objected.object["adopted"] as? Bool == false)
            #expect(
                (objected.object["objections"] as? [[String: Any]])?.first?["reason"] as? String == "Dette non soldée")
            try await decide(["decision": "continue"]).expectProblem(.conflict)
            let household = try await w.call(.get, "/v1/households/\(w.world.household)", .leadBound)
            #expect(household.object["status"] as? String == "diagnosed")

            // An extraordinary session on a partner's request; no objection: adopted, path ended.
            let requested = try await w.call(
                .post, "/v1/cells/\(w.cell)/comites", .partnerSecret,
                ["heldOn": PathTests.day(0), "reason": "Fin d'accompagnement à confirmer"])
            #expect(requested.status == .created)
            #expect(requested.object["kind"] as? String == "extraordinary")
            let extra = try #require(requested.object["id"] as? String)
            let extraWorld = CellWorld(
                world: w.world, cell: w.cell, comites: [extra], facilitator: w.facilitator,
                facilitatorID: w.facilitatorID,
                client: client)
            try await Self.publish(extraWorld)
            try await Self.hold(extraWorld, present: [.partnerPartners])
            let extraItem = try #require(
                (try await w.call(.get, extraWorld.comite()).object["agenda"] as? [[String: Any]])?.first?["id"]
                    as? String)
            // Only the facilitator records decisions.
            try await w.call(
                .post, "/v1/comites/\(extra)/items/\(extraItem)/decision", .leadBound,
                ["decision": "endAccompaniment", "end": end]
            ).expectProblem(.forbidden)
            let adopted = try await w.call(
                .post, "/v1/comites/\(extra)/items/\(extraItem)/decision", nil,
                ["decision": "endAccompaniment", "end": end])
            #expect(adopted.status == .created)
            #expect(adopted.object["adopted"] as? Bool == true)
            let ended = try await w.call(.get, "/v1/households/\(w.world.household)", .leadBound)
            #expect(ended.object["status"] as? String == "ended")
            let outcomes = try await w.call(.get, "/v1/households/\(w.world.household)/outcomes", .leadBound)
            #expect(outcomes.items.first?["kind"] as? String == "rehousedInProgrammeStock")
            #expect(outcomes.items.first?["id"] as? String == adopted.object["outcomeId"] as? String)
            // The adopted end carries its outcome, in codes and in French, in the minutes too.
            let outcome = try #require(adopted.object["outcome"] as? [String: Any])
            #expect(outcome["code"] as? String == "rehousedInProgrammeStock")
            #expect(outcome["label"] as? String == "relogé dans le parc du programme")
            let extraMinutes = String(
                buffer: try await w.call(.get, "/v1/comites/\(extra)/minutes?format=markdown", .leadBound).body)
            #expect(extraMinutes.contains("Sortie : relogé dans le parc du programme, le "), "\(extraMinutes)")

            // The household's right of access holds both comités and what they decided.
            let export = try await w.call(.get, "/v1/households/\(w.world.household)/export", .leadBound)
            let comites = try #require(export.object["comites"] as? [[String: Any]])
            #expect(
                comites.compactMap { ($0["decision"] as? [String: Any])?["adopted"] as? Bool } == [
                    false, true,
                ])
            let document = try await w.call(
                .get, "/v1/households/\(w.world.household)/export?format=markdown", .leadBound)
            #expect(String(buffer: document.body).contains("fin de l'accompagnement — non adoptée"))
        }
    }

    // MARK: Lifecycle

    @Test func onlyTheFacilitatorRunsTheComiteAndDiffusedMinutesChangeByErratumOnly() async throws {
        try await withApp { client in
            let w = try await Self.cellWorld(client)
            let comite = w.comite()
            // Out of order: each step names the stage it needs.
            try await w.call(.post, "\(comite)/hold", nil, ["attendance": []]).expectProblem(.conflict)
            try await w.call(.get, "\(comite)/minutes", .leadBound).expectProblem(.conflict)
            try await w.call(.post, "\(comite)/publish", .leadBound).expectProblem(.forbidden)
            try await Self.publish(w)
            try await w.call(.post, "\(comite)/publish").expectProblem(.conflict)
            // A monthly comité is held on its day, not before.
            try await Self.publish(w, 1)
            let early = try await w.call(.post, "\(w.comite(1))/hold", nil, ["attendance": []])
            early.expectProblem(.conflict)
            #expect((early.object["detail"] as? String)?.contains("ne peut pas être tenu avant") == true)
            let item = try #require(
                (try await w.call(.get, comite).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            try await w.call(.post, "\(comite)/items/\(item)/decision", nil, ["decision": "continue"])
                .expectProblem(.conflict)
            try await w.call(
                .post, "\(comite)/hold", nil,
                ["attendance": [["userId": w.world.people[.otherProgramme]!.user.id.uuidString, "present": true]]]
            ).expectProblem(.unprocessableContent, field: "attendance[0].userId")
            try await Self.hold(w, present: [.partnerSecret, .housingOfficer])

            // The meeting: a decision with a secret discussion, an action for the bailleur.
            let decided = try await w.call(
                .post, "\(comite)/items/\(item)/decision", nil,
                ["decision": "continue", "discussion": "minutes-secret-discussion", "discussionLevel": "secret"])
            #expect(decided.status == .created)
            try await w.call(
                .post, "\(comite)/items/\(item)/decision", nil,
                ["decision": "other", "discussionLevel": "private"]
            ).expectProblem(.unprocessableContent, field: "detail")
            let action = try await w.call(
                .post, "\(comite)/items/\(item)/actions", nil,
                [
                    "description": "Vérifier l'assurance habitation", "dueOn": PathTests.day(-1),
                    "ownerOrganisationId": w.world.organisations["land"]!.id.uuidString,
                    "ownerUserId": w.world.people[.housingOfficer]!.user.id.uuidString,
                ])
            #expect(action.status == .created)
            #expect((action.object["ownerName"] as? String)?.isEmpty == false)
            let actionID = try #require(action.object["id"] as? String)
            // Due yesterday: the dispatcher's scan raises one reminder, however often it runs.
            let reminders = try await withOwner { owner in
                for _ in 0..<2 {
                    _ = try await owner.query("SELECT notify_raise_actions_due()", logger: TestDatabase.logger)
                }
                let rows = try await owner.query(
                    "SELECT count(*)::integer FROM notify_events WHERE dedup_key = \("actionDue:" + actionID.lowercased())",
                    logger: TestDatabase.logger)
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            #expect(reminders == 1)

            // The draft minutes, per reader: the secret discussion only for bound readers who may.
            for (seat, seesSecret) in [(Seat.leadBound, true), (.partnerSecret, true), (.housingOfficer, false)] {
                let minutes = try await w.call(.get, "\(comite)/minutes", seat)
                #expect(minutes.status == .ok)
                #expect(minutes.object["draft"] as? Bool == true)
                #expect(String(buffer: minutes.body).contains("minutes-secret-discussion") == seesSecret, "\(seat)")
                #expect((minutes.object["attendance"] as? [[String: Any]])?.count == 7)
            }
            try await w.call(.get, "\(comite)/minutes", .evaluator).expectProblem(.notFound)

            // Validation and diffusion: the facilitator only, in order.
            try await w.call(.post, "\(comite)/minutes/diffuse").expectProblem(.conflict)
            try await w.call(.post, "\(comite)/minutes/validate", .leadBound).expectProblem(.forbidden)
            #expect(try await w.call(.post, "\(comite)/minutes/validate").object["minutesVersion"] as? Int == 1)
            try await w.call(
                .post, "\(comite)/items/\(item)/actions", nil,
                [
                    "description": "Trop tard", "dueOn": PathTests.day(5),
                    "ownerOrganisationId": w.world.organisations["land"]!.id.uuidString,
                ]
            ).expectProblem(.conflict)
            try await w.call(.post, "\(comite)/errata", nil, ["body": "Trop tôt"]).expectProblem(.conflict)
            let diffused = try await w.call(.post, "\(comite)/minutes/diffuse")
            #expect(diffused.object["status"] as? String == "minutesDiffused")

            // After diffusion: nothing changes but by an erratum, a new version.
            try await w.call(.post, "\(comite)/items/\(item)/decision", nil, ["decision": "continue"])
                .expectProblem(.conflict)
            try await w.call(.post, "\(comite)/minutes/validate").expectProblem(.conflict)
            try await w.call(.post, "\(comite)/errata", nil, ["body": "Secret sans point", "level": "secret"])
                .expectProblem(.unprocessableContent, field: "level")
            let erratum = try await w.call(
                .post, "\(comite)/errata", nil, ["body": "Lire « assurance » et non « quittance »."])
            #expect(erratum.status == .created)
            #expect(erratum.object["version"] as? Int == 2)
            let latest = try await w.call(.get, "\(comite)/minutes", .housingOfficer)
            #expect(latest.object["version"] as? Int == 2)
            #expect((latest.object["errata"] as? [[String: Any]])?.count == 1)
            let first = try await w.call(.get, "\(comite)/minutes?version=1", .housingOfficer)
            #expect((first.object["errata"] as? [[String: Any]])?.isEmpty == true)
            try await w.call(.get, "\(comite)/minutes?version=3", .housingOfficer).expectProblem(.notFound)

            // The documents, in French, redacted per reader.
            let markdown = try await w.call(.get, "\(comite)/minutes?format=markdown", .housingOfficer)
            #expect(markdown.headers[.contentType] == "text/markdown; charset=utf-8")
            let text = String(buffer: markdown.body)
            #expect(text.contains("# Compte-rendu d'étape — Cellule Essonne"))
            #expect(text.contains("poursuite de l'accompagnement"))
            #expect(!text.contains("minutes-secret-discussion"))
            // The situation is named to a reader through its door; the action's owner by name
            // and organisation.
            #expect(text.contains("### 1. Awa Diallo (M-"), "\(text)")
            #expect(!text.contains("organisation responsable"))
            #expect(text.contains("(\(w.world.organisations["land"]!.name))"))
            let html = try await w.call(.get, "\(comite)/minutes?format=html", .leadBound)
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: html.body).contains("minutes-secret-discussion"))
            #expect(String(buffer: html.body).contains("Lire « assurance » et non « quittance »."))

            // An action is followed up by its owner organisation after the minutes too, not by others.
            try await w.call(.patch, "\(comite)/actions/\(actionID)", .partnerSecret, ["status": "done"])
                .expectProblem(.forbidden)
            let done = try await w.call(.patch, "\(comite)/actions/\(actionID)", .housingOfficer, ["status": "done"])
            #expect(done.object["status"] as? String == "done")

            // The database says the same, whoever writes.
            try await withRuntime { runtime in
                let facilitator = w.facilitatorActor
                await #expect(throws: PSQLError.self) {
                    try await runtime.withActor(facilitator, logger: TestDatabase.logger) { connection in
                        try await connection.perform(
                            "UPDATE comites SET status = 'held' WHERE id = \(UUID(uuidString: w.comites[0])!)",
                            logger: TestDatabase.logger)
                    }
                }
                await #expect(throws: PSQLError.self) {
                    try await runtime.withActor(facilitator, logger: TestDatabase.logger) { connection in
                        try await connection.perform(
                            """
                            INSERT INTO comite_discussions (item_id, comite_id, household_id, body, level,
                                                            author_organisation_id)
                            VALUES (\(UUID(uuidString: item)!), \(UUID(uuidString: w.comites[0])!), \(w.world.household),
                                    'après coup', 'partners', \(facilitator.organisationID))
                            """, logger: TestDatabase.logger)
                    }
                }
            }

            // Invitations, publication and diffusion went through Notify, naming nobody.
            let topics = try await withOwner { owner in
                let rows = try await owner.query(
                    """
                    SELECT topic FROM notify_events e JOIN comites c ON c.reference = e.reference
                    WHERE c.cell_id = \(UUID(uuidString: w.cell)!) ORDER BY e.created_at
                    """, logger: TestDatabase.logger)
                var topics: [String] = []
                for try await topic in rows.decode(String.self) { topics.append(topic) }
                return topics
            }
            // Two agendas published (today's and the next monthly one), one diffusion and its erratum.
            #expect(topics.filter { $0 == "agendaPublished" }.count == 2)
            #expect(topics.filter { $0 == "minutesDiffused" }.count == 2)
            #expect(topics.filter { $0 == "comiteScheduled" }.count >= ComiteCalendar.ahead)
        }
    }

    // MARK: The access matrix

    /// Columns as HouseholdAccessMatrixTests: leadBound, partnerSecret, partnerPartners,
    /// partnerWithdrawn, partnerExpired, housingOfficer, facilitator (a member, not the cell's
    /// facilitator), orgAdmin, evaluator, otherProgramme, anonymous. {k} is a held comité, {i}
    /// its item, {a} an action owned by the bailleur.
    static let matrix: [(String, String, [Int])] = [
        ("GET", "/v1/cells", [200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 401]),
        ("GET", "/v1/cells/{c}", [200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/cells/{c}/situations", [200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/cells/{c}/comites", [200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/comites/{k}", [200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/comites/{k}/items/{i}/sheet", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/comites/{k}/minutes", [200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/comites/{k}/actions", [200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/agenda/build", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("PUT", "/v1/comites/{k}/agenda/order", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/items", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("DELETE", "/v1/comites/{k}/items/{i}", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/publish", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/reschedule", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/cancel", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/hold", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/items/{i}/decision", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/items/{i}/actions", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/minutes/validate", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/minutes/diffuse", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/comites/{k}/errata", [403, 403, 403, 403, 403, 403, 403, 404, 404, 404, 401]),
        ("PATCH", "/v1/comites/{k}/actions/{a}", [403, 403, 403, 404, 404, 200, 403, 404, 404, 404, 401]),
        ("POST", "/v1/cells/{c}/comites", [201, 201, 201, 201, 201, 201, 201, 404, 404, 404, 401]),
        // Creating a cell is for a facilitator or service head of the porteur or opérateur.
        ("POST", "/v1/cells", [403, 403, 403, 403, 403, 403, 201, 403, 403, 403, 401]),
        // The household is followed already: 409 for whoever passes its door, 404 otherwise.
        ("POST", "/v1/cells/{c}/situations", [409, 409, 409, 404, 404, 409, 409, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/comite-requests", [201, 201, 201, 404, 404, 201, 201, 404, 404, 404, 401]),
    ]

    static func body(for route: String, _ w: CellWorld, item: String) -> Any? {
        switch route {
        case "/v1/comites/{k}/agenda/order": ["itemIds": [item]]
        case "/v1/comites/{k}/items": ["householdId": w.world.household.uuidString, "reason": "Matrice"]
        case "/v1/comites/{k}/hold": ["attendance": []]
        case "/v1/comites/{k}/items/{i}/decision": ["decision": "continue"]
        case "/v1/comites/{k}/items/{i}/actions":
            [
                "description": "Matrice", "dueOn": PathTests.day(3),
                "ownerOrganisationId": w.world.organisations["land"]!.id.uuidString,
            ]
        case "/v1/comites/{k}/errata": ["body": "Matrice"]
        case "/v1/comites/{k}/reschedule": ["heldOn": PathTests.day(2), "reason": "Matrice"]
        case "/v1/comites/{k}/cancel": ["reason": "Matrice"]
        case "/v1/comites/{k}/actions/{a}": ["status": "done"]
        case "/v1/cells/{c}/comites": ["heldOn": PathTests.day(1), "reason": "Matrice"]
        case "/v1/cells":
            [
                "programmeId": w.world.programme.uuidString, "name": "Cellule de la matrice", "comiteDay": 3,
                "facilitatorUserId": w.world.people[.facilitator]!.user.id.uuidString,
            ]
        case "/v1/cells/{c}/situations": ["householdId": w.world.household.uuidString]
        case "/v1/households/{h}/comite-requests": ["kind": "review", "reason": "Matrice"]
        default: nil
        }
    }

    @Test func everyComiteRouteAnswersEachSeatAsACCESSmdSays() async throws {
        try await withApp { client in
            let w = try await Self.cellWorld(client)
            try await Self.publish(w)
            try await Self.hold(w, present: [.housingOfficer])
            let comite = try await w.call(.get, w.comite())
            let item = try #require((comite.object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            let action = try await w.call(
                .post, "\(w.comite())/items/\(item)/actions", nil,
                Self.body(for: "/v1/comites/{k}/items/{i}/actions", w, item: item))
            let actionID = try #require(action.object["id"] as? String)
            let columns = HouseholdAccessMatrixTests.columns
            for (method, route, expected) in Self.matrix {
                let uri = route.replacingOccurrences(of: "{c}", with: w.cell)
                    .replacingOccurrences(of: "{k}", with: w.comites[0])
                    .replacingOccurrences(of: "{i}", with: item).replacingOccurrences(of: "{a}", with: actionID)
                    .replacingOccurrences(of: "{h}", with: w.world.household.uuidString)
                for (seat, status) in zip(columns, expected) {
                    let answer = try await w.call(
                        HTTPRequest.Method(method)!, uri, seat, Self.body(for: route, w, item: item))
                    #expect(Int(answer.status.code) == status, "\(method) \(route) pour \(seat)")
                    if status >= 400 { answer.expectProblem(answer.status) }
                    if status == 404 || status == 403 {
                        #expect(!String(buffer: answer.body).contains("Diallo"), "\(method) \(route) pour \(seat)")
                    }
                }
            }
            // Every route of the two controllers is in the table.
            let routes = try await withRuntime { runtime in
                let router = Router(context: HubRequestContext.self)
                addRoutes(to: router, client: runtime, migrator: Migrator(migrations: []), session: SessionPolicy())
                return router.routes.map { "\($0.method) \($0.path.description)" }
            }
            let comiteRoutes = routes.filter {
                $0.contains("/cells") || $0.contains("/comites/") || $0.hasSuffix("comite-requests")
            }
            // Inviting oneself and unfollowing change what the next seat would meet: checked in
            // cellWorld and the agenda test.
            let elsewhere = [
                "POST /v1/cells/{cellId}/people", "DELETE /v1/cells/{cellId}/situations/{householdId}",
            ]
            #expect(comiteRoutes.count == Self.matrix.count + elsewhere.count, "\(comiteRoutes.sorted())")
        }
    }

    // MARK: Veille sociale

    @Test func theVeilleSocialeIsItsOrganisationsOwn() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            // Run by a service head bound by secrecy, who may write `private` items.
            let (head, token) = try await Self.boundFacilitator(world, roles: [.serviceHead])
            let created = try await client.execute(
                uri: "/v1/cells", method: .post, headers: bearer(token),
                body: json([
                    "kind": "veilleSociale", "name": "Veille sociale", "comiteDay": 5,
                    "facilitatorUserId": head.uuidString,
                ]))
            #expect(created.status == .created)
            #expect(created.object["organisationIds"] as? [String] == [world.organisations["op"]!.id.uuidString])
            let cell = try #require(created.object["id"] as? String)
            for seat in [Seat.partnerSecret, .housingOfficer, .evaluator, .orgAdmin] {
                let seen = try await client.execute(
                    uri: "/v1/cells/\(cell)", method: .get, headers: world.headers(seat))
                seen.expectProblem(.notFound)
            }
            // A member of the organisation follows the household and calls an emergency session.
            let followed = try await client.execute(
                uri: "/v1/cells/\(cell)/situations", method: .post, headers: world.headers(.leadBound),
                body: json(["householdId": world.household.uuidString]))
            #expect(followed.status == .created)
            let noEmergency = try await client.execute(
                uri: "/v1/cells/\(cell)/comites", method: .post, headers: world.headers(.leadBound),
                body: json(["heldOn": PathTests.day(0), "reason": "Violences signalées"]))
            noEmergency.expectProblem(.unprocessableContent, field: "emergency")
            let emergency = try await client.execute(
                uri: "/v1/cells/\(cell)/comites", method: .post, headers: world.headers(.leadBound),
                body: json(["heldOn": PathTests.day(0), "reason": "Violences signalées", "emergency": "violence"]))
            #expect(emergency.status == .created)
            #expect(emergency.object["kind"] as? String == "emergency")
            let w = CellWorld(
                world: world, cell: cell, comites: [try #require(emergency.object["id"] as? String)],
                facilitator: token, facilitatorID: head, client: client)
            try await Self.publish(w)
            try await Self.hold(w, present: [])
            let item = try #require(
                (try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            // The end of an accompaniment is the comité de suivi's, not the veille's.
            try await w.call(
                .post, "\(w.comite())/items/\(item)/decision", nil,
                ["decision": "endAccompaniment", "end": ["outcome": "other", "endedOn": PathTests.day(0)]]
            ).expectProblem(.unprocessableContent, field: "decision")
            // A veille may hold private items and action plans.
            let decided = try await w.call(
                .post, "\(w.comite())/items/\(item)/decision", nil,
                [
                    "decision": "other", "detail": "Mise à l'abri", "discussion": "veille-private",
                    "discussionLevel": "private",
                ])
            #expect(decided.status == .created)
            let plan = try await w.call(
                .post, "\(w.comite())/items/\(item)/actions", nil,
                [
                    "description": "Plan de mise à l'abri", "dueOn": PathTests.day(2), "level": "private",
                    "ownerOrganisationId": world.organisations["op"]!.id.uuidString,
                ])
            #expect(plan.status == .created)
            // Private: read by the bound people of the organisation only.
            let bound = try await w.call(.get, "\(w.comite())/minutes", .leadBound)
            #expect(String(buffer: bound.body).contains("veille-private"))
            #expect(String(buffer: bound.body).contains("Plan de mise à l'abri"))
            let unbound = try await w.call(.get, "\(w.comite())/minutes", .facilitator)
            #expect(!String(buffer: unbound.body).contains("veille-private"))
            #expect(!String(buffer: unbound.body).contains("Plan de mise à l'abri"))
        }
    }
}
