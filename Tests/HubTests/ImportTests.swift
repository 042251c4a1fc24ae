import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 19: a running caseload brought in from a JSON Lines file, each fact through the API's
/// own rules, one transaction per household, a French report per line.
@Suite struct ImportTests {
    static let sample = TestDatabase.packageRoot.appendingPathComponent("deploy/import-sample.jsonl")

    /// A programme of 2024 whose opérateur imports, with an evaluator and an organisation outside it.
    struct World {
        let programme: UUID
        let importer: Fixtures.User
        let token: String
        let unbound: String
        let evaluator: String
        let outsider: String
    }

    static func world() async throws -> World {
        try await withOwner { owner in
            let op = try await Fixtures.organisation(.supportOperator, on: owner)
            let state = try await Fixtures.organisation(.state, on: owner)
            let other = try await Fixtures.organisation(.supportOperator, on: owner)
            let programme = try await Fixtures.programme(
                partners: [(op, .holder), (op, .operator), (state, .evaluator)], on: owner)
            let importer = try await Fixtures.user(in: op, roles: [.socialWorker], bound: true, on: owner)
            return World(
                programme: programme, importer: importer, token: try await Fixtures.token(for: importer, on: owner),
                unbound: try await Fixtures.token(
                    for: try await Fixtures.user(in: op, roles: [.socialWorker], on: owner), on: owner),
                evaluator: try await Fixtures.token(
                    for: try await Fixtures.user(in: state, roles: [.evaluator], on: owner), on: owner),
                outsider: try await Fixtures.token(
                    for: try await Fixtures.user(in: other, roles: [.socialWorker], bound: true, on: owner), on: owner))
        }
    }

