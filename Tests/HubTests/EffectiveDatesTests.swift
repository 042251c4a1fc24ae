import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 18, DOMAIN.md "Time": facts carry the day they happened, given by their writer and
/// checked against the programme and the step they follow; access decisions keep the
/// recording clock.
@Suite struct EffectiveDatesTests {
    static func orient(_ client: some TestClientProtocol, _ world: HouseholdWorld, _ extra: [String: Any])
        async throws -> TestResponse
    {
        var body = HouseholdWorld.orientation(programme: world.programme)
        body.merge(extra) { $1 }
        return try await client.execute(
            uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret), body: json(body))
    }

    /// An instant as the API writes it (RFC 3339, with or without fractions of a second).
    static func instant(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func expectRefused(
        _ response: TestResponse, _ field: String, _ sentence: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        response.expectProblem(.unprocessableContent, sourceLocation: sourceLocation)
        #expect(response.object["field"] as? String == field, sourceLocation: sourceLocation)
        let detail = response.object["detail"] as? String ?? ""
        #expect(detail.contains(sentence), "« \(detail) »", sourceLocation: sourceLocation)
    }

    @Test func anOrientationAndItsAcceptanceTakeTheirDaysWithinTheProgramme() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            Self.expectRefused(
                try await Self.orient(client, world, ["orientedOn": PathTests.day(1)]), "orientedOn", "est à venir")
            Self.expectRefused(
                try await Self.orient(client, world, ["orientedOn": "2023-12-31"]), "orientedOn",
                "précède le début du programme")
            Self.expectRefused(
                try await Self.orient(client, world, ["orientedOn": "2024-13-01"]), "orientedOn", "AAAA-MM-JJ")

            // Typed a month later: the orientation keeps its day, its consent too.
            let oriented = try await Self.orient(client, world, ["orientedOn": PathTests.day(-30)])
            #expect(oriented.status == .created)
            #expect(oriented.object["orientedOn"] as? String == PathTests.day(-30))
            let h = "/v1/households/\(oriented.object["id"] as? String ?? "")"
            let lead = world.headers(.leadBound)
            let consents = try await client.execute(uri: h + "/consents", method: .get, headers: lead)
            #expect(consents.items.map { $0["givenOn"] as? String } == [PathTests.day(-30), PathTests.day(-30)])
            let expiry = try #require(
                Self.instant(consents.items.first?["expiresAt"]))
            #expect(Day(expiry).iso == PathTests.day(-30, months: 12))

            let referent = ["referentUserId": world.people[.leadBound]!.user.id.uuidString]
            Self.expectRefused(
                try await client.execute(
                    uri: h + "/accept", method: .post, headers: lead,
                    body: json(referent.merging(["occurredOn": PathTests.day(-31)]) { $1 })),
                "occurredOn", "précède l'orientation")
            let accepted = try await client.execute(
                uri: h + "/accept", method: .post, headers: lead,
                body: json(referent.merging(["occurredOn": PathTests.day(-20)]) { $1 }))
            #expect(accepted.status == .ok)

            // The path's timeline puts each move on its day, not on the day it was typed.
            let timeline = try await client.execute(uri: h + "/timeline", method: .get, headers: lead)
            let moves = timeline.items.filter { $0["kind"] as? String == "pathTransition" }
            #expect(moves.map { $0["on"] as? String } == [PathTests.day(-30), PathTests.day(-20)])
        }
    }

    @Test func aProgrammePastItsEndTakesNoNewOrientation() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            try await withOwner { owner in
                try await owner.query(
                    "UPDATE programmes SET ends_on = current_date - 1 WHERE id = \(world.programme)")
            }
            let refused = try await Self.orient(client, world, [:])
            refused.expectProblem(.conflict)
            #expect((refused.object["detail"] as? String ?? "").contains("a pris fin le"))
            // The households it took in go on: their path records facts after its end only to
            // close their accompaniment.
            Self.expectRefused(
                try await client.execute(
                    uri: "/v1/households/\(world.household)/consents", method: .post,
                    headers: world.headers(.leadBound),
                    body: json(
                        HouseholdWorld.consent(recipient: world.organisations["partE"]!.id, level: "partners"))),
                "givenOn", "suit la fin du programme")
            Self.expectRefused(
                try await client.execute(
                    uri: "/v1/households/\(world.household)/aids", method: .post, headers: world.headers(.leadBound),
                    body: json(SocialWorkTests.aid(requestedOn: PathTests.day(0), decidedOn: PathTests.day(0)))),
                "requestedOn", "suit la fin du programme")
            // Its end, after the programme's, is what may still be written.
            let ended = try await client.execute(
                uri: "/v1/households/\(world.household)/end", method: .post, headers: world.headers(.leadBound),
                body: json(["outcome": "voluntaryDeparture", "endedOn": PathTests.day(0)]))
            #expect(ended.status == .created, "\(ended.object)")
        }
    }

    @Test func aConsentRunsTwelveMonthsFromTheDayItWasGiven() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let consents = "/v1/households/\(world.household)/consents"
            let lead = world.headers(.leadBound)
            var body = HouseholdWorld.consent(recipient: world.organisations["partE"]!.id, level: "partners")
            body["givenOn"] = PathTests.day(0, months: -13)
            Self.expectRefused(
                try await client.execute(uri: consents, method: .post, headers: lead, body: json(body)), "givenOn",
                "a pris fin le")
            body["givenOn"] = PathTests.day(0, months: -11)
            let given = try await client.execute(uri: consents, method: .post, headers: lead, body: json(body))
            #expect(given.status == .created)
            let record = try #require(given.items.first { $0["givenOn"] as? String == PathTests.day(0, months: -11) })
            let expiry = try #require(Self.instant(record["expiresAt"]))
            #expect(Day(expiry).iso == PathTests.day(0, months: 1))
        }
    }

    /// A consent dated last month but recorded today opened nothing before today: the reads
    /// refused before it was recorded stay refused in the household's access log.
    @Test func aBackdatedConsentOpensNoReadMadeBeforeItWasRecorded() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let h = "/v1/households/\(world.household)"
            // partE's consent expired (HouseholdWorld): its reader is not through the door.
            try await client.execute(uri: h, method: .get, headers: world.headers(.partnerExpired))
                .expectProblem(.notFound)
            var body = HouseholdWorld.consent(recipient: world.organisations["partE"]!.id, level: "partners")
            body["givenOn"] = PathTests.day(-30)
            let given = try await client.execute(
                uri: h + "/consents", method: .post, headers: world.headers(.leadBound), body: json(body))
            #expect(given.status == .created)
            let record = try #require(given.items.first { $0["givenOn"] as? String == PathTests.day(-30) })
            let recordedAt = try #require(Self.instant(record["givenAt"]))
            #expect(Day(recordedAt) == Day.today())

            let read = try await client.execute(uri: h, method: .get, headers: world.headers(.partnerExpired))
            #expect(read.status == .ok)
            let log = try await client.execute(uri: h + "/access-log", method: .get, headers: world.headers(.leadBound))
            let partE = world.organisations["partE"]!.name
            let reads = log.items.filter {
                $0["organisation"] as? String == partE && $0["action"] as? String == "household.read"
            }
            #expect(reads.compactMap { $0["outcome"] as? String }.sorted() == ["denied", "disclosed"])
            let denied = try #require(reads.first { $0["outcome"] as? String == "denied" })
            let deniedAt = try #require(Self.instant(denied["at"]))
            #expect(deniedAt <= recordedAt)
        }
    }

    /// Each dated fact of the household, dated before its programme began (1 January 2024) or
    /// ahead, is refused with its field; the same facts dated within the programme pass.
    @Test func everyDatedFactStaysWithinItsProgramme() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let h = "/v1/households/\(world.household)"
            let lead = world.headers(.leadBound)
            func post(_ path: String, _ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(uri: h + path, method: .post, headers: lead, body: json(body))
            }
            let beforeStart = "2023-12-31"
            let partE = world.organisations["partE"]!.id.uuidString
            Self.expectRefused(
                try await post("/care-team", ["organisationId": partE, "occurredOn": beforeStart]), "occurredOn",
                "précède le début du programme")
            Self.expectRefused(
                try await post("/care-team", ["organisationId": partE, "occurredOn": PathTests.day(1)]), "occurredOn",
                "est à venir")
            Self.expectRefused(
                try await post(
                    "/contracts",
                    ContractTests.contract(startsOn: beforeStart, plannedEndOn: "2024-12-30", signedOn: beforeStart)),
                "signedOn", "précède le début du programme")
            Self.expectRefused(
                try await post("/aids", SocialWorkTests.aid(requestedOn: beforeStart)), "requestedOn",
                "précède le début du programme")
            Self.expectRefused(
                try await post("/meetings", SocialWorkTests.meeting(startsAt: beforeStart + "T09:30:00Z")), "startsAt",
                "précède le début du programme")
            #expect(
                try await post(
                    "/meetings", SocialWorkTests.meeting(status: "planned", startsAt: "2030-01-07T09:30:00Z")
                )
                .status == .created)
            // Planned before the programme, it cannot be declared held afterwards either.
            let planned = try await post(
                "/meetings", SocialWorkTests.meeting(status: "planned", startsAt: beforeStart + "T09:30:00Z"))
            Self.expectRefused(
                try await client.execute(
                    uri: h + "/meetings/\(planned.object["id"] as? String ?? "")", method: .patch, headers: lead,
                    body: json(["status": "held", "durationMinutes": 60])), "startsAt", "précède le début du programme")
            var consent = HouseholdWorld.consent(recipient: world.organisations["partE"]!.id, level: "partners")
            consent["givenOn"] = beforeStart
            Self.expectRefused(try await post("/consents", consent), "givenOn", "précède le début du programme")

            // A new version of the diagnostic, validated the day before the programme began.
            let draft = try await client.execute(uri: h + "/diagnostics", method: .post, headers: lead)
            let draftID = try #require(draft.object["id"] as? String)
            let etag = try #require(draft.headers[.eTag])
            Self.expectRefused(
                try await client.execute(
                    uri: h + "/diagnostics/\(draftID)/validate", method: .post, headers: lead + [.ifMatch: etag],
                    body: json(["validatedOn": beforeStart])),
                "validatedOn", "précède le début du programme")

            // partE left the care team and joined it again three days ago.
            let left = try await client.execute(uri: h + "/care-team/\(partE)", method: .delete, headers: lead)
            #expect(left.status == .noContent)
            #expect(
                try await post("/care-team", ["organisationId": partE, "occurredOn": PathTests.day(-3)]).status == .ok)
            let team = try await client.execute(uri: h + "/care-team", method: .get, headers: lead)
            #expect(
                team.items.first { ($0["organisation"] as? [String: Any])?["id"] as? String == partE }?["addedOn"]
                    as? String == PathTests.day(-3))
        }
    }

    /// The facilitator types a comité the week after (or months after): its agenda is built as
    /// things stood on its day, then it is held, its minutes validated and diffused.
    @Test func aComiteIsRecordedAfterItWasHeld() async throws {
        try await withApp { client in
            let w = try await ComiteTests.cellWorld(client)
            let comites = "/v1/cells/\(w.cell)/comites"
            // A partner asks today for the situation to be reviewed.
            let asked = try await w.call(
                .post, "/v1/households/\(w.world.household)/comite-requests", .partnerPartners,
                ["kind": "review", "reason": "Dette de loyer à examiner ensemble"])
            #expect(asked.status == .created)

            // Only the facilitator records a session already held, within the year.
            Self.expectRefused(
                try await w.call(.post, comites, .partnerSecret, ["heldOn": PathTests.day(-20), "reason": "Point"]),
                "heldOn", "seul l'animateur")
            Self.expectRefused(
                try await w.call(.post, comites, nil, ["heldOn": PathTests.day(-400), "reason": "Point"]), "heldOn",
                "dans l'année")
            let past = try await w.call(
                .post, comites, nil, ["heldOn": PathTests.day(-20), "reason": "Séance tenue le mois dernier"])
            #expect(past.status == .created)
            let comite = "/v1/comites/\(try #require(past.object["id"] as? String))"

            // On its day nobody had asked yet: its rules put nothing on the agenda, today's do.
            let then = try await w.call(.post, "\(comite)/agenda/build")
            #expect((then.object["agenda"] as? [[String: Any]])?.isEmpty == true)
            let now = try await w.call(.post, "\(w.comite())/agenda/build")
            let reasons = (now.object["agenda"] as? [[String: Any]])?.first?["reasons"] as? [[String: Any]]
            #expect(reasons?.compactMap { $0["kind"] as? String }.contains("partnerRequest") == true)

            // An aid asked for after that day is no part of the day's summary sheet.
            let aid = try await w.call(
                .post, "/v1/households/\(w.world.household)/aids", .leadBound,
                SocialWorkTests.aid(status: "requested", requestedOn: PathTests.day(-5), decidedOn: nil))
            #expect(aid.status == .created)

            // The facilitator puts the situation on it, and the comité goes its whole way.
            let added = try await w.call(
                .post, "\(comite)/items", nil, ["householdId": w.world.household.uuidString, "reason": "Point"])
            #expect(added.status == .created)
            #expect(try await w.call(.post, "\(comite)/publish").status == .ok)
            func sheet(_ comite: String) async throws -> [String] {
                let item = try #require(
                    (try await w.call(.get, comite).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
                return try await w.call(.get, "\(comite)/items/\(item)/sheet", .leadBound).object["entries"]
                    .flatMap { $0 as? [[String: Any]] }?.compactMap { $0["code"] as? String } ?? []
            }
            let thatDay = try await sheet(comite)
            #expect(thatDay.contains("status") && !thatDay.contains("aid"), "\(thatDay)")
            // Today's comité, whose agenda the rules built above, shows it.
            #expect(try await w.call(.post, "\(w.comite())/publish").status == .ok)
            #expect(try await sheet(w.comite()).contains("aid"))
            let held = try await w.call(
                .post, "\(comite)/hold", nil,
                ["attendance": [["userId": w.world.people[.leadBound]!.user.id.uuidString, "present": true]]])
            #expect(held.status == .ok)
            #expect(try await w.call(.post, "\(comite)/minutes/validate").status == .ok)
            let diffused = try await w.call(.post, "\(comite)/minutes/diffuse")
            #expect(diffused.object["status"] as? String == "minutesDiffused")
            #expect(diffused.object["heldOn"] as? String == PathTests.day(-20))
        }
    }

    /// A comité not yet held moves to another day or is cancelled, each with its reason, the
    /// cell's people told; a held comité does neither, and the database agrees.
    @Test func aComiteNotYetHeldIsRescheduledOrCancelledAndAHeldOneIsNot() async throws {
        try await withApp { client in
            let w = try await ComiteTests.cellWorld(client)
            let monthly = w.comite(1)
            let before = try #require(try await w.call(.get, monthly).object["heldOn"] as? String)
            let next = try #require(try await w.call(.get, w.comite(2)).object["heldOn"] as? String)
            let moved = try #require(Day(iso: before)).adding(days: 3).description

            // The facilitator's, with a reason and a day the rules allow.
            #expect(
                try await w.call(
                    .post, "\(monthly)/reschedule", .partnerSecret,
                    ["heldOn": moved, "reason": "Salle prise"]
                ).status == .forbidden)
            Self.expectRefused(
                try await w.call(.post, "\(monthly)/reschedule", nil, ["heldOn": moved, "reason": " "]), "reason",
                "motivé")
            Self.expectRefused(
                try await w.call(.post, "\(monthly)/reschedule", nil, ["heldOn": PathTests.day(-400), "reason": "R"]),
                "heldOn", "dans l'année")
            Self.expectRefused(
                try await w.call(.post, "\(monthly)/reschedule", nil, ["heldOn": before, "reason": "R"]), "heldOn",
                "déjà prévu")
            try await w.call(.post, "\(monthly)/reschedule", nil, ["heldOn": next, "reason": "R"])
                .expectProblem(.conflict)

            let rescheduled = try await w.call(
                .post, "\(monthly)/reschedule", nil, ["heldOn": moved, "reason": "Salle prise ce jour-là"])
            #expect(rescheduled.status == .ok)
            #expect(rescheduled.object["heldOn"] as? String == moved)
            #expect(rescheduled.object["status"] as? String == "planned")
            let reschedules = try #require(rescheduled.object["reschedules"] as? [[String: Any]])
            #expect(reschedules.count == 1)
            #expect(reschedules.first?["fromOn"] as? String == before)
            #expect(reschedules.first?["toOn"] as? String == moved)
            #expect(reschedules.first?["reason"] as? String == "Salle prise ce jour-là")

            // A partner's request taken by a published agenda waits for the next comité when
            // that comité is cancelled.
            let asked = try await w.call(
                .post, "/v1/households/\(w.world.household)/comite-requests", .partnerPartners,
                ["kind": "review", "reason": "Dette de loyer à examiner"])
            let request = try #require(UUID(uuidString: asked.object["id"] as? String ?? ""))
            func takenBy() async throws -> UUID? {
                try await withOwner { owner in
                    var comite: UUID?
                    for try await taken in try await owner.query(
                        "SELECT comite_id FROM comite_requests WHERE id = \(request)", logger: TestDatabase.logger
                    ).decode(UUID?.self) { comite = taken }
                    return comite
                }
            }
            try await ComiteTests.publish(w)
            #expect(try await takenBy() == UUID(uuidString: w.comites[0]))
            // Its sheets are frozen: it moves no earlier than the day it was published.
            Self.expectRefused(
                try await w.call(.post, "\(w.comite())/reschedule", nil, ["heldOn": PathTests.day(-3), "reason": "R"]),
                "heldOn", "figées")
            Self.expectRefused(
                try await w.call(.post, "\(w.comite())/cancel", nil, ["reason": ""]), "reason", "motivée")
            #expect(try await w.call(.post, "\(w.comite())/cancel", .leadBound, ["reason": "R"]).status == .forbidden)
            let cancelled = try await w.call(.post, "\(w.comite())/cancel", nil, ["reason": "Regroupé avec le mensuel"])
            #expect(cancelled.status == .ok)
            #expect(cancelled.object["status"] as? String == "cancelled")
            #expect(cancelled.object["cancellationReason"] as? String == "Regroupé avec le mensuel")
            #expect(cancelled.object["cancelledAt"] is String)
            for (uri, body) in [
                ("cancel", ["reason": "Encore"]), ("reschedule", ["heldOn": PathTests.day(5), "reason": "R"]),
            ] {
                try await w.call(.post, "\(w.comite())/\(uri)", nil, body).expectProblem(.conflict)
            }
            try await w.call(.post, "\(w.comite())/hold", nil, ["attendance": []]).expectProblem(.conflict)

            // A comité held last week keeps its day; its hold scheduled the monthly ones again,
            // but none on the day the monthly comité left.
            let past = try await w.call(
                .post, "/v1/cells/\(w.cell)/comites", nil, ["heldOn": PathTests.day(-7), "reason": "Séance tenue"])
            let held = "/v1/comites/\(try #require(past.object["id"] as? String))"
            #expect(try await w.call(.post, "\(held)/publish").status == .ok)
            #expect(try await w.call(.post, "\(held)/hold", nil, ["attendance": []]).status == .ok)
            try await w.call(.post, "\(held)/reschedule", nil, ["heldOn": PathTests.day(-6), "reason": "R"])
                .expectProblem(.conflict)
            try await w.call(.post, "\(held)/cancel", nil, ["reason": "R"]).expectProblem(.conflict)
            let days = try await w.call(.get, "/v1/cells/\(w.cell)/comites").items.compactMap {
                $0["heldOn"] as? String
            }
            #expect(!days.contains(before), "\(days)")

            let invited = (try await w.call(.get, "/v1/cells/\(w.cell)").object["people"] as? [Any])?.count
            let (topics, pending) = try await withOwner { owner in
                let rows = try await owner.query(
                    """
                    SELECT e.topic, cardinality(e.user_ids) FROM notify_events e JOIN comites c ON c.reference = e.reference
                    WHERE c.cell_id = \(UUID(uuidString: w.cell)!) AND e.topic IN ('comiteRescheduled', 'comiteCancelled')
                    ORDER BY e.created_at
                    """, logger: TestDatabase.logger)
                var topics: [String] = []
                for try await (topic, people) in rows.decode((String, Int).self) {
                    #expect(people == invited, "\(topic)")
                    topics.append(topic)
                }
                let waiting = try await owner.query(
                    "SELECT comite_id FROM comite_requests WHERE id = \(request)", logger: TestDatabase.logger)
                var pending = false
                for try await comite in waiting.decode(UUID?.self) { pending = comite == nil }
                return (topics, pending)
            }
            #expect(topics == ["comiteRescheduled", "comiteCancelled"])
            #expect(pending)
            #expect(try await takenBy() == nil)

            // Moved back: a reason recorded in an earlier transaction opens no later change.
            let back = try await w.call(
                .post, "\(monthly)/reschedule", nil, ["heldOn": before, "reason": "Salle libérée"])
            #expect(back.status == .ok)
            #expect((back.object["reschedules"] as? [Any])?.count == 2)

            // The database says the same, whoever writes: no change of day without its reason
            // recorded in the same transaction, none once held, nothing once cancelled.
            let monthlyID = String(monthly.split(separator: "/").last!)
            let heldID = String(held.split(separator: "/").last!)
            try await withRuntime { runtime in
                for (comite, change) in [
                    (w.comites[2], "held_on = held_on + 1"), (monthlyID, "held_on = '\(moved)'"),
                    (heldID, "held_on = held_on + 1"), (w.comites[0], "status = 'planned'"),
                    (w.comites[0], "cancellation_reason = 'autre'"),
                ] {
                    do {
                        try await runtime.withActor(w.facilitatorActor, logger: TestDatabase.logger) { connection in
                            try await connection.perform(
                                "UPDATE comites SET \(unescaped: change) WHERE id = \(UUID(uuidString: comite)!)",
                                logger: TestDatabase.logger)
                        }
                        Issue.record("\(change) sur \(comite) accepté")
                    } catch let error as PSQLError {
                        #expect(error.serverInfo?[.sqlState] == "23514", "\(change): \(String(reflecting: error))")
                    }
                }
            }
        }
    }

    /// A withdrawal is dated too: a consent's not before it was given, the household's own
    /// (libre adhésion) on its day in the path.
    @Test func withdrawalsTakeTheirDays() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let h = "/v1/households/\(world.household)"
            let lead = world.headers(.leadBound)
            // partE's consent, given ten days ago, typed today.
            let partE = world.organisations["partE"]!.id
            var given = HouseholdWorld.consent(recipient: partE, level: "partners")
            given["givenOn"] = PathTests.day(-10)
            let listed = try await client.execute(uri: h + "/consents", method: .post, headers: lead, body: json(given))
            let consent = Self.activeConsent(of: partE.uuidString, in: listed.items)
            let withdraw = h + "/consents/\(consent ?? "")/withdraw"
            Self.expectRefused(
                try await client.execute(
                    uri: withdraw, method: .post, headers: lead, body: json(["occurredOn": PathTests.day(-11)])),
                "occurredOn", "précède le consentement")
            let withdrawn = try await client.execute(
                uri: withdraw, method: .post, headers: lead, body: json(["occurredOn": PathTests.day(-1)]))
            #expect(withdrawn.status == .ok)
            let withdrawnOn = withdrawn.items.first { $0["id"] as? String == consent }?["withdrawnOn"] as? String
            #expect(withdrawnOn == PathTests.day(-1))

            let left = try await client.execute(
                uri: h + "/withdraw", method: .post, headers: lead, body: json(["occurredOn": PathTests.day(-2)]))
            #expect(left.object["status"] as? String == "withdrawn")
            let timeline = try await client.execute(uri: h + "/timeline?limit=200", method: .get, headers: lead)
            let moves = timeline.items.filter { $0["kind"] as? String == "pathTransition" }
            let last = moves.last.map { ($0["on"] as? String, ($0["details"] as? [String: Any])?["to"] as? String) }
            #expect(last?.0 == PathTests.day(-2) && last?.1 == "withdrawn")
        }
    }

    static func activeConsent(of organisation: String, in consents: [[String: Any]]) -> String? {
        consents.first {
            ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String == organisation
                && $0["active"] as? Bool == true
        }?["id"] as? String
    }
}
