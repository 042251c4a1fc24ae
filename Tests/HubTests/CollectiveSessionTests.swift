import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 22, item 4: a programme's collective workshops and permanences, recorded as sessions
/// with a number of participants (never names) by the partners who work with its households,
/// and counted in its indicators by period and kind.
@Suite(.serialized) struct CollectiveSessionTests {
    static func uri(_ world: HouseholdWorld) -> String { "/v1/programmes/\(world.programme)/collective-sessions" }

    static func session(_ kind: String = "workshop", participants: Int = 8, on day: String? = nil) -> [String: Any] {
        var body: [String: Any] = ["kind": kind, "theme": "energySavings", "participants": participants]
        if let day { body["heldOn"] = day }
        return body
    }

    /// ACCESS.md's matrix for both routes: every seat of HouseholdWorld. The organisations that
    /// work with the programme's households (holder and operator, referrers, landlord) record
    /// and list, through their persons who work on households; a funder, an administrator and
    /// the evaluator are refused (403); another programme's partner finds no programme (404).
    @Test func whoRecordsAndListsTheSessions() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let expected: [HouseholdWorld.Seat: HTTPResponse.Status] = [
                .leadBound: .created, .partnerSecret: .created, .partnerExpired: .created, .housingOfficer: .created,
                .facilitator: .created, .partnerPartners: .forbidden, .partnerWithdrawn: .forbidden,
                .orgAdmin: .forbidden, .evaluator: .forbidden, .otherProgramme: .notFound, .anonymous: .unauthorized,
            ]
            for seat in HouseholdWorld.Seat.allCases {
                let status = try #require(expected[seat])
                let created = try await client.execute(
                    uri: Self.uri(world), method: .post, headers: world.headers(seat), body: json(Self.session()))
                let listed = try await client.execute(uri: Self.uri(world), method: .get, headers: world.headers(seat))
                if status == .created {
                    #expect(created.status == .created, "\(seat)")
                    // Held by the recorder's own organisation, whatever the body says.
                    let person = try #require(world.people[seat])
                    #expect(
                        (created.object["organisationId"] as? String).flatMap(UUID.init(uuidString:))
                            == person.user.organisation.id, "\(seat)")
                    #expect(created.object["heldOn"] as? String == Day.today().iso)
                    #expect(listed.status == .ok, "\(seat)")
                } else {
                    created.expectProblem(status)
                    listed.expectProblem(status)
                }
            }
            // Each recorder reads the programme's sessions, its partners' included.
            let all = try await client.execute(
                uri: Self.uri(world), method: .get, headers: world.headers(.partnerSecret))
            let holders = Set(all.items.compactMap { $0["organisationId"] as? String })
            #expect(all.items.count == 5)
            #expect(holders.count == 4)
            #expect(all.items.allSatisfy { Set($0.keys) == Self.keys })
        }
    }

    static let keys: Set<String> = [
        "id", "programmeId", "organisationId", "heldOn", "kind", "theme", "participants", "createdAt",
    ]

    @Test func aSessionIsCheckedAndPaged() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let lead = world.headers(.leadBound)
            func post(_ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(uri: Self.uri(world), method: .post, headers: lead, body: json(body))
            }
            try await post(Self.session("atelier")).expectProblem(.unprocessableContent, field: "kind")
            try await post(["kind": "workshop", "theme": "cuisine", "participants": 3])
                .expectProblem(.unprocessableContent, field: "theme")
            try await post(Self.session(participants: -1)).expectProblem(.unprocessableContent, field: "participants")
            try await post(Self.session(participants: 501)).expectProblem(.unprocessableContent, field: "participants")
            try await post(Self.session(on: PathTests.day(2))).expectProblem(.unprocessableContent, field: "heldOn")
            try await post(Self.session(on: "2023-12-31")).expectProblem(.unprocessableContent, field: "heldOn")
            // Names are no part of a session.
            var named = Self.session()
            named["names"] = ["Mme Diallo"]
            try await post(named).expectProblem(.badRequest)

            // Five sessions over five days, read two at a time, the latest day first.
            for days in [-1, -5, -3, -2, -4] {
                #expect(try await post(Self.session(on: PathTests.day(days))).status == .created)
            }
            var days: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.execute(
                    uri: Self.uri(world) + "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get,
                    headers: lead)
                #expect(page.status == .ok)
                #expect(page.items.count <= 2)
                days += page.items.compactMap { $0["heldOn"] as? String }
                cursor = page.object["nextCursor"] as? String
            } while cursor != nil
            #expect(days == [-1, -2, -3, -4, -5].map { PathTests.day($0) })
            try await client.execute(uri: Self.uri(world) + "?cursor=xyz", method: .get, headers: lead)
                .expectProblem(.badRequest, field: "cursor")
            // An unknown programme is one that does not exist (R7).
            try await client.execute(
                uri: "/v1/programmes/\(UUID())/collective-sessions", method: .post, headers: lead,
                body: json(Self.session())
            ).expectProblem(.notFound)
        }
    }

    /// The database refuses on its own what the routes refuse: a session in another
    /// organisation's name, or recorded by a funder; an evaluator reads no row.
    @Test func theDatabaseEnforcesTheSameRules() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            #expect(
                try await client.execute(
                    uri: Self.uri(world), method: .post, headers: world.headers(.leadBound), body: json(Self.session())
                ).status == .created)
            let programme = world.programme
            func insert(as seat: HouseholdWorld.Seat, organisation: UUID) async throws {
                let person = world.people[seat]!
                try await withRuntime { runtime in
                    try await runtime.withActor(person.actor, logger: TestDatabase.logger) {
                        try await $0.perform(
                            """
                            INSERT INTO collective_sessions (id, programme_id, organisation_id, recorded_by, held_on,
                                                             kind, theme, participants)
                            VALUES (\(UUID()), \(programme), \(organisation), \(person.user.id), current_date,
                                    'workshop', 'rehousing', 4)
                            """, logger: TestDatabase.logger)
                    }
                }
            }
            let op = world.people[.leadBound]!.user.organisation.id
            let ref = world.organisations["ref"]!.id
            await #expect(throws: PSQLError.self) { try await insert(as: .leadBound, organisation: ref) }
            await #expect(throws: PSQLError.self) {
                try await insert(as: .partnerPartners, organisation: world.organisations["partP"]!.id)
            }
            await #expect(throws: PSQLError.self) {
                try await insert(as: .evaluator, organisation: world.people[.evaluator]!.user.organisation.id)
            }
            try await insert(as: .leadBound, organisation: op)
            func count(as seat: HouseholdWorld.Seat) async throws -> Int {
                try await withRuntime { runtime in
                    try await runtime.withActor(world.people[seat]!.actor, logger: TestDatabase.logger) {
                        let rows = try await $0.query(
                            "SELECT count(*)::integer FROM collective_sessions WHERE programme_id = \(programme)",
                            logger: TestDatabase.logger)
                        for try await count in rows.decode(Int.self) { return count }
                        return -1
                    }
                }
            }
            #expect(try await count(as: .partnerSecret) == 2)
            #expect(try await count(as: .evaluator) == 0)
            #expect(try await count(as: .orgAdmin) == 0)
            #expect(try await count(as: .otherProgramme) == 0)
        }
    }

    /// The indicators count the sessions and their participants per period and kind, and
    /// publish them however few: no household is behind them (`countsHouseholds`).
    @Test func theIndicatorsCountSessionsAndParticipantsByKind() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            for (kind, participants, day) in [
                ("workshop", 9, "2025-03-12"), ("workshop", 2, "2025-03-20"), ("permanence", 1, "2025-05-05"),
            ] {
                let created = try await client.execute(
                    uri: Self.uri(world), method: .post, headers: world.headers(.housingOfficer),
                    body: json(Self.session(kind, participants: participants, on: day)))
                #expect(created.status == .created)
            }
            _ = try await withOwner { try await $0.query("SELECT indicator_refresh()").collect() }
            func figures(_ period: String) async throws -> [String: (Int?, [String: Int?])] {
                let report = try await client.execute(
                    uri: "/v1/programmes/\(world.programme)/indicators?period=\(period)", method: .get,
                    headers: world.headers(.evaluator))
                #expect(report.status == .ok)
                var figures: [String: (Int?, [String: Int?])] = [:]
                for indicator in report.object["indicators"] as? [[String: Any]] ?? [] {
                    let code = indicator["code"] as? String ?? ""
                    guard code.hasPrefix("collective") else { continue }
                    let breakdown = (indicator["breakdowns"] as? [[String: Any]])?.first
                    #expect(breakdown?["code"] as? String == "sessionKind")
                    var cells: [String: Int?] = [:]
                    for cell in breakdown?["cells"] as? [[String: Any]] ?? [] {
                        cells[cell["category"] as? String ?? "?"] = cell["value"] as? Int
                        #expect(cell["suppressed"] is NSNull)
                        #expect(
                            cell["label"] as? String
                                == CollectiveSessionVocabulary.kinds[cell["category"] as? String ?? "?"])
                    }
                    figures[code] = (indicator["value"] as? Int, cells)
                }
                return figures
            }
            let year = try await figures("2025")
            #expect(year["collectiveSessions"]?.0 == 3)
            #expect(year["collectiveSessions"]?.1 == ["workshop": 2, "permanence": 1])
            #expect(year["collectiveParticipants"]?.0 == 12)
            #expect(year["collectiveParticipants"]?.1 == ["workshop": 11, "permanence": 1])
            let march = try await figures("2025-03")
            #expect(march["collectiveSessions"]?.0 == 2)
            #expect(march["collectiveParticipants"]?.0 == 11)
            #expect(march["collectiveParticipants"]?.1["workshop"] == 11)
            let april = try await figures("2025-04")
            #expect(april["collectiveSessions"]?.0 == 0)
        }
    }
}
