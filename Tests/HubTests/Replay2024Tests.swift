import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// A programme that began in 2024, typed in 2026 through the API as its users would, every fact
/// with its real 2024 (or early 2025) day (issue 18). The State's report is then read for 2024,
/// 2025 and 2026: each published total and derived figure equals a count made here from the
/// same facts, and 2026, when none of it happened, shows nothing.
@Suite struct Replay2024Tests {
    /// One household's facts, on the days they happened.
    struct Facts {
        let orientedOn: Day
        var fromHotel: Bool
        var dalo: Bool
        var actionLogement: Bool
        var acceptedOn: Day?
        var proposedOn: Day?
        var attributedOn: Day?
        var leaseSignedOn: Day?
        var arrearsOn: Day?
        var arrearsResolvedOn: Day?
        var endedOn: Day?
    }

    /// Household i: oriented on the 8th of January 2024 plus 9i days; one in ten declined; the
    /// others accepted a week later, diagnosed, and three in four of those proposed a flat,
    /// attributed, housed (with a rent arrears alert for every other one, resolved for one in
    /// four); every accompaniment ends five months after its acceptance, in 2024 or 2025.
    static func plan(_ i: Int) -> Facts {
        let oriented = Day(iso: "2024-01-08")!.adding(days: 9 * i)
        var facts = Facts(
            orientedOn: oriented, fromHotel: i % 2 == 0, dalo: i % 3 == 0, actionLogement: i % 5 == 1)
        guard i % 10 != 9 else { return facts }
        let accepted = oriented.adding(days: 7)
        facts.acceptedOn = accepted
        if i % 4 != 3 {
            facts.proposedOn = accepted.adding(days: 13)
            facts.attributedOn = accepted.adding(days: 23)
            facts.leaseSignedOn = accepted.adding(days: 28)
            if i % 2 == 0 { facts.arrearsOn = accepted.adding(days: 60) }
            if i % 4 == 0 { facts.arrearsResolvedOn = accepted.adding(days: 75) }
        }
        facts.endedOn = accepted.adding(days: 150)
        return facts
    }

    static let households = 30

