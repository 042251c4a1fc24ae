import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 22, item 2: a regroupement's programmes read together (`GET /v1/indicators?programmes=…`).
@Suite struct PoolTests {
    struct Pool {
        let name: String
        let programmes: [UUID]
        let outside: UUID
        let evaluator: String
        let otherEvaluator: String
        let admin: String
    }

    /// Two generated programmes of 30 households a year (seeds 22 and 23), one evaluator
    /// organisation evaluating both and a third programme, the pool of the two declared by
    /// the operator.
    static func pool() async throws -> Pool {
        try await withOwner { owner in
            var programmes: [UUID] = []
            for seed in [22, 23] {
                let report = try await SyntheticPopulation.run(
                    .init(
                        households: 60, seed: Int64(seed), programme: Fixtures.unique("Programme regroupé"), batch: 60),
                    client: owner, logger: TestDatabase.logger)
                programmes.append(report.programmeID)
            }
            let state = try await Fixtures.organisation(.state, on: owner)
            let otherState = try await Fixtures.organisation(.state, on: owner)
            let outside = try await Fixtures.programme(partners: [(state, .evaluator)], on: owner)
            let admin = try await Fixtures.organisation(.supportOperator, on: owner)
            for programme in programmes {
                _ = try await owner.query(
                    """
                    INSERT INTO programme_partners (programme_id, organisation_id, part)
                    VALUES (\(programme), \(state.id), 'evaluator'), (\(programme), \(admin.id), 'operator')
                    """, logger: TestDatabase.logger
                ).collect()
            }
            _ = try await owner.query("SELECT indicator_refresh()", logger: TestDatabase.logger).collect()
            let name = Fixtures.unique("Île-de-France")
            try await owner.withTransaction(logger: TestDatabase.logger) { connection in
                try await Operator.declarePool(
                    name, programmes: programmes.map(\.uuidString), on: connection, logger: TestDatabase.logger)
            }
            return Pool(
                name: name, programmes: programmes, outside: outside,
                evaluator: try await Fixtures.token(
                    for: try await Fixtures.user(in: state, roles: [.evaluator], on: owner), on: owner),
                otherEvaluator: try await Fixtures.token(
                    for: try await Fixtures.user(in: otherState, roles: [.evaluator], on: owner), on: owner),
                admin: try await Fixtures.token(
                    for: try await Fixtures.user(in: admin, roles: [.orgAdmin], on: owner), on: owner))
        }
    }

    /// An evaluator from a State organisation of its own, partner of the pool's first
    /// programme only: it reads that programme, never the pool.
    static func evaluatorOfTheFirstProgrammeOnly(_ pool: Pool, on owner: PostgresClient) async throws
        -> Fixtures.User
    {
        let state = try await Fixtures.organisation(.state, on: owner)
        try await owner.query(
            """
            INSERT INTO programme_partners (programme_id, organisation_id, part)
            VALUES (\(pool.programmes[0]), \(state.id), 'evaluator')
            """, logger: TestDatabase.logger
        ).collect()
        return try await Fixtures.user(in: state, roles: [.evaluator], on: owner)
    }

    /// Every published cell of a report, by indicator, breakdown's level and period, category.
    static func cells(_ report: [String: Any]) -> [String: Int?] {
        var cells: [String: Int?] = [:]
        for indicator in report["indicators"] as? [[String: Any]] ?? [] {
            let code = indicator["code"] as? String ?? "?"
            cells["\(code)|total"] = indicator["value"] as? Int
            for breakdown in indicator["breakdowns"] as? [[String: Any]] ?? [] {
                let key = "\(code)|\(breakdown["code"] ?? "")|\(breakdown["level"] ?? "")|\(breakdown["period"] ?? "")"
                for cell in breakdown["cells"] as? [[String: Any]] ?? [] {
                    cells["\(key)|\(cell["category"] ?? "")"] = cell["value"] as? Int
                }
            }
        }
        return cells
    }

