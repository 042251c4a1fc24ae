import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// The household's path (issue 5) through HTTP: every stage, each wrong step answered with
/// the French sentence of what is missing, each write by the organisation it belongs to,
/// and the timeline as each reader may see it.
@Suite struct PathTests {
    /// A day relative to today, as the API writes days: the path's dates follow the clock.
    static func day(_ offset: Int, months: Int = 0) -> String {
        var date = Calendar.utc.date(byAdding: .day, value: offset, to: Calendar.utc.startOfDay(for: Date()))!
        date = Calendar.utc.date(byAdding: .month, value: months, to: date)!
        let parts = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    static func flat(reference: String = "ANT-\(UUID().uuidString.prefix(6))") -> [String: Any] {
        [
            "reference": reference, "commune": "Évry-Courcouronnes", "departement": "91", "type": "T3",
            "rent": "512.40", "charges": "85.00", "contingent": "landlord", "availableFrom": day(-60),
        ]
    }

    static func decision(_ proposal: String, _ decision: String, reason: String? = nil, on day: String) -> [String: Any]
    {
        var body: [String: Any] = ["proposalId": proposal, "decidedOn": day, "decision": decision]
        if let reason { body["refusalReason"] = reason }
        return body
    }

    /// The path as it stands, read by the lead organisation.
    static func status(_ client: some TestClientProtocol, _ world: HouseholdWorld) async throws -> String? {
        try await client.execute(
            uri: "/v1/households/\(world.household)", method: .get, headers: world.headers(.leadBound)
        ).object["status"] as? String
    }

    static func expectConflict(
        _ response: TestResponse, _ sentence: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        response.expectProblem(.conflict, sourceLocation: sourceLocation)
        let detail = response.object["detail"] as? String ?? ""
        #expect(detail.contains(sentence), "« \(detail) »", sourceLocation: sourceLocation)
    }

    @Test func aHouseholdWalksThePathAndEveryWrongStepIsExplained() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let h = "/v1/households/\(world.household)"
            let lead = world.headers(.leadBound)
            let bailleur = world.headers(.housingOfficer)
            func post(_ path: String, _ headers: HTTPFields, _ body: [String: Any]? = nil) async throws -> TestResponse
            {
                try await client.execute(uri: h + path, method: .post, headers: headers, body: body.map(json))
            }
            // The first validated diagnostic moved the accepted household on.
            #expect(try await Self.status(client, world) == "diagnosed")

            // Flats are the bailleur's.
            let flat = try await client.execute(
                uri: "/v1/flats", method: .post, headers: bailleur, body: json(Self.flat(reference: "ANT-EVRY-12")))
            #expect(flat.status == .created)
            #expect(flat.object["rent"] as? String == "512.40" && flat.object["type"] as? String == "T3")
            let flatID = try #require(flat.object["id"] as? String)
            Self.expectConflict(
                try await client.execute(
                    uri: "/v1/flats", method: .post, headers: bailleur, body: json(Self.flat(reference: "ANT-EVRY-12"))),
                "déjà un logement sous cette référence")
            try await client.execute(uri: "/v1/flats", method: .post, headers: lead, body: json(Self.flat()))
                .expectProblem(.forbidden)

            // No lease without a CAL attribution.
            let lease: [String: Any] = ["kind": "sliding", "signedOn": Self.day(-5), "referentAttended": true]
            Self.expectConflict(
                try await post("/leases", lead, lease), "Le bail suppose une attribution du logement par la CAL.")

            // A flat of another bailleur is not the bailleur's to propose.
            let otherFlat = try await withOwner { owner in
                let other = try await Fixtures.organisation(.socialLandlord, on: owner)
                let officer = try await Fixtures.user(in: other, roles: [.housingOfficer], on: owner)
                let id = UUID()
                try await owner.query(
                    """
                    INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement,
                                       flat_type, rent_cents, charges_cents, contingent, available_from)
                    VALUES (\(id), \(other.id), \(officer.id), 'AUTRE-1', 'Corbeil', '91', 'T2', 40000, 5000,
                            'landlord', current_date)
                    """)
                return id
            }
            try await post("/proposals", bailleur, ["flatId": otherFlat.uuidString, "proposedOn": Self.day(-30)])
                .expectProblem(.unprocessableContent, field: "flatId")
            try await post("/proposals", lead, ["flatId": flatID, "proposedOn": Self.day(-30)])
                .expectProblem(.forbidden)

            // First proposal, refused by the household: the CAL can no longer examine it.
            let first = try await post("/proposals", bailleur, ["flatId": flatID, "proposedOn": Self.day(-30)])
            #expect(first.status == .created)
            #expect((first.object["flat"] as? [String: Any])?["commune"] as? String == "Évry-Courcouronnes")
            let firstID = try #require(first.object["id"] as? String)
            #expect(try await Self.status(client, world) == "candidate")
            try await post("/proposals/\(firstID)/answer", lead, ["answer": "refused", "answeredOn": Self.day(-29)])
                .expectProblem(.unprocessableContent, field: "refusalReason")
            let refusal = try await post(
                "/proposals/\(firstID)/answer", lead,
                ["answer": "refused", "refusalReason": "location", "answeredOn": Self.day(-29)])
            #expect(refusal.status == .ok)
            #expect((refusal.object["answer"] as? [String: Any])?["refusalReason"] as? String == "location")
            Self.expectConflict(
                try await post(
                    "/proposals/\(firstID)/answer", bailleur, ["answer": "accepted", "answeredOn": Self.day(-28)]),
                "déjà enregistrée")
            Self.expectConflict(
                try await post("/cal-decisions", bailleur, Self.decision(firstID, "attribution", on: Self.day(-20))),
                "Le ménage a refusé ce logement")

            // Second proposal: the CAL refuses, with a reason from the list; no lease follows.
            let second = try await post("/proposals", bailleur, ["flatId": flatID, "proposedOn": Self.day(-25)])
            let secondID = try #require(second.object["id"] as? String)
            try await post("/cal-decisions", bailleur, Self.decision(secondID, "refusal", on: Self.day(-22)))
                .expectProblem(.unprocessableContent, field: "refusalReason")
            try await post(
                "/cal-decisions", bailleur, Self.decision(secondID, "refusal", reason: "tooPoor", on: Self.day(-22))
            ).expectProblem(.unprocessableContent, field: "refusalReason")
            try await post(
                "/cal-decisions", bailleur,
                Self.decision(secondID, "attribution", on: Self.day(-26))
            ).expectProblem(.unprocessableContent, field: "decidedOn")
            try await post("/cal-decisions", lead, Self.decision(secondID, "attribution", on: Self.day(-22)))
                .expectProblem(.forbidden)
            let refused = try await post(
                "/cal-decisions", bailleur,
                Self.decision(secondID, "refusal", reason: "incompleteFile", on: Self.day(-22)))
            #expect(refused.status == .created)
            #expect(try await Self.status(client, world) == "calDecided")
            Self.expectConflict(
                try await post("/leases", lead, lease), "Le bail suppose une attribution du logement par la CAL.")

            // Third proposal, attributed.
            let third = try await post("/proposals", bailleur, ["flatId": flatID, "proposedOn": Self.day(-15)])
            #expect(try await Self.status(client, world) == "candidate")
            let thirdID = try #require(third.object["id"] as? String)
            #expect(
                try await post("/cal-decisions", bailleur, Self.decision(thirdID, "attribution", on: Self.day(-10)))
                    .status == .created)
            Self.expectConflict(
                try await post("/proposals", bailleur, ["flatId": flatID, "proposedOn": Self.day(-9)]),
                "La CAL a déjà attribué un logement")