    @Test func aProgrammeOf2024TypedIn2026ReportsOn2024() async throws {
        let plans = (0..<Self.households).map(Self.plan)
        let (programme, referrer, worker, officer, evaluator, workerID, landlord) = try await withOwner { owner in
            let op = try await Fixtures.organisation(.supportOperator, on: owner)
            let ref = try await Fixtures.organisation(.supportOperator, on: owner)
            let land = try await Fixtures.organisation(.socialLandlord, on: owner)
            let state = try await Fixtures.organisation(.state, on: owner)
            let programme = try await Fixtures.programme(
                partners: [(op, .holder), (op, .operator), (ref, .referrer), (land, .landlord), (state, .evaluator)],
                on: owner)
            let worker = try await Fixtures.user(in: op, roles: [.socialWorker], bound: true, on: owner)
            return (
                programme,
                try await Fixtures.token(
                    for: try await Fixtures.user(in: ref, roles: [.socialWorker], bound: true, on: owner), on: owner),
                try await Fixtures.token(for: worker, on: owner),
                try await Fixtures.token(
                    for: try await Fixtures.user(in: land, roles: [.housingOfficer], on: owner), on: owner),
                try await Fixtures.token(
                    for: try await Fixtures.user(in: state, roles: [.evaluator], on: owner), on: owner),
                worker.id, land.id
            )
        }

        try await withApp { client in
            @discardableResult
            func post(
                _ uri: String, _ token: String, _ body: [String: Any]? = nil, headers: HTTPFields = [:],
                expect status: HTTPResponse.Status = .created, sourceLocation: SourceLocation = #_sourceLocation
            ) async throws -> TestResponse {
                let answer = try await client.execute(
                    uri: uri, method: .post, headers: bearer(token) + headers, body: body.map { json($0) })
                #expect(answer.status == status, "\(uri): \(answer.object)", sourceLocation: sourceLocation)
                return answer
            }

            for (i, facts) in plans.enumerated() {
                var orientation = HouseholdWorld.orientation(programme: programme)
                orientation["orientedOn"] = facts.orientedOn.iso
                orientation["currentSituation"] = facts.fromHotel ? "hotel" : "chrs"
                orientation["dalo"] = facts.dalo ? ["recognisedOn": "2022-03-01", "departement": "91"] : nil
                orientation["actionLogementEmployee"] = facts.actionLogement
                // A consent given in 2024 ran out in 2025: the household gives it again today.
                var consent = HouseholdWorld.consent(recipient: nil, level: "secret")
                consent["givenOn"] = Day.today().iso
                orientation["consent"] = consent
                let household =
                    "/v1/households/"
                    + (try #require(try await post("/v1/households", referrer, orientation).object["id"] as? String))
                guard let accepted = facts.acceptedOn else {
                    try await post(
                        household + "/decline", worker,
                        ["reason": "Hors critères", "occurredOn": facts.orientedOn.adding(days: 5).iso], expect: .ok)
                    continue
                }
                try await post(
                    household + "/accept", worker, ["referentUserId": workerID.uuidString, "occurredOn": accepted.iso],
                    expect: .ok)
                try await post(
                    household + "/care-team", worker,
                    ["organisationId": landlord.uuidString, "occurredOn": accepted.iso], expect: .ok)
                // The consent in force today, so that the bailleur may write what it did then.
                try await post(
                    household + "/consents", worker,
                    HouseholdWorld.consent(recipient: landlord, level: "partners"))
                let draft = try await post(household + "/diagnostics", worker)
                let diagnostic = household + "/diagnostics/" + (draft.object["id"] as? String ?? "")
                let content = try await client.execute(
                    uri: diagnostic, method: .put,
                    headers: bearer(worker) + [.ifMatch: try #require(draft.headers[.eTag])],
                    body: json(HouseholdWorld.diagnosticContent))
                try await post(
                    diagnostic + "/validate", worker, ["validatedOn": accepted.adding(days: 7).iso],
                    headers: [.ifMatch: try #require(content.headers[.eTag])], expect: .ok)

                if let proposedOn = facts.proposedOn, let attributedOn = facts.attributedOn,
                    let leaseSignedOn = facts.leaseSignedOn
                {
                    var flat = PathTests.flat(reference: "REPLAY-\(i)-\(UUID().uuidString.prefix(4))")
                    flat["availableFrom"] = "2023-12-01"
                    let flatID = try #require(try await post("/v1/flats", officer, flat).object["id"] as? String)
                    let proposal = try #require(
                        try await post(
                            household + "/proposals", officer, ["flatId": flatID, "proposedOn": proposedOn.iso]
                        ).object["id"] as? String)
                    try await post(
                        household + "/proposals/\(proposal)/answer", worker,
                        ["answer": "accepted", "answeredOn": proposedOn.adding(days: 2).iso], expect: .ok)
                    try await post(
                        household + "/cal-decisions", officer,
                        PathTests.decision(proposal, "attribution", on: attributedOn.iso))
                    try await post(
                        household + "/contracts", worker,
                        ContractTests.contract(
                            startsOn: accepted.iso, plannedEndOn: accepted.adding(days: 400).iso,
                            signedOn: accepted.iso))
                    let lease = try await post(
                        household + "/leases", worker,
                        ["kind": "direct", "signedOn": leaseSignedOn.iso, "referentAttended": true])
                    try await post(
                        household + "/leases/\(lease.object["id"] as? String ?? "")/entry", worker,
                        ["entryInspectionOn": leaseSignedOn.adding(days: 3).iso], expect: .ok)
                    if let arrearsOn = facts.arrearsOn {
                        let alert = try await post(
                            household + "/alerts", officer,
                            [
                                "kind": "rentArrears", "reportedOn": arrearsOn.iso,
                                "arrears": ["amount": "300.00", "months": 1],
                            ])
                        if let resolvedOn = facts.arrearsResolvedOn {
                            try await post(
                                household + "/alerts/\(alert.object["id"] as? String ?? "")/resolve", officer,
                                ["resolvedOn": resolvedOn.iso, "resolution": "Plan d'apurement"], expect: .ok)
                        }
                    }
                }
                if let endedOn = facts.endedOn {
                    try await post(
                        household + "/end", worker,
                        [
                            "outcome": facts.leaseSignedOn == nil ? "other" : "rehousedInProgrammeStock",
                            "endedOn": endedOn.iso,
                        ])
                }
            }
            _ = try await withOwner { owner in
                try await owner.query("SELECT indicator_refresh()", logger: TestDatabase.logger).collect()
            }

            for year in [2024, 2025, 2026] {
                let report = try await client.execute(
                    uri: "/v1/programmes/\(programme)/indicators?period=\(year)", method: .get,
                    headers: bearer(evaluator))
                #expect(report.status == .ok)
                let expected = Self.expectedCounts(plans, year: year)
                let indicators = try #require(report.object["indicators"] as? [[String: Any]])
                var published = 0
                for indicator in indicators {
                    let code = try #require(indicator["code"] as? String)
                    let truth = try #require(expected[code], "\(code): aucun compte fait pour lui")
                    if let value = indicator["value"] as? Int {
                        #expect(value == truth, "\(year) \(code)")
                        published += 1
                    } else {
                        // Hidden only when fewer than the threshold's households are behind it.
                        #expect(truth > 0 && truth < 5, "\(year) \(code) masqué alors qu'il vaut \(truth)")
                    }
                }
                // 2024 publishes most of its figures; 2026, when nothing happened, all of them at 0.
                #expect(published >= (year == 2024 ? 15 : 0), "\(year): \(published) publiés")
                #expect(published == indicators.count || year != 2026, "\(year)")
                let derived = Dictionary(
                    uniqueKeysWithValues: try #require(report.object["derived"] as? [[String: Any]]).map {
                        ($0["code"] as? String ?? "", $0)
                    })
                let truths = Self.expectedDerived(plans, year: year)
                #expect(Set(truths.keys) == Set(IndicatorCatalogue.derived.map(\.code)))
                for (code, (truth, counts)) in truths {
                    let figure = try #require(derived[code], "\(code)")
                    if figure["suppressed"] is [String: Any] {
                        // Hidden only when one of the counts it rests on is.
                        #expect(counts.contains { (1..<5).contains(expected[$0]!) }, "\(year) \(code) masqué")
                    } else if let truth {
                        #expect(figure["value"] as? String == truth, "\(year) \(code)")
                    } else {
                        #expect(figure["value"] is NSNull && figure["undefined"] is [String: Any], "\(year) \(code)")
                    }
                }
            }
        }
    }

    /// Every count of the catalogue for `year`, made from the plan.
    static func expectedCounts(_ plans: [Facts], year: Int) -> [String: Int] {
        func inYear(_ day: Day?) -> Bool { day.map { $0.parts.year == year } ?? false }
        func count(_ day: (Facts) -> Day?) -> Int { plans.filter { inYear(day($0)) }.count }
        let followed = plans.filter { facts in
            guard let accepted = facts.acceptedOn else { return false }
            return accepted.parts.year <= year && (facts.endedOn.map { $0.parts.year >= year } ?? true)
        }
        return [
            "oriented": count(\.orientedOn), "accepted": count(\.acceptedOn), "followed": followed.count,
            "rehoused": count(\.leaseSignedOn), "flatsProposed": count(\.proposedOn),
            "flatsAttributed": count(\.attributedOn), "calRefusals": 0, "rentArrears": count(\.arrearsOn),
            "rentArrearsResolved": count(\.arrearsResolvedOn),
            // One diagnostic each: no evolution to tell.
            "budgetManagement": 0, "upkeep": 0, "neighbourhood": 0, "meetingsHeld": 0, "ended": count(\.endedOn),
            "endedInFlat": plans.filter { inYear($0.endedOn) && $0.leaseSignedOn != nil }.count,
            "priorHotelStay": plans.filter { $0.fromHotel && inYear($0.orientedOn) }.count,
            "daloFollowed": followed.filter(\.dalo).count,
            "actionLogementFollowed": followed.filter(\.actionLogement).count, "aidObtained": 0,
            "outcomes": count(\.endedOn), "stayAt6Months": 0, "stayAt12Months": 0, "endsDecidedInComite": 0,
            // The import holds no collective session.
            "collectiveSessions": 0, "collectiveParticipants": 0,
        ]
    }

    /// The derived figures for `year` (nil: a denominator of 0, said so), from the plan, with
    /// the counts each rests on.
    static func expectedDerived(_ plans: [Facts], year: Int) -> [String: (String?, [String])] {
        let counts = expectedCounts(plans, year: year)
        func months(_ days: [Int]) -> String? {
            days.isEmpty ? nil : String(format: "%.1f", Double(days.reduce(0, +)) / Double(days.count) / 30.4375)
        }
        func share(_ part: String) -> String? {
            counts["followed"]! == 0
                ? nil : String(format: "%.1f", 100 * Double(counts[part]!) / Double(counts["followed"]!))
        }
        let ends = plans.filter { $0.endedOn?.parts.year == year }
        let hotel = plans.filter { $0.fromHotel && $0.orientedOn.parts.year == year }
        let situationSince = Day(iso: "2020-01-15")!
        return [
            "rentArrearsAmount": (
                EuroAmount(cents: Int64(counts["rentArrears"]! * 30_000)).description, ["rentArrears"]
            ),
            "accompanimentDuration": (
                months(ends.map { $0.endedOn!.daysSinceEpoch - $0.acceptedOn!.daysSinceEpoch }), ["ended"]
            ),
            "flatAccompanimentDuration": (
                months(
                    ends.compactMap { facts in
                        facts.leaseSignedOn.map { facts.endedOn!.daysSinceEpoch - $0.adding(days: 3).daysSinceEpoch }
                    }), ["endedInFlat"]
            ),
            "priorHotelMonths": (
                months(hotel.map { $0.orientedOn.daysSinceEpoch - situationSince.daysSinceEpoch }), ["priorHotelStay"]
            ),
            "rentArrearsMonths": (String(counts["rentArrears"]!), ["rentArrears"]),
            "aidAmount": ("0.00", ["aidObtained"]),
            // No meeting was recorded: none per month of accompaniment, once someone was followed.
            "autonomy": (counts["followed"]! == 0 ? nil : "0.00", ["meetingsHeld", "followed"]),
            // The programme's 65,000 € a year over the year's days, per household followed.
            "costPerHousehold": (
                counts["followed"]! == 0
                    ? nil
                    : EuroAmount(
                        cents: Int64(
                            (6_500_000 * Double(EvaluationPeriod("\(year)")!.days) / 365
                                / Double(counts["followed"]!)).rounded())
                    ).description, ["followed"]
            ),
            "daloShare": (share("daloFollowed"), ["daloFollowed", "followed"]),
            "actionLogementShare": (share("actionLogementFollowed"), ["actionLogementFollowed", "followed"]),
            // Nobody was asked: no share, said so.
            "satisfactionShare": (nil, []),
        ]
    }
}
