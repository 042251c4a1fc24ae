import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 22, item 4: the seeds' indicators that were missing, on IndicatorTests' generated
/// programme — satisfaction at the end of accompaniment, published only as a share under R9,
/// and flats proposed and attributed per landlord.
@Suite(.serialized) struct SeedIndicatorTests {
    static func report(_ programme: IndicatorTests.Programme, _ period: String, client: some TestClientProtocol)
        async throws -> [String: Any]
    {
        let answer = try await client.execute(
            uri: "/v1/programmes/\(programme.id)/indicators?period=\(period)", method: .get,
            headers: bearer(programme.evaluator))
        #expect(answer.status == .ok)
        return answer.object
    }

    static func refresh() async throws {
        _ = try await withOwner { try await $0.query("SELECT indicator_refresh()").collect() }
    }

    static func satisfactionShare(_ report: [String: Any]) throws -> [String: Any] {
        let derived = try #require(report["derived"] as? [[String: Any]])
        return try #require(derived.first { $0["code"] as? String == "satisfactionShare" })
    }

    /// The answers of the programme's outcomes: the first `unsatisfied` ends of 2025 (by day)
    /// did not like it, the others did.
    static func answer(_ programme: UUID, unsatisfied: Int) async throws {
        try await withOwner { owner in
            try await owner.query(
                """
                UPDATE outcomes o SET satisfaction = CASE WHEN r.rank <= \(unsatisfied) THEN 'notAtAllSatisfied'
                                                          WHEN r.rank % 2 = 0 THEN 'verySatisfied'
                                                          ELSE 'ratherSatisfied' END
                FROM (SELECT o.id, row_number() OVER (ORDER BY o.ended_on, o.id) AS rank FROM outcomes o
                      JOIN households x ON x.id = o.household_id WHERE x.programme_id = \(programme)) r
                WHERE r.id = o.id
                """)
        }
        try await refresh()
    }

    /// (satisfied, answered) households among the ends of the period, from the raw rows.
    static func truth(_ programme: UUID, _ period: EvaluationPeriod) async throws -> (Int, Int) {
        let (from, to) = period.bounds
        return try await withOwner { owner in
            let rows = try await owner.query(
                """
                SELECT count(*) FILTER (WHERE o.satisfaction IN ('verySatisfied', 'ratherSatisfied'))::integer,
                       count(*)::integer
                FROM outcomes o JOIN households x ON x.id = o.household_id
                WHERE x.programme_id = \(programme) AND o.satisfaction IS NOT NULL
                  AND o.ended_on >= \(Day(from).iso)::date AND o.ended_on < \(Day(to).iso)::date
                """)
            for try await counts in rows.decode((Int, Int).self) { return counts }
            return (0, 0)
        }
    }