    static func post(
        _ client: some TestClientProtocol, _ world: World, _ body: Data, token: String? = nil, dryRun: Bool = false,
        contentType: String = "application/x-ndjson"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/programmes/\(world.programme)/imports" + (dryRun ? "?dryRun=true" : ""), method: .post,
            headers: bearer(token ?? world.token) + [.contentType: contentType], body: ByteBuffer(data: body))
    }

    /// What the programme holds, counted by the owner: the import must change none of it twice.
    static func holdings(_ programme: UUID) async throws -> [String: Int] {
        try await withOwner { owner in
            var counts: [String: Int] = [:]
            for (name, sql) in [
                ("households", "SELECT count(*) FROM households WHERE programme_id = $1"),
                (
                    "persons",
                    "SELECT count(*) FROM household_persons p JOIN households h ON h.id = p.household_id WHERE h.programme_id = $1"
                ),
                (
                    "diagnostics",
                    "SELECT count(*) FROM diagnostics d JOIN households h ON h.id = d.household_id WHERE h.programme_id = $1"
                ),
                (
                    "contracts",
                    "SELECT count(*) FROM contracts c JOIN households h ON h.id = c.household_id WHERE h.programme_id = $1"
                ),
                (
                    "meetings",
                    "SELECT count(*) FROM meetings m JOIN households h ON h.id = m.household_id WHERE h.programme_id = $1"
                ),
                (
                    "aids",
                    "SELECT count(*) FROM aids a JOIN households h ON h.id = a.household_id WHERE h.programme_id = $1"
                ),
                (
                    "imports",
                    "SELECT count(*) FROM household_imports i JOIN households h ON h.id = i.household_id WHERE h.programme_id = $1"
                ),
                (
                    "notifications",
                    "SELECT count(*) FROM notify_events e JOIN households h ON h.id = e.household_id WHERE h.programme_id = $1"
                ),
            ] {
                var query = PostgresQuery(unsafeSQL: sql)
                query.binds.append(programme)
                for try await count in try await owner.query(query, logger: TestDatabase.logger).decode(Int.self) {
                    counts[name] = count
                }
            }
            return counts
        }
    }

    static func sampleLines() throws -> [[String: Any]] {
        try String(contentsOf: sample, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func jsonl(_ lines: [[String: Any]]) throws -> Data {
        Data(
            try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
                .joined(separator: "\n").utf8)
    }

    @Test func theSampleImportsInOneRunAndAgainChangesNothing() async throws {
        let world = try await Self.world()
        let sample = try Data(contentsOf: Self.sample)
        try await withApp { client in
            let first = try await Self.post(client, world, sample)
            #expect(first.status == .ok, "\(first.object)")
            #expect(first.object["imported"] as? Int == 30)
            #expect(first.object["refused"] as? Int == 0)
            // Written two at a time, reported in the file's order.
            #expect((first.object["results"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == Array(1...30))
            #expect((first.object["summary"] as? String)?.contains("30 ménage(s) importé(s)") == true)
            let imported = try await Self.holdings(world.programme)
            #expect(imported["households"] == 30)
            #expect(imported["imports"] == 30)
            #expect(imported["meetings"] ?? 0 > 100)
            #expect(imported["notifications"] == 0, "history is not news")

            let again = try await Self.post(client, world, sample)
            #expect(again.status == .ok)
            #expect(again.object["imported"] as? Int == 0)
            #expect(again.object["unchanged"] as? Int == 30)
            #expect(try await Self.holdings(world.programme) == imported)

            // The facts kept their days, and the household's access log shows the import, by whom.
            let results = try #require(first.object["results"] as? [[String: Any]])
            let id = try #require(results.first?["householdId"] as? String)
            let household = try await client.execute(
                uri: "/v1/households/\(id)", method: .get, headers: bearer(world.token))
            #expect(household.object["orientedOn"] as? String == "2024-01-08")
            let log = try await client.execute(
                uri: "/v1/households/\(id)/access-log", method: .get, headers: bearer(world.token))
            let entries = try #require(log.object["items"] as? [[String: Any]])
            let entry = try #require(entries.first { $0["action"] as? String == "household.import" })
            #expect((entry["userName"] as? String)?.hasPrefix("Personne") == true)
            #expect(entry["outcome"] as? String == "changed")
        }
    }

    /// The State's report on the imported programme says what the file holds: each figure the
    /// evaluator reads for 2024 and 2025 equals a count made from the sample's lines, by the
    /// definitions of DOMAIN.md (the days things happened, not the day of the import), or is
    /// hidden because fewer than the threshold's households are behind it.
    @Test func theImportedProgrammesIndicatorsAreTheFilesCounts() async throws {
        let world = try await Self.world()
        let lines = try Self.sampleLines()
        let expected = [2024, 2025].map { Self.counts(lines, year: $0) }
        try await withApp { client in
            #expect(try await Self.post(client, world, try Data(contentsOf: Self.sample)).status == .ok)
            _ = try await withOwner { owner in
                try await owner.query("SELECT indicator_refresh()", logger: TestDatabase.logger).collect()
            }
            for (year, expected) in zip([2024, 2025], expected) {
                let report = try await client.execute(
                    uri: "/v1/programmes/\(world.programme)/indicators?period=\(year)", method: .get,
                    headers: bearer(world.evaluator))
                #expect(report.status == .ok)
                let indicators = try #require(report.object["indicators"] as? [[String: Any]])
                let values = Dictionary(
                    uniqueKeysWithValues: indicators.compactMap { i in (i["code"] as? String).map { ($0, i["value"]) } }
                )
                var published = 0
                defer { #expect(published >= 5, "\(year): \(published) figures published") }
                for (code, count) in expected {
                    if let value = values[code] as? Int {
                        published += 1
                        #expect(value == count, "\(year) \(code)")
                    } else {
                        #expect(count > 0 && count < 5, "\(year) \(code) masqué alors qu'il vaut \(count)")
                    }
                }
            }
        }
    }

    /// The counts of bench/import_file.py --count, from the lines.
    static func counts(_ lines: [[String: Any]], year: Int) -> [String: Int] {
        func inYear(_ day: String?) -> Bool { day?.hasPrefix("\(year)") == true }
        func yearOf(_ day: String) -> Int { Int(day.prefix(4))! }
        var counts = [
            "oriented": 0, "accepted": 0, "followed": 0, "ended": 0, "priorHotelStay": 0, "daloFollowed": 0,
            "actionLogementFollowed": 0,
        ]
        for line in lines {
            let orientation = line["orientation"] as? [String: Any] ?? [:]
            let orientedOn = orientation["orientedOn"] as? String
            let accepted = (line["acceptance"] as? [String: Any])?["occurredOn"] as? String
            let ended = (line["end"] as? [String: Any])?["endedOn"] as? String
            let followed = accepted.map { yearOf($0) <= year && (ended.map { yearOf($0) >= year } ?? true) } ?? false
            counts["oriented"]! += inYear(orientedOn) ? 1 : 0
            counts["accepted"]! += inYear(accepted) ? 1 : 0
            counts["ended"]! += inYear(ended) ? 1 : 0
            counts["priorHotelStay"]! +=
                orientation["currentSituation"] as? String == "hotel" && inYear(orientedOn) ? 1 : 0
            counts["followed"]! += followed ? 1 : 0
            counts["daloFollowed"]! += followed && orientation["dalo"] != nil ? 1 : 0
            counts["actionLogementFollowed"]! +=
                followed && orientation["actionLogementEmployee"] as? Bool == true ? 1 : 0
        }
        return counts
    }

    /// One broken line per rule: one French refusal per line naming its field, and nothing of
    /// those households written, not even the facts before the refused one.
    @Test func everyBrokenLineIsRefusedInFrenchAndWritesNothing() async throws {
        let world = try await Self.world()
        let base = try Self.sampleLines()[0]
        func broken(_ reference: String, _ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var line = base
            line["reference"] = reference
            change(&line)
            return line
        }
        func edit(_ line: inout [String: Any], _ section: String, _ change: (inout [String: Any]) -> Void) {
            var object = line[section] as? [String: Any] ?? [:]
            change(&object)
            line[section] = object
        }
        func editFirst(_ line: inout [String: Any], _ section: String, _ change: (inout [String: Any]) -> Void) {
            var list = line[section] as? [[String: Any]] ?? []
            change(&list[0])
            line[section] = list
        }
        let cases: [(String, [String: Any])] = [
            (
                "orientation.orientedOn",
                broken("future") { edit(&$0, "orientation") { $0["orientedOn"] = "2099-01-01" } }
            ),
            (
                "orientation.orientedOn",
                broken("before") { edit(&$0, "orientation") { $0["orientedOn"] = "2023-06-01" } }
            ),
            ("orientation.public", broken("public") { edit(&$0, "orientation") { $0["public"] = "inconnu" } }),
            ("orientation.surnom", broken("nested") { edit(&$0, "orientation") { $0["surnom"] = "x" } }),
            ("acceptance.occurredOn", broken("accept") { edit(&$0, "acceptance") { $0["occurredOn"] = "2024-01-01" } }),
            (
                "acceptance.referentEmail",
                broken("referent") { edit(&$0, "acceptance") { $0["referentEmail"] = "personne@nulle.part" } }
            ),
            (
                "diagnostics[0].validatedOn",
                broken("diagnostic") { editFirst(&$0, "diagnostics") { $0["validatedOn"] = "2099-01-01" } }
            ),
            ("contract.kind", broken("contract") { edit(&$0, "contract") { $0["kind"] = "cdi" } }),
            (
                "meetings[0].durationMinutes",
                broken("meeting") { editFirst(&$0, "meetings") { $0["durationMinutes"] = 0 } }
            ),
            ("aids[0].amount", broken("aid") { editFirst(&$0, "aids") { $0["amount"] = "12,50" } }),
            ("end.endedOn", broken("end") { edit(&$0, "end") { $0["endedOn"] = "2024-01-02" } }),
            ("surnom", broken("unknown") { $0["surnom"] = "x" }),
            ("reference", broken("nul\u{0}") { _ in }),
            (
                "acceptance.referentEmail",
                broken("referent-nul") { edit(&$0, "acceptance") { $0["referentEmail"] = "a\u{0}@b.fr" } }
            ),
            ("diagnostics[0].content", broken("content") { editFirst(&$0, "diagnostics") { $0["content"] = "texte" } }),
            ("housing", broken("housing") { $0["housing"] = ["proposedOn": "2024-02-05"] }),
            ("housing.answer", broken("housing-answer") { $0["housing"] = ["answer": "oui"] }),
            (
                "diagnostics[0].surnom",
                broken("diagnostic-key") { editFirst(&$0, "diagnostics") { $0["surnom"] = "x" } }
            ),
            ("reference", broken("") { _ in }),
        ]
        var file = try Self.jsonl(cases.map(\.1))
        let raw: [Data] = [
            Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]),  // not UTF-8
            Data(#"{"reference":"tronquée","orientation":{"orientedOn":"2024-"#.utf8),
            Data(#"{"reference":"longue","x":""#.utf8) + Data(repeating: 0x61, count: 70_000) + Data(#""}"#.utf8),
        ]
        for line in raw { file += Data("\n".utf8) + line }
        let body = file
        let expected: [String?] = cases.map(\.0) + raw.map { _ in nil }
        try await withApp { client in
            let answer = try await Self.post(client, world, body)
            answer.expectProblem(.unprocessableContent)
            let report = try #require(answer.object["report"] as? [String: Any])
            #expect(report["refused"] as? Int == expected.count)
            let results = try #require(report["results"] as? [[String: Any]])
            #expect(results.count == expected.count)
            for (result, expected) in zip(results, expected) {
                #expect(result["outcome"] as? String == "refused")
                let refusals = try #require(result["refusals"] as? [[String: Any]])
                #expect(refusals.count >= 1, "\(result)")
                #expect(refusals.first?["field"] as? String == expected, "\(result)")
                let message = refusals.first?["message"] as? String ?? ""
                #expect(message.count > 10 && !message.contains("Error"), "\(message)")
            }
            #expect(try await Self.holdings(world.programme)["households"] == 0)
            // Each line refused in its transaction is audited as a denied import, by whom.
            let denied = try await withOwner { owner in
                let rows = try await owner.query(
                    """
                    SELECT count(*)::integer FROM audit_log
                    WHERE action = 'household.import' AND outcome = 'denied' AND user_id = \(world.importer.id)
                    """, logger: TestDatabase.logger)
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            #expect(denied >= 10, "\(denied)")
        }
    }

    /// A reference given twice in one file is written once, whichever lines run together:
    /// the same content again is unchanged, another content is refused.
    @Test func aReferenceGivenTwiceInOneFileIsWrittenOnce() async throws {
        let world = try await Self.world()
        let lines = try Self.sampleLines()
        var other = lines[0]
        other["orientation"] = lines[1]["orientation"]
        let file = try Self.jsonl([lines[0], lines[0], other, lines[2]])
        try await withApp { client in
            for dryRun in [true, false] {
                let answer = try await Self.post(client, world, file, dryRun: dryRun)
                answer.expectProblem(.unprocessableContent)
                let results = (answer.object["report"] as? [String: Any])?["results"] as? [[String: Any]] ?? []
                #expect(
                    results.compactMap { $0["outcome"] as? String } == [
                        "imported", "unchanged", "refused", "imported",
                    ], "dry run \(dryRun)")
            }
            #expect(try await Self.holdings(world.programme)["households"] == 2)
        }
    }

    @Test func aDryRunWritesNothingAndAReferenceWithOtherContentIsNotMerged() async throws {
        let world = try await Self.world()
        var lines = Array(try Self.sampleLines().prefix(3))
        let three = try Self.jsonl(lines)
        let first = try Self.jsonl([lines[0]])
        var meetings = lines[1]["meetings"] as? [[String: Any]] ?? []
        meetings.append(["kind": "phone", "status": "held", "startsAt": "2024-06-03T10:00:00Z", "durationMinutes": 20])
        lines[1]["meetings"] = meetings
        let changed = try Self.jsonl(lines)
        try await withApp { client in
            let dry = try await Self.post(client, world, three, dryRun: true)
            #expect(dry.status == .ok)
            #expect(dry.object["imported"] as? Int == 3)
            #expect(dry.object["dryRun"] as? Bool == true)
            #expect(try await Self.holdings(world.programme)["households"] == 0)

            #expect(try await Self.post(client, world, three).status == .ok)
            let before = try await Self.holdings(world.programme)
            let answer = try await Self.post(client, world, changed)
            answer.expectProblem(.unprocessableContent)
            let results = (answer.object["report"] as? [String: Any])?["results"] as? [[String: Any]] ?? []
            let refused = results.filter { $0["outcome"] as? String == "refused" }
            #expect(refused.count == 1)
            #expect(refused.first?["line"] as? Int == 2)
            #expect(((refused.first?["refusals"] as? [[String: Any]])?.first)?["field"] as? String == "reference")
            #expect(try await Self.holdings(world.programme) == before)
            let dryAgain = try await Self.post(client, world, first, dryRun: true)
            #expect(dryAgain.object["unchanged"] as? Int == 1)
        }
    }

    /// Two imports of one file at once (a double click, a retry after a timeout) write each
    /// household once: a line the other import kept first is unchanged or refused, never a 500.
    @Test func twoImportsOfOneFileAtOnceWriteEachHouseholdOnce() async throws {
        let world = try await Self.world()
        let file = try Self.jsonl(Array(try Self.sampleLines().prefix(8)))
        try await withApp { client in
            async let first = Self.post(client, world, file)
            async let second = Self.post(client, world, file)
            for answer in try await [first, second] {
                #expect([200, 422].contains(answer.status.code), "\(answer.object)")
                let report = answer.object["report"] as? [String: Any] ?? answer.object
                for result in report["results"] as? [[String: Any]] ?? []
                where result["outcome"] as? String == "refused" {
                    #expect(((result["refusals"] as? [[String: Any]])?.first)?["field"] as? String == "reference")
                }
            }
            #expect(try await Self.holdings(world.programme)["households"] == 8)
        }
    }

    /// Who may import, and what the route answers to a bad request as a whole.
    @Test func theRouteAnswersEachSeatAndEachBadRequest() async throws {
        let world = try await Self.world()
        let line = try Self.jsonl([try Self.sampleLines()[0]])
        try await withApp { client in
            try await Self.post(client, world, line, token: world.evaluator).expectProblem(.forbidden)
            try await Self.post(client, world, line, token: world.unbound).expectProblem(.forbidden)
            try await Self.post(client, world, line, token: world.outsider).expectProblem(.notFound)
            let unknown = try await client.execute(
                uri: "/v1/programmes/\(UUID())/imports", method: .post,
                headers: bearer(world.token) + [.contentType: "application/x-ndjson"], body: ByteBuffer(data: line))
            unknown.expectProblem(.notFound)
            try await Self.post(client, world, line, contentType: "application/json").expectProblem(
                .unsupportedMediaType)
            try await Self.post(client, world, Data()).expectProblem(.badRequest)
            try await Self.post(client, world, Data(repeating: 0x0A, count: ImportController.bodyLimit + 1))
                .expectProblem(.contentTooLarge)
            let maybe = try await client.execute(
                uri: "/v1/programmes/\(world.programme)/imports?dryRun=peut-etre", method: .post,
                headers: bearer(world.token) + [.contentType: "application/x-ndjson"], body: ByteBuffer(data: line))
            maybe.expectProblem(.badRequest, field: "dryRun")
            #expect(try await Self.holdings(world.programme)["households"] == 0)
        }
    }

    /// `hub import` streams the file: the sample, then again, as the operator would run it.
    @Test func theCommandImportsTheSampleAndThenChangesNothing() async throws {
        let world = try await Self.world()
        let programme = world.programme.uuidString
        try await ImportCommand.parse(["--programme", programme, "--as", world.importer.email, Self.sample.path]).run()
        let imported = try await Self.holdings(world.programme)
        #expect(imported["households"] == 30)
        try await ImportCommand.parse(["--programme", programme, "--as", world.importer.email, Self.sample.path]).run()
        #expect(try await Self.holdings(world.programme) == imported)
        await #expect(throws: (any Error).self) {
            try await ImportCommand.parse(["--programme", programme, "--as", "personne@nulle.part", Self.sample.path])
                .run()
        }
    }

    /// A housed household: the bailleur's facts (flat, proposal, answer, CAL decision, alert)
    /// recorded as the bailleur's housing officer (`--landlord-as`), the lease and the entry as
    /// the référent; its path ends in the flat. Through the API, the same line is refused on
    /// `housing`, since nobody acts there for another organisation.
    @Test func theCommandRecordsTheBailleursFactsAsTheBailleur() async throws {
        let (world, landlord, officer) = try await withOwner { owner in
            let op = try await Fixtures.organisation(.supportOperator, on: owner)
            let land = try await Fixtures.organisation(.socialLandlord, on: owner)
            let programme = try await Fixtures.programme(
                partners: [(op, .holder), (op, .operator), (land, .landlord)], on: owner)
            let importer = try await Fixtures.user(in: op, roles: [.socialWorker], bound: true, on: owner)
            let officer = try await Fixtures.user(in: land, roles: [.housingOfficer], on: owner)
            let token = try await Fixtures.token(for: importer, on: owner)
            return (
                World(
                    programme: programme, importer: importer, token: token, unbound: token, evaluator: token,
                    outsider: token),
                land.id, officer
            )
        }
        var line = try Self.sampleLines()[0]
        var consent = (line["orientation"] as? [String: Any])?["consent"] as? [String: Any] ?? [:]
        consent["recipientOrganisationId"] = landlord.uuidString
        consent["level"] = "partners"
        line["careTeam"] = [["organisationId": landlord.uuidString, "occurredOn": "2024-01-15"]]
        line["consents"] = [consent]
        line["housing"] = [
            "flat": [
                "reference": "ANT-\(UUID().uuidString.prefix(6))", "commune": "Évry-Courcouronnes", "departement": "91",
                "type": "T3", "rent": "512.40", "charges": "85.00", "contingent": "landlord",
                "availableFrom": "2023-12-01",
            ],
            "proposedOn": "2024-02-05",
            "answer": ["answer": "accepted", "answeredOn": "2024-02-07"],
            "calDecision": ["decidedOn": "2024-02-20", "decision": "attribution"],
            "lease": ["kind": "direct", "signedOn": "2024-03-01", "referentAttended": true],
            "entryInspectionOn": "2024-03-04",
            "alerts": [
                [
                    "kind": "rentArrears", "reportedOn": "2024-05-02", "arrears": ["amount": "300.00", "months": 1],
                    "resolution": ["resolvedOn": "2024-06-01", "resolution": "Plan d'apurement"],
                ]
            ],
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID()).jsonl")
        let body = try Self.jsonl([line])
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let arguments = ["--programme", world.programme.uuidString, "--as", world.importer.email, file.path]
        // Without the bailleur, the line is refused and nothing is written.
        await #expect(throws: (any Error).self) { try await ImportCommand.parse(arguments).run() }
        #expect(try await Self.holdings(world.programme)["households"] == 0)
        try await ImportCommand.parse(arguments + ["--landlord-as", officer.email]).run()
        let facts = try await withOwner { owner in
            let rows = try await owner.query(
                """
                SELECT h.status, (SELECT count(*) FROM proposals p WHERE p.household_id = h.id),
                       (SELECT count(*) FROM leases l WHERE l.household_id = h.id),
                       (SELECT count(*) FROM alerts a WHERE a.household_id = h.id AND a.resolved_on IS NOT NULL)
                FROM households h WHERE h.programme_id = \(world.programme)
                """, logger: TestDatabase.logger)
            var facts: [(String, Int, Int, Int)] = []
            for try await row in rows.decode((String, Int, Int, Int).self) { facts.append(row) }
            return facts
        }
        #expect(facts.count == 1)
        #expect(facts.first?.0 == "ended")
        #expect(facts.first?.1 == 1)
        #expect(facts.first?.2 == 1)
        #expect(facts.first?.3 == 1)
        line["reference"] = "PAR-API"
        let throughTheAPI = try Self.jsonl([line])
        try await withApp { client in
            let answer = try await Self.post(client, world, throughTheAPI)
            answer.expectProblem(.unprocessableContent)
            let results = (answer.object["report"] as? [String: Any])?["results"] as? [[String: Any]] ?? []
            #expect(((results.first?["refusals"] as? [[String: Any]])?.first)?["field"] as? String == "housing")
        }
    }

    /// Lines are read in bounded memory: a line over the limit comes out cut just past it, CRLF
    /// and a last line without its end are read as lines.
    @Test func theLineReaderBoundsEachLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID()).jsonl").path
        var data = Data("a\r\n".utf8) + Data(repeating: 0x62, count: 200_000) + Data("\nc".utf8)
        data += Data()
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try LineReader(path: path)
        #expect(try reader.next() == Array("a".utf8))
        #expect(try reader.next()?.count == ImportLine.maximumBytes + 1)
        #expect(try reader.next() == Array("c".utf8))
        #expect(reader.number == 3)
        #expect(try reader.next() == nil)
    }
}