    /// The pool sums its programmes and states its threshold; nothing it publishes counts
    /// between 1 and 4 households; no published pool cell is a programme's hidden cell plus
    /// the other's published one (the plainest difference); the same body comes back stored,
    /// whatever the order of the programmes.
    @Test func aPoolSumsItsProgrammesAndGivesNoHiddenCellAway() async throws {
        let pool = try await Self.pool()
        try await withApp { client in
            let list = pool.programmes.map { $0.uuidString.lowercased() }.joined(separator: ",")
            for code in ["2025", "2025-Q2"] {
                let answer = try await client.execute(
                    uri: "/v1/indicators?programmes=\(list)&period=\(code)", method: .get,
                    headers: bearer(pool.evaluator))
                #expect(answer.status == .ok)
                let report = answer.object
                let described = try #require(report["pool"] as? [String: Any])
                #expect(described["name"] as? String == pool.name)
                #expect((described["programmes"] as? [[String: Any]])?.count == 2)
                #expect(report["programmeId"] == nil)
                #expect(report["threshold"] as? Int == DisclosureControl.defaultThreshold)
                var own: [[String: Int?]] = []
                for programme in pool.programmes {
                    let answer = try await client.execute(
                        uri: "/v1/programmes/\(programme)/indicators?period=\(code)", method: .get,
                        headers: bearer(pool.evaluator))
                    own.append(Self.cells(answer.object))
                }
                let pooled = Self.cells(report)
                var published = 0
                var finer = 0
                for (key, value) in pooled {
                    guard let value else { continue }
                    published += 1
                    let parts = own.map { $0[key] }
                    // The totals are every programme's: the pool's is their sum when all publish theirs.
                    if key.hasSuffix("|total"), parts.allSatisfy({ $0 != nil && $0! != nil }) {
                        #expect(value == parts.reduce(0) { $0 + (($1 ?? nil) ?? 0) }, "\(key)")
                    }
                    let hidden = parts.filter { $0 != nil && $0! == nil }.count
                    let shown = parts.filter { $0 != nil && $0! != nil }.count
                    #expect(!(hidden == 1 && shown == parts.count - 1), "\(key): pool minus the others")
                    if parts.allSatisfy({ $0 == nil || $0! == nil }) { finer += 1 }
                }
                for indicator in report["indicators"] as? [[String: Any]] ?? []
                where indicator["unit"] as? String == "households" {
                    for breakdown in indicator["breakdowns"] as? [[String: Any]] ?? [] {
                        for cell in breakdown["cells"] as? [[String: Any]] ?? [] {
                            if let value = cell["value"] as? Int { #expect(value == 0 || value >= 5, "\(cell)") }
                        }
                    }
                }
                // What the closing note reports.
                print(
                    "regroupement \(code) : \(report["hiddenCells"] ?? "") cases masquées, \(published) publiées dont \(finer) qu'aucun des deux programmes ne publie ; programmes : \(own.map { $0.values.filter { $0 == nil }.count }) masquées"
                )
                let reversed = pool.programmes.reversed().map { $0.uuidString }.joined(separator: ",")
                let again = try await client.execute(
                    uri: "/v1/indicators?programmes=\(reversed)&period=\(code)", method: .get,
                    headers: bearer(pool.evaluator))
                // Another suite's refresh may come between the two reads: the figures are the same.
                var first = report
                var second = again.object
                first["refreshedAt"] = nil
                second["refreshedAt"] = nil
                #expect(NSDictionary(dictionary: first).isEqual(to: second))
            }
            let csv = try await client.execute(
                uri: "/v1/indicators?programmes=\(list)&period=2025&format=csv", method: .get,
                headers: bearer(pool.evaluator))
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
        }
        let stored = try await withOwner { owner in
            try await owner.query(
                """
                SELECT count(*)::integer FROM indicator_pool_reports WHERE pool = \(pool.name) GROUP BY refresh_id
                """, logger: TestDatabase.logger
            ).collect().map { try $0.decode(Int.self) }
        }
        // The year, its 4 quarters and 12 months, once per refresh (another suite's may come between).
        #expect(!stored.isEmpty && stored.allSatisfy { $0 == 17 }, "\(stored)")
    }

    /// Only the whole pool, only for who reads each of its programmes: 400 for a malformed
    /// list, 422 for one programme or one twice, 404 for a programme outside the reader's organisation, 403 for a
    /// role that reads no indicators, 422 for programmes that are not exactly one pool.
    @Test func onlyAWholePoolIsReadAndOnlyByWhoReadsEachProgramme() async throws {
        let pool = try await Self.pool()
        try await withApp { client in
            let (first, second) = (pool.programmes[0], pool.programmes[1])
            func status(_ programmes: String, _ token: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/v1/indicators?programmes=\(programmes)&period=2025", method: .get, headers: bearer(token)
                ).status
            }
            #expect(try await status("\(first),pas-un-identifiant", pool.evaluator) == .badRequest)
            #expect(try await status("\(first)", pool.evaluator) == .unprocessableContent)
            #expect(try await status("\(first),\(first)", pool.evaluator) == .unprocessableContent)
            #expect(try await status("\(first),\(pool.outside)", pool.evaluator) == .unprocessableContent)
            #expect(try await status("\(first),\(second),\(pool.outside)", pool.evaluator) == .unprocessableContent)
            #expect(try await status("\(first),\(second)", pool.otherEvaluator) == .notFound)
            #expect(try await status("\(first),\(second)", pool.admin) == .forbidden)
            let refused = try await client.execute(
                uri: "/v1/indicators?programmes=\(first),\(pool.outside)&period=2025", method: .get,
                headers: bearer(pool.evaluator))
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect((refused.object["detail"] as? String)?.contains("regroupement") == true)
        }
        // By SQL under its own settings, an evaluator of one programme only finds no pool,
        // reads no stored pool report and stores none.
        let stranger = try await withOwner { owner in
            let user = try await Self.evaluatorOfTheFirstProgrammeOnly(pool, on: owner)
            return Actor(
                userID: user.id, organisationID: user.organisation.id, roles: [.evaluator], boundBySecret: false,
                sessionID: UUID(), sessionExpiresAt: Date())
        }
        try await withRuntime { runtime in
            let (found, seen) = try await runtime.withActor(stranger, logger: TestDatabase.logger) { connection in
                let found = try await IndicatorStore.pool(
                    of: pool.programmes, on: connection, logger: TestDatabase.logger)
                let rows = try await connection.query(
                    "SELECT count(*)::integer FROM indicator_pool_reports", logger: TestDatabase.logger)
                for try await count in rows.decode(Int.self) { return (found, count) }
                return (found, -1)
            }
            #expect(found == nil)
            #expect(seen == 0)
            await #expect(throws: PSQLError.self) {
                try await runtime.withActor(stranger, logger: TestDatabase.logger) { connection in
                    try await connection.perform(
                        """
                        INSERT INTO indicator_pool_reports (pool, refresh_id, period, threshold, json, csv)
                        VALUES (\(pool.name), 0, '2030', 5, '{}', '')
                        """, logger: TestDatabase.logger)
                }
            }
        }
    }

    /// The dashboard offers a regroupement only to who reads each of its programmes, as the
    /// route answers it: not to another organisation's evaluator, nor to an evaluator of one
    /// of its programmes only, and its page, asked by them, is the console's « introuvable »
    /// without the pool's name.
    @Test func theDashboardOffersAPoolOnlyToWhoReadsItWhole() async throws {
        let pool = try await Self.pool()
        let partial = try await withOwner { owner in
            try await Fixtures.token(for: try await Self.evaluatorOfTheFirstProgrammeOnly(pool, on: owner), on: owner)
        }
        let name = ConsoleHTML().escapeText(pool.name)
        // As the form lists them: in PostgreSQL's order of their ids.
        let list = pool.programmes.map { $0.uuidString.lowercased() }.sorted().joined(separator: ",")
        try await withApp(configure: { $0.notify.publicURL = ConsoleTests.origin }) { client in
            func page(_ uri: String, _ token: String) async throws -> (HTTPResponse.Status, String) {
                let answer = try await client.execute(uri: uri, method: .get, headers: ConsoleTests.session(token))
                return (answer.status, String(buffer: answer.body))
            }
            let (_, offered) = try await page("/indicateurs", pool.evaluator)
            #expect(offered.contains("value=\"\(list)\""))
            #expect(offered.contains(name))
            let (status, report) = try await page("/indicateurs?programme=\(list)&periode=2025", pool.evaluator)
            #expect(status == .ok)
            #expect(report.contains(name))
            for token in [pool.otherEvaluator, partial] {
                let (_, form) = try await page("/indicateurs", token)
                #expect(!form.contains(name) && !form.contains("Regroupement"))
                let (status, refused) = try await page("/indicateurs?programme=\(list)&periode=2025", token)
                #expect(status == .notFound)
                #expect(!refused.contains(name))
            }
            // The partial evaluator still reads its own programme.
            let (own, _) = try await page("/indicateurs?programme=\(pool.programmes[0])&periode=2025", partial)
            #expect(own == .ok)
        }
    }

    /// A pool keeps the programmes declared with it: a programme does not move to another
    /// pool nor join one later, and a name is declared once.
    @Test func aPoolKeepsTheProgrammesDeclaredWithIt() async throws {
        let pool = try await Self.pool()
        try await withOwner { owner in
            let state = try await Fixtures.organisation(.state, on: owner)
            let late = try await Fixtures.programme(partners: [(state, .evaluator)], on: owner)
            let other = try await Fixtures.programme(partners: [(state, .evaluator)], on: owner)
            // As the command does: in one transaction, whose refusal is the operator's.
            @Sendable func declare(_ name: String, _ programmes: [UUID]) async throws {
                do {
                    try await owner.withTransaction(logger: TestDatabase.logger) { connection in
                        try await Operator.declarePool(
                            name, programmes: programmes.map(\.uuidString), on: connection,
                            logger: TestDatabase.logger)
                    }
                } catch let error as PostgresTransactionError {
                    throw error.closureError ?? error
                }
            }
            await #expect(throws: Operator.PoolRefusal.nameTaken(pool.name)) {
                try await declare(pool.name, [late, other])
            }
            await #expect(throws: Operator.PoolRefusal.programmeUnavailable(pool.programmes[0].uuidString)) {
                try await declare(Fixtures.unique("Autre"), [late, pool.programmes[0]])
            }
            // Refused, the declaration left nothing behind: the late programme is in no pool.
            let left = try await owner.query(
                "SELECT pool FROM programmes WHERE id = \(late)", logger: TestDatabase.logger
            ).collect().first!.decode(String?.self)
            #expect(left == nil)
            // The database refuses what the command would not do: joining an existing pool
            // later, or leaving it.
            await #expect(throws: PSQLError.self) {
                try await owner.query(
                    "UPDATE programmes SET pool = \(pool.name) WHERE id = \(late)", logger: TestDatabase.logger
                ).collect()
            }
            await #expect(throws: PSQLError.self) {
                try await owner.query(
                    "UPDATE programmes SET pool = NULL WHERE id = \(pool.programmes[0])", logger: TestDatabase.logger
                ).collect()
            }
        }
    }
}