    /// Written before the share existed: the report had no satisfaction at all.
    @Test func satisfactionIsAShareOfEnoughHouseholdsOnBothSides() async throws {
        let programme = try await IndicatorTests.programme()
        try await withApp { client in
            // Nobody answered: no share, and it says why.
            let none = try Self.satisfactionShare(try await Self.report(programme, "2025", client: client))
            #expect(none["value"] is NSNull)
            #expect(none["suppressed"] is NSNull)
            #expect((none["undefined"] as? [String: Any])?["reason"] as? String == "zeroDenominator")
            #expect(none["unit"] as? String == "percent")

            // Two households of 2025 not satisfied: the year's share would give them away.
            try await Self.answer(programme.id, unsatisfied: 2)
            let (satisfied, answered) = try await Self.truth(programme.id, .year(2025))
            #expect(answered - satisfied == 2 && answered >= 5)
            let few = try Self.satisfactionShare(try await Self.report(programme, "2025", client: client))
            #expect(few["value"] is NSNull)
            let reason = (few["suppressed"] as? [String: Any])?["reason"] as? String
            #expect(reason == "shareRevealsSmallCount")

            // Six: the year's share is published, and no period's share rests on fewer than 5
            // households on either side.
            try await Self.answer(programme.id, unsatisfied: 6)
            for period in EvaluationPeriod.lattice(of: 2025) {
                let share = try Self.satisfactionShare(try await Self.report(programme, period.code, client: client))
                let (satisfied, answered) = try await Self.truth(programme.id, period)
                if let value = share["value"] as? String {
                    #expect(satisfied >= 5 && answered - satisfied >= 5, "\(period.code)")
                    #expect(value == String(format: "%.1f", 100 * Double(satisfied) / Double(answered)))
                } else {
                    #expect(share["suppressed"] is [String: Any] || answered == 0, "\(period.code)")
                }
                if period == .year(2025) { #expect(share["value"] as? String != nil) }
            }
            // The answers' counts are published nowhere, not even hidden.
            let year = try await Self.report(programme, "2025", client: client)
            let codes = (year["indicators"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(!codes.contains { $0.lowercased().contains("satisf") })
        }
    }

    /// The end route records the household's answer on its outcome, or none; an unknown
    /// answer is a French 422.
    @Test func theEndOfAccompanimentRecordsTheAnswer() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let end = "/v1/households/\(world.household)/end"
            let lead = world.headers(.leadBound)
            try await client.execute(
                uri: end, method: .post, headers: lead,
                body: json(["outcome": "voluntaryDeparture", "endedOn": PathTests.day(0), "satisfaction": "bof"])
            ).expectProblem(.unprocessableContent, field: "satisfaction")
            let ended = try await client.execute(
                uri: end, method: .post, headers: lead,
                body: json([
                    "outcome": "voluntaryDeparture", "endedOn": PathTests.day(0), "satisfaction": "ratherSatisfied",
                ]))
            #expect(ended.status == .created)
            #expect(ended.object["satisfaction"] as? String == "ratherSatisfied")
            let outcomes = try await client.execute(
                uri: "/v1/households/\(world.household)/outcomes", method: .get, headers: lead)
            #expect(outcomes.items.first?["satisfaction"] as? String == "ratherSatisfied")
        }
    }

    /// Flats proposed and attributed per landlord: each landlord's cell is its count, named
    /// after the organisation; a landlord with fewer households than the threshold is hidden,
    /// and another cell with it. Written before the breakdown existed.
    @Test func flatsProposedAndAttributedPerLandlord() async throws {
        let programme = try await IndicatorTests.programme()
        // Two more landlords: one proposes and attributes six flats, the other proposes two.
        let (second, third) = try await withOwner { owner in
            let second = try await Fixtures.organisation(.socialLandlord, on: owner)
            let third = try await Fixtures.organisation(.socialLandlord, on: owner)
            try await owner.query(
                """
                INSERT INTO programme_partners (programme_id, organisation_id, part)
                VALUES (\(programme.id), \(second.id), 'landlord'), (\(programme.id), \(third.id), 'landlord')
                """)
            for (landlord, households, attributed) in [(second, 6, true), (third, 2, false)] {
                let officer = try await Fixtures.user(in: landlord, roles: [.housingOfficer], on: owner)
                try await owner.query(
                    """
                    WITH f AS (
                        INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement,
                                           flat_type, rent_cents, charges_cents, contingent, available_from)
                        VALUES (gen_random_uuid(), \(landlord.id), \(officer.id), 'SEED-' || \(landlord.id)::text,
                                'Évry', '91', 'T2', 45000, 7000, 'landlord', date '2024-01-01')
                        RETURNING id
                    ), h AS (
                        SELECT x.id FROM households x WHERE x.programme_id = \(programme.id) AND x.status <> 'oriented'
                          AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.household_id = x.id)
                        ORDER BY x.id LIMIT \(households)
                    ), p AS (
                        INSERT INTO proposals (id, household_id, flat_id, author_organisation_id, author_user_id,
                                               proposed_on)
                        SELECT gen_random_uuid(), h.id, f.id, \(landlord.id), \(officer.id), date '2025-12-10' FROM h, f
                        RETURNING id, household_id
                    )
                    INSERT INTO cal_decisions (id, household_id, proposal_id, author_organisation_id, author_user_id,
                                               decided_on, decision)
                    SELECT gen_random_uuid(), p.household_id, p.id, \(landlord.id), \(officer.id), date '2025-12-20',
                           'attribution'
                    FROM p WHERE \(attributed)
                    """)
            }
            return (second, third)
        }
        try await Self.refresh()
        try await withApp { client in
            let report = try await Self.report(programme, "2025", client: client)
            let indicators = try #require(report["indicators"] as? [[String: Any]])
            for code in ["flatsProposed", "flatsAttributed"] {
                let indicator = try #require(indicators.first { $0["code"] as? String == code })
                let breakdown = try #require(
                    (indicator["breakdowns"] as? [[String: Any]])?.first { $0["code"] as? String == "landlord" })
                #expect(breakdown["level"] as? String == "detailed")
                let cells = breakdown["cells"] as? [[String: Any]] ?? []
                let byLandlord = Dictionary(
                    uniqueKeysWithValues: cells.map { ($0["category"] as? String ?? "?", $0) })
                // The truth, per landlord, from the raw rows.
                let truth: [String: Int] = try await withOwner { owner in
                    let sql: PostgresQuery =
                        code == "flatsProposed"
                        ? """
                        SELECT f.landlord_organisation_id::text, count(*)::integer FROM proposals p
                        JOIN households x ON x.id = p.household_id JOIN flats f ON f.id = p.flat_id
                        WHERE x.programme_id = \(programme.id) AND extract(year FROM p.proposed_on) = 2025
                        GROUP BY 1
                        """
                        : """
                        SELECT f.landlord_organisation_id::text, count(*)::integer FROM cal_decisions d
                        JOIN households x ON x.id = d.household_id JOIN proposals p ON p.id = d.proposal_id
                        JOIN flats f ON f.id = p.flat_id
                        WHERE x.programme_id = \(programme.id) AND extract(year FROM d.decided_on) = 2025
                          AND d.decision IN ('attribution', 'conditionalAttribution')
                        GROUP BY 1
                        """
                    var truth: [String: Int] = [:]
                    for try await (landlord, count) in try await owner.query(sql).decode((String, Int).self) {
                        truth[landlord] = count
                    }
                    return truth
                }
                #expect(Set(byLandlord.keys) == Set(truth.keys), "\(code)")
                for (landlord, count) in truth {
                    let cell = try #require(byLandlord[landlord])
                    if let value = cell["value"] as? Int {
                        #expect(value == count, "\(code) \(landlord)")
                        #expect(count >= 5, "\(code) \(landlord) publié")
                    } else {
                        #expect(cell["suppressed"] is [String: Any])
                    }
                }
                // Landlords are named: organisations, not persons.
                let secondCell = try #require(byLandlord[second.id.uuidString.lowercased()])
                #expect(secondCell["label"] as? String == second.name)
                if code == "flatsAttributed" {
                    #expect(secondCell["value"] as? Int == 6)
                } else {
                    let thirdCell = try #require(byLandlord[third.id.uuidString.lowercased()])
                    #expect(thirdCell["value"] is NSNull)
                    let reason = (thirdCell["suppressed"] as? [String: Any])?["reason"] as? String
                    #expect(reason == "belowThreshold")
                    #expect(thirdCell["label"] as? String == third.name)
                    // One hidden cell alone would be the total minus the others.
                    #expect(cells.filter { $0["value"] is NSNull }.count >= 2 || indicator["value"] is NSNull)
                }
            }
            // The spreadsheet names the landlords too.
            let csv = try await client.execute(
                uri: "/v1/programmes/\(programme.id)/indicators?period=2025&format=csv", method: .get,
                headers: bearer(programme.evaluator))
            #expect(String(buffer: csv.body).contains(second.name))
        }
        // And the evaluator's dashboard, which renders the report as it is.
        try await withApp(configure: { $0.notify.publicURL = ConsoleTests.origin }) { client in
            let page = try await client.execute(
                uri: "/indicateurs?programme=\(programme.id.uuidString.lowercased())&periode=2025", method: .get,
                headers: ConsoleTests.session(programme.evaluator))
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("par bailleur"))
            #expect(html.contains(second.name))
            #expect(html.contains("Séances collectives"))
        }
    }
}