            // The contract comes before the lease, and covers six months in the flat.
            Self.expectConflict(
                try await post("/leases", lead, lease), "Le contrat d'accompagnement doit être signé avant le bail.")
            #expect(
                try await post(
                    "/contracts", lead,
                    ContractTests.contract(
                        startsOn: Self.day(-40), plannedEndOn: Self.day(60), signedOn: Self.day(-40))
                ).status == .created)
            Self.expectConflict(try await post("/leases", lead, lease), "doit couvrir au moins 6 mois")
            #expect(
                try await post(
                    "/contracts", lead,
                    ContractTests.contract(
                        startsOn: Self.day(-40), plannedEndOn: Self.day(-40, months: 14), signedOn: Self.day(-40))
                ).status == .created)
            var early = lease
            early["signedOn"] = Self.day(-12)
            try await post("/leases", lead, early).expectProblem(.unprocessableContent, field: "signedOn")
            try await post("/leases", bailleur, lease).expectProblem(.forbidden)
            let signed = try await post("/leases", lead, lease)
            #expect(signed.status == .created)
            #expect(signed.object["flatId"] as? String == flatID && signed.object["entryInspectionOn"] is NSNull)
            let leaseID = try #require(signed.object["id"] as? String)
            #expect(try await Self.status(client, world) == "leaseSigned")
            Self.expectConflict(try await post("/leases", lead, lease), "Un bail est déjà enregistré")

            // Alerts are the bailleur's, about a household in its flat; the référent is told.
            let arrears: [String: Any] = [
                "kind": "rentArrears", "reportedOn": Self.day(-3), "arrears": ["amount": "1240.50", "months": 3],
            ]
            try await post("/alerts", lead, arrears).expectProblem(.forbidden)
            try await post("/alerts", bailleur, ["kind": "rentArrears", "reportedOn": Self.day(-3)])
                .expectProblem(.unprocessableContent, field: "arrears")
            let alert = try await post("/alerts", bailleur, arrears)
            #expect(alert.status == .created)
            #expect((alert.object["arrears"] as? [String: Any])?["amount"] as? String == "1240.50")
            let alertID = try #require(alert.object["id"] as? String)
            let resolution: [String: Any] = ["resolvedOn": Self.day(-1), "resolution": "Plan d'apurement signé."]
            try await post("/alerts/\(alertID)/resolve", lead, resolution).expectProblem(.forbidden)
            #expect(try await post("/alerts/\(alertID)/resolve", bailleur, resolution).status == .ok)
            Self.expectConflict(try await post("/alerts/\(alertID)/resolve", bailleur, resolution), "déjà résolue")

            // The entry inspection: the household lives in the flat.
            Self.expectConflict(
                try await post("/leases/\(leaseID)/slide", lead, ["slidOn": Self.day(0)]), "une fois le ménage entré")
            try await post("/leases/\(leaseID)/entry", lead, ["entryInspectionOn": Self.day(-6)])
                .expectProblem(.conflict)
            #expect(
                try await post("/leases/\(leaseID)/entry", lead, ["entryInspectionOn": Self.day(-4)]).status == .ok)
            #expect(try await Self.status(client, world) == "accompaniedInFlat")
            Self.expectConflict(
                try await post("/leases/\(leaseID)/entry", lead, ["entryInspectionOn": Self.day(-4)]), "déjà enregistré"
            )
            let slid = try await post("/leases/\(leaseID)/slide", lead, ["slidOn": Self.day(0)])
            #expect(slid.object["slidOn"] as? String == Self.day(0))

            // The end, with its outcome; the stay in the flat is known once the months have passed.
            try await post("/end", lead, ["outcome": "moved", "endedOn": Self.day(0)])
                .expectProblem(.unprocessableContent, field: "outcome")
            try await post("/end", bailleur, ["outcome": "slidingLease", "endedOn": Self.day(0)])
                .expectProblem(.forbidden)
            let ended = try await post("/end", lead, ["outcome": "slidingLease", "endedOn": Self.day(0)])
            #expect(ended.status == .created)
            let outcomeID = try #require(ended.object["id"] as? String)
            #expect(try await Self.status(client, world) == "ended")
            Self.expectConflict(
                try await post("/outcomes/\(outcomeID)/stay", lead, ["months": 6, "inFlat": true]),
                "se constate à partir du")
            try await withOwner { owner in
                try await owner.query(
                    """
                    UPDATE leases SET signed_on = signed_on - interval '13 months',
                                      entry_inspection_on = entry_inspection_on - interval '13 months'
                    WHERE id = \(UUID(uuidString: leaseID)!)
                    """)
            }
            try await post("/outcomes/\(outcomeID)/stay", lead, ["months": 9, "inFlat": true])
                .expectProblem(.unprocessableContent, field: "months")
            #expect(try await post("/outcomes/\(outcomeID)/stay", lead, ["months": 6, "inFlat": true]).status == .ok)
            Self.expectConflict(
                try await post("/outcomes/\(outcomeID)/stay", lead, ["months": 6, "inFlat": false]), "déjà enregistré")
            let stay = try await post("/outcomes/\(outcomeID)/stay", lead, ["months": 12, "inFlat": false])
            #expect(
                stay.object["inFlatAt6Months"] as? Bool == true && stay.object["inFlatAt12Months"] as? Bool == false)

            // Closed: nothing moves until it is reopened (droit au recommencement).
            Self.expectConflict(
                try await post("/proposals", bailleur, ["flatId": flatID, "proposedOn": Self.day(0)]),
                "doit être rouvert")
            #expect(try await post("/reopen", lead).object["status"] as? String == "accepted")
            Self.expectConflict(try await post("/reopen", lead), "Seul un accompagnement clos")
            // Libre adhésion: the household withdraws; recorded by a bound user of the lead.
            try await post("/withdraw", world.headers(.partnerSecret)).expectProblem(.forbidden)
            #expect(try await post("/withdraw", lead).object["status"] as? String == "withdrawn")

            // Every move is in the timeline, in order.
            let timeline = try await client.execute(uri: h + "/timeline?limit=200", method: .get, headers: lead)
            let moves = timeline.items.filter { $0["kind"] as? String == "pathTransition" }
                .compactMap { ($0["details"] as? [String: Any])?["to"] as? String }
            #expect(
                moves == [
                    "oriented", "accepted", "diagnosed", "candidate", "calDecided", "candidate", "calDecided",
                    "leaseSigned", "accompaniedInFlat", "ended", "accepted", "withdrawn",
                ])
            let kinds = Set(timeline.items.compactMap { $0["kind"] as? String })
            #expect(
                kinds.isSuperset(of: [
                    "diagnosticValidated", "flatProposed", "proposalAnswered", "calDecision", "contractSigned",
                    "leaseSigned", "enteredFlat", "leaseSlid", "alertReported", "alertResolved", "outcome",
                ]), "\(kinds.sorted())")
            let days = timeline.items.compactMap { $0["on"] as? String }
            #expect(days == days.sorted())

            // The right of access holds the path too (R12).
            let export = try await client.execute(uri: h + "/export", method: .get, headers: lead).object
            for key in ["contracts", "proposals", "calDecisions", "leases", "alerts", "outcomes"] {
                #expect((export[key] as? [Any])?.isEmpty == false, "\(key)")
            }
            #expect((export["path"] as? [Any])?.count == timeline.items.count)
            let document = String(
                buffer: try await client.execute(uri: h + "/export?format=markdown", method: .get, headers: lead).body)
            for line in [
                "bail glissant signé le", "accompagné dans le logement", "1\u{202F}240,50\u{202F}€ sur 3 mois",
                "refusé par le ménage (localisation)", "décision de la CAL, refus (dossier incomplet)",
            ] {
                #expect(document.contains(line), "« \(line) »")
            }

            // The CAL's decisions and the alert were told through Notify, with the reference only.
            let topics = try await withOwner { owner in
                var topics: [String] = []
                for try await topic in try await owner.query(
                    "SELECT topic FROM notify_events WHERE household_id = \(world.household)"
                ).decode(String.self) { topics.append(topic) }
                return topics
            }
            #expect(topics.filter { $0 == "calDecisionRecorded" }.count == 2)
            #expect(topics.filter { $0 == "alertReported" }.count == 1)
        }
    }

    @Test func theTimelineShowsEachReaderWhatItMayRead() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let h = "/v1/households/\(world.household)"
            // A secret aid and a partners-level meeting by the lead organisation.
            #expect(
                try await client.execute(
                    uri: h + "/aids", method: .post, headers: world.headers(.leadBound),
                    body: json(SocialWorkTests.aid())
                ).status == .created)
            #expect(
                try await client.execute(
                    uri: h + "/meetings", method: .post, headers: world.headers(.leadBound),
                    body: json(SocialWorkTests.meeting(note: "Note secrète du rendez-vous."))
                ).status == .created)
            func kinds(_ seat: HouseholdWorld.Seat) async throws -> [String] {
                try await client.execute(uri: h + "/timeline", method: .get, headers: world.headers(seat)).items
                    .compactMap { $0["kind"] as? String }
            }
            for seat in [HouseholdWorld.Seat.leadBound, .partnerSecret] {
                #expect(Set(try await kinds(seat)).isSuperset(of: ["aid", "meeting", "pathTransition"]), "\(seat)")
            }
            for seat in [HouseholdWorld.Seat.partnerPartners, .housingOfficer, .facilitator] {
                let seen = try await kinds(seat)
                #expect(seen.contains("meeting") && !seen.contains("aid"), "\(seat)")
            }
            for seat in [HouseholdWorld.Seat.partnerWithdrawn, .evaluator, .otherProgramme, .orgAdmin] {
                try await client.execute(uri: h + "/timeline", method: .get, headers: world.headers(seat))
                    .expectProblem(.notFound)
            }
            // No free text in the timeline: the note stays in its own route.
            let body = try await client.execute(uri: h + "/timeline", method: .get, headers: world.headers(.leadBound))
            #expect(!String(buffer: body.body).contains("Note secrète"))

            // Pages follow each other without a gap or a repeat.
            let all = try await client.execute(
                uri: h + "/timeline?limit=200", method: .get, headers: world.headers(.leadBound)
            )
            .items.compactMap { $0["id"] as? String }
            var paged: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.execute(
                    uri: h + "/timeline?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get,
                    headers: world.headers(.leadBound))
                paged += page.items.compactMap { $0["id"] as? String }
                cursor = page.object["nextCursor"] as? String
            } while cursor != nil
            #expect(paged == all && all.count >= 5)
        }
    }

    @Test func aPlannedMeetingIsCompletedOnceByItsOrganisation() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let meetings = "/v1/households/\(world.household)/meetings"
            let planned = try await client.execute(
                uri: meetings, method: .post, headers: world.headers(.leadBound),
                body: json(SocialWorkTests.meeting(status: "planned", startsAt: "2025-06-02T09:00:00Z", duration: nil)))
            let id = try #require(planned.object["id"] as? String)
            let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2 * 86400))
            let future = try await client.execute(
                uri: meetings, method: .post, headers: world.headers(.leadBound),
                body: json(SocialWorkTests.meeting(status: "planned", startsAt: soon, duration: nil)))
            let futureID = try #require(future.object["id"] as? String)
            Self.expectConflict(
                try await client.execute(
                    uri: "\(meetings)/\(futureID)", method: .patch, headers: world.headers(.leadBound),
                    body: json(["status": "missed"])), "Un rendez-vous à venir")
            func complete(_ seat: HouseholdWorld.Seat, _ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(
                    uri: "\(meetings)/\(id)", method: .patch, headers: world.headers(seat), body: json(body))
            }
            try await complete(.leadBound, ["status": "held"]).expectProblem(
                .unprocessableContent, field: "durationMinutes")
            try await complete(.leadBound, ["status": "missed", "durationMinutes": 30])
                .expectProblem(.unprocessableContent, field: "durationMinutes")
            try await complete(.leadBound, ["status": "planned"]).expectProblem(.unprocessableContent, field: "status")
            try await complete(.partnerSecret, ["status": "held", "durationMinutes": 45]).expectProblem(.forbidden)
            try await complete(.housingOfficer, ["status": "held", "durationMinutes": 45]).expectProblem(.forbidden)
            try await complete(.partnerWithdrawn, ["status": "held", "durationMinutes": 45]).expectProblem(.notFound)
            let held = try await complete(.leadBound, ["status": "held", "durationMinutes": 45])
            #expect(held.status == .ok)
            #expect(held.object["status"] as? String == "held" && held.object["durationMinutes"] as? Int == 45)
            Self.expectConflict(try await complete(.leadBound, ["status": "missed"]), "déjà déclaré tenu")
        }
    }

    /// Steps sent at once are taken once: the path is read with the household's row locked,
    /// and a meeting is completed only while it is still planned.
    @Test func stepsTakenAtOnceAreTakenOnce() async throws {
        try await withApp(configure: { $0.database.poolSize = 4 }) { client in
            let world = try await HouseholdWorld.make(client)
            let oriented = try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(HouseholdWorld.orientation(programme: world.programme)))
            let household = try #require(oriented.object["id"] as? String)
            let meeting = try await client.execute(
                uri: "/v1/households/\(world.household)/meetings", method: .post, headers: world.headers(.leadBound),
                body: json(SocialWorkTests.meeting(status: "planned", duration: nil)))
            let meetingID = try #require(meeting.object["id"] as? String)
            let requests: [(String, HTTPRequest.Method, ByteBuffer)] =
                Array(
                    repeating: (
                        "/v1/households/\(household)/accept", .post,
                        json(["referentUserId": world.people[.leadBound]!.user.id.uuidString])
                    ), count: 4)
                + Array(
                    repeating: (
                        "/v1/households/\(world.household)/meetings/\(meetingID)", .patch,
                        json(["status": "held", "durationMinutes": 30])
                    ), count: 4)
            let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for (uri, method, body) in requests {
                    group.addTask {
                        let answer = try await client.execute(
                            uri: uri, method: method, headers: world.headers(.leadBound), body: body)
                        return (uri, Int(answer.status.code))
                    }
                }
                var statuses: [String: [Int]] = [:]
                for try await (uri, code) in group { statuses[uri, default: []].append(code) }
                return statuses
            }
            for (uri, codes) in statuses {
                #expect(codes.sorted() == [200, 409, 409, 409], "\(uri)")
            }
            let accepted = try await withOwner { owner in
                try await owner.query(
                    "SELECT count(*) FROM notify_events WHERE topic = 'householdAccepted' AND household_id = \(UUID(uuidString: household)!)"
                ).decode(Int.self).first { _ in true } ?? 0
            }
            #expect(accepted == 1)
        }
    }

    /// The database refuses a skipped stage and writes another organisation's records for
    /// nobody, whatever the Swift code does.
    @Test func theDatabaseKeepsThePathAndTheAuthorsApart() async throws {
        let box = WorldBox()
        try await withApp { client in await box.set(try await HouseholdWorld.make(client)) }
        let world = try #require(await box.world)
        try await withRuntime { client in
            let lead = world.people[.leadBound]!.actor
            let officer = world.people[.housingOfficer]!.actor
            await #expect(throws: PSQLError.self) {
                try await client.withActor(lead, logger: TestDatabase.logger) { connection in
                    try await connection.perform(
                        "UPDATE households SET status = 'leaseSigned' WHERE id = \(world.household)",
                        logger: TestDatabase.logger)
                }
            }
            // A household enters the path oriented, even through raw SQL that the policy lets in.
            await #expect(throws: PSQLError.self) {
                try await client.withActor(lead, logger: TestDatabase.logger) { connection in
                    try await connection.perform(
                        """
                        INSERT INTO households (id, reference, programme_id, status, oriented_by, lead_organisation_id,
                            single_parent, current_situation, public, action_logement_employee, resources_category)
                        VALUES (gen_random_uuid(), 'M-SQL' || left(md5(random()::text), 6), \(world.programme),
                                'leaseSigned', app_org_id(), app_org_id(), false, 'hotel', 'hotelFamily', false, 'none')
                        """, logger: TestDatabase.logger)
                }
            }
            // A social worker cannot add a flat, a proposal or an alert; a bailleur cannot sign a lease.
            let flat = UUID()
            try await client.withActor(officer, logger: TestDatabase.logger) { connection in
                try await connection.perform(
                    """
                    INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement,
                                       flat_type, rent_cents, charges_cents, contingent, available_from)
                    VALUES (\(flat), \(officer.organisationID), \(officer.userID), 'SQL-1', 'Évry', '91', 'T2', 40000,
                            5000, 'landlord', current_date)
                    """, logger: TestDatabase.logger)
            }
            for (actor, statement) in [
                (
                    lead,
                    "INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement, flat_type, rent_cents, charges_cents, contingent, available_from) VALUES (gen_random_uuid(), app_org_id(), app_user_id(), 'SQL-2', 'Évry', '91', 'T2', 40000, 5000, 'landlord', current_date)"
                ),
                (
                    lead,
                    "INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id, proposed_on) VALUES (gen_random_uuid(), '\(world.household)', '\(flat)', app_org_id(), app_user_id(), current_date)"
                ),
                (
                    lead,
                    "INSERT INTO alerts (id, household_id, author_organisation_id, author_user_id, kind, reported_on) VALUES (gen_random_uuid(), '\(world.household)', app_org_id(), app_user_id(), 'upkeep', current_date)"
                ),
            ] {
                await #expect(throws: PSQLError.self, "\(statement.prefix(24))") {
                    try await client.withActor(actor, logger: TestDatabase.logger) { connection in
                        try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
                    }
                }
            }
            let proposal = UUID()
            try await client.withActor(officer, logger: TestDatabase.logger) { connection in
                try await connection.perform(
                    """
                    INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id, proposed_on)
                    VALUES (\(proposal), \(world.household), \(flat), \(officer.organisationID), \(officer.userID),
                            current_date)
                    """, logger: TestDatabase.logger)
            }
            await #expect(throws: PSQLError.self) {
                try await client.withActor(officer, logger: TestDatabase.logger) { connection in
                    try await connection.perform(
                        """
                        INSERT INTO leases (id, household_id, proposal_id, author_organisation_id, author_user_id, kind,
                                            signed_on, referent_attended)
                        VALUES (gen_random_uuid(), \(world.household), \(proposal), \(officer.organisationID),
                                \(officer.userID), 'direct', current_date, true)
                        """, logger: TestDatabase.logger)
                }
            }
            // The flat is seen by its bailleur and, through the proposal, by the household's readers;
            // not by a partner whose consent was withdrawn.
            for (seat, expected) in [(HouseholdWorld.Seat.leadBound, 1), (.housingOfficer, 1), (.partnerWithdrawn, 0)] {
                let seen = try await client.withActor(world.people[seat]!.actor, logger: TestDatabase.logger) {
                    connection in
                    try await connection.query(
                        "SELECT count(*) FROM flats WHERE id = \(flat)", logger: TestDatabase.logger
                    )
                    .decode(Int.self).first { _ in true } ?? 0
                }
                #expect(seen == expected, "\(seat)")
            }
        }
    }
}
