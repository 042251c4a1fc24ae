import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// ACCESS.md R1–R7 as tables: every household route × every seat of `HouseholdWorld`,
/// through HTTP and through raw SQL run as the runtime role under each seat's settings.
@Suite struct HouseholdAccessMatrixTests {
    typealias Seat = HouseholdWorld.Seat

    /// Columns: leadBound, partnerSecret, partnerPartners, partnerWithdrawn, partnerExpired,
    /// housingOfficer, facilitator, orgAdmin, evaluator, otherProgramme, anonymous.
    static let columns: [Seat] = [
        .leadBound, .partnerSecret, .partnerPartners, .partnerWithdrawn, .partnerExpired, .housingOfficer,
        .facilitator, .orgAdmin, .evaluator, .otherProgramme, .anonymous,
    ]

    static let matrix: [(String, String, [Int])] = [
        ("GET", "/v1/households", [200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 401]),
        ("GET", "/v1/households/{h}", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/notes", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/consents", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/care-team", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/diagnostics", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/diagnostics/{d}", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/access-log", [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/export", [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/notes", [201, 201, 201, 404, 404, 201, 201, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/consents", [201, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/care-team", [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/break-glass", [403, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/accept", [409, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/decline", [409, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        (
            "POST", "/v1/households/{h}/consents/{expired}/withdraw",
            [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]
        ),
        (
            "DELETE", "/v1/households/{h}/care-team/{expiredOrg}",
            [204, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]
        ),
        ("PUT", "/v1/households/{h}/diagnostics/{d}", [409, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        (
            "POST", "/v1/households/{h}/diagnostics/{d}/validate",
            [409, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]
        ),
        ("POST", "/v1/households/{h}/diagnostics", [201, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/contracts", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        // The contract is the lead organisation's: its social workers and service heads sign it.
        ("POST", "/v1/households/{h}/contracts", [201, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/meetings", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/aids", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        // Social workers of any organisation through the door; not the bailleur, not a facilitator.
        ("POST", "/v1/households/{h}/meetings", [201, 201, 201, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/aids", [201, 201, 201, 404, 404, 403, 403, 404, 404, 404, 401]),
        // Orienting: bound professionals of the programme's orienteurs and opérateur; a
        // funder may not; another programme's user names a programme it cannot see.
        ("POST", "/v1/households", [201, 201, 403, 403, 201, 403, 403, 403, 403, 422, 401]),
        ("GET", "/v1/diagnostic-grid", [200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 401]),
        // Flats are the bailleur's; one proposed to the household is seen by its readers.
        ("GET", "/v1/flats", [403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 401]),
        ("POST", "/v1/flats", [403, 403, 403, 403, 403, 201, 403, 403, 403, 403, 401]),
        ("GET", "/v1/flats/{f}", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/proposals", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/cal-decisions", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/alerts", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/leases", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/outcomes", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        ("GET", "/v1/households/{h}/timeline", [200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 401]),
        // The bailleur writes proposals, CAL decisions and alerts (an alert needs a lease: 409
        // proves the bailleur passed the rights); the answer is also the référent's to record
        // (the bailleur then finds it recorded).
        ("POST", "/v1/households/{h}/proposals", [403, 403, 403, 404, 404, 201, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/proposals/{p}/answer", [200, 403, 403, 404, 404, 409, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/cal-decisions", [403, 403, 403, 404, 404, 201, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/alerts", [403, 403, 403, 404, 404, 409, 403, 404, 404, 404, 401]),
        // The lease, the end and a reopening are the lead organisation's; the lease waits for
        // an attribution (the CAL postponed).
        ("POST", "/v1/households/{h}/leases", [409, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        // A meeting is completed by the organisation that planned it.
        ("PATCH", "/v1/households/{h}/meetings/{m}", [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/end", [201, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        ("POST", "/v1/households/{h}/reopen", [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
        // Libre adhésion: recorded by bound users of the lead organisation, like a consent.
        ("POST", "/v1/households/{h}/withdraw", [200, 403, 403, 404, 404, 403, 403, 404, 404, 404, 401]),
    ]

    /// What each seat reads of the household's notes and diagnostic (R2–R4).
    static let notesSeen: [Seat: Set<String>] = [
        .leadBound: ["lead-partners", "lead-secret", "lead-private"],
        .partnerSecret: ["lead-partners", "lead-secret", "ref-private"],
        .partnerPartners: ["lead-partners"],
        .housingOfficer: ["lead-partners"],
        .facilitator: ["lead-partners"],
    ]
    static let diagnosticSeen: [Seat: Set<String>] = [
        .leadBound: [
            "acquis", "soutienNecessaire", "enCours", "diag-comment-secret", "diag-comment-private",
            "diag-comment-partners", "diag-view-secret", "diag-preconisations-secret",
        ],
        .partnerSecret: [
            "acquis", "soutienNecessaire", "enCours", "diag-comment-secret", "diag-comment-partners",
            "diag-view-secret", "diag-preconisations-secret",
        ],
        .partnerPartners: ["acquis", "soutienNecessaire", "enCours", "diag-comment-partners"],
        .housingOfficer: ["acquis", "soutienNecessaire", "enCours", "diag-comment-partners"],
        .facilitator: ["acquis", "soutienNecessaire", "enCours", "diag-comment-partners"],
    ]

    /// The household, with a flat of the bailleur proposed to it and a past meeting planned
    /// by the lead organisation, for the routes that name them.
    struct PathWorld {
        let flat: String
        let proposal: String
        let meeting: String
    }

    func body(for route: String, world: HouseholdWorld, path: PathWorld) -> ByteBuffer? {
        switch route {
        case "/v1/households/{h}/notes": json(["body": "note du matrice", "level": "partners"])
        case "/v1/households/{h}/consents":
            json(HouseholdWorld.consent(recipient: world.organisations["land"]!.id, level: "partners"))
        case "/v1/households/{h}/care-team": json(["organisationId": world.organisations["land"]!.id.uuidString])
        case "/v1/households/{h}/break-glass":
            json(["justification": "Mise en danger signalée cette nuit par l'hôtel."])
        case "/v1/households/{h}/accept": json(["referentUserId": world.people[.leadBound]!.user.id.uuidString])
        case "/v1/households/{h}/decline": json(["reason": "Le ménage relève d'un autre dispositif."])
        case "/v1/households/{h}/diagnostics/{d}": json(HouseholdWorld.diagnosticContent)
        case "/v1/households": json(HouseholdWorld.orientation(programme: world.programme))
        case "/v1/households/{h}/contracts": json(ContractTests.contract())
        case "/v1/households/{h}/meetings": json(SocialWorkTests.meeting())
        case "/v1/households/{h}/aids": json(SocialWorkTests.aid())
        case "/v1/flats": json(PathTests.flat())
        case "/v1/households/{h}/proposals": json(["flatId": path.flat, "proposedOn": PathTests.day(-3)])
        case "/v1/households/{h}/proposals/{p}/answer": json(["answer": "accepted", "answeredOn": PathTests.day(-2)])
        case "/v1/households/{h}/cal-decisions":
            json(PathTests.decision(path.proposal, "postponement", on: PathTests.day(-1)))
        case "/v1/households/{h}/alerts": json(["kind": "upkeep", "reportedOn": PathTests.day(0)])
        case "/v1/households/{h}/leases":
            json(["kind": "direct", "signedOn": PathTests.day(0), "referentAttended": true])
        case "/v1/households/{h}/meetings/{m}": json(["status": "held", "durationMinutes": 30])
        case "/v1/households/{h}/end": json(["outcome": "voluntaryDeparture", "endedOn": PathTests.day(0)])
        default: nil
        }
    }

    @Test func everyRouteAnswersEachSeatAsACCESSmdSays() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let history = try await client.execute(
                uri: "/v1/households/\(world.household)/diagnostics", method: .get, headers: world.headers(.leadBound))
            let diagnostic = try #require(history.items.first?["id"] as? String)
            let expiredOrg = world.organisations["partE"]!.id.uuidString
            let consents = try await client.execute(
                uri: "/v1/households/\(world.household)/consents", method: .get, headers: world.headers(.leadBound))
            let expired = try #require(
                consents.items.first {
                    ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String == expiredOrg
                }?["id"] as? String)
            let path = try await Self.pathWorld(client, world)
            for (method, route, expected) in Self.matrix {
                let uri = route.replacingOccurrences(of: "{h}", with: world.household.uuidString)
                    .replacingOccurrences(of: "{f}", with: path.flat)
                    .replacingOccurrences(of: "{p}", with: path.proposal)
                    .replacingOccurrences(of: "{m}", with: path.meeting)
                    .replacingOccurrences(of: "{d}", with: diagnostic)
                    .replacingOccurrences(of: "{expiredOrg}", with: expiredOrg)
                    .replacingOccurrences(of: "{expired}", with: expired)
                for (seat, status) in zip(Self.columns, expected) {
                    let answer = try await client.execute(
                        uri: uri, method: HTTPRequest.Method(method)!,
                        headers: world.headers(seat) + (method == "GET" ? [:] : [.ifMatch: "\"x\""]),
                        body: body(for: route, world: world, path: path))
                    #expect(Int(answer.status.code) == status, "\(method) \(route) pour \(seat)")
                    if status >= 400 { answer.expectProblem(answer.status) }
                    // A hidden household names nobody, even in its error.
                    if status == 404 || status == 403 {
                        #expect(!String(buffer: answer.body).contains("Diallo"), "\(method) \(route) pour \(seat)")
                    }
                }
            }
        }
    }

    static func pathWorld(_ client: some TestClientProtocol, _ world: HouseholdWorld) async throws -> PathWorld {
        let flat = try await client.execute(
            uri: "/v1/flats", method: .post, headers: world.headers(.housingOfficer), body: json(PathTests.flat()))
        let flatID = try #require(flat.object["id"] as? String)
        let proposal = try await client.execute(
            uri: "/v1/households/\(world.household)/proposals", method: .post, headers: world.headers(.housingOfficer),
            body: json(["flatId": flatID, "proposedOn": PathTests.day(-5)]))
        let meeting = try await client.execute(
            uri: "/v1/households/\(world.household)/meetings", method: .post, headers: world.headers(.leadBound),
            body: json(SocialWorkTests.meeting(status: "planned", duration: nil)))
        return PathWorld(
            flat: flatID, proposal: try #require(proposal.object["id"] as? String),
            meeting: try #require(meeting.object["id"] as? String))
    }

    @Test func eachSeatReadsExactlyItsLevels() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            for seat in Seat.allCases {
                let notes = try await client.execute(
                    uri: "/v1/households/\(world.household)/notes", method: .get, headers: world.headers(seat))
                let bodies = Set(notes.items.compactMap { $0["body"] as? String }).intersection(world.notes)
                #expect(bodies == Self.notesSeen[seat] ?? [], "notes lues par \(seat)")

                let household = try await client.execute(
                    uri: "/v1/households/\(world.household)", method: .get, headers: world.headers(seat))
                let diagnostic = household.object["currentDiagnostic"] as? [String: Any]
                #expect(Self.values(in: diagnostic) == Self.diagnosticSeen[seat] ?? [], "diagnostic lu par \(seat)")

                let list = try await client.execute(
                    uri: "/v1/households?limit=200", method: .get, headers: world.headers(seat))
                let listed = list.items.contains { $0["id"] as? String == world.household.uuidString }
                #expect(listed == (Self.notesSeen[seat] != nil), "liste de \(seat)")
            }
        }
    }

    /// The database enforces the same table without the Swift code: raw SQL as the runtime
    /// role under each seat's settings.
    @Test func theDatabaseEnforcesTheSameRules() async throws {
        let world = try await withCheckedWorld()
        try await withRuntime { client in
            for seat in Seat.allCases where seat != .anonymous {
                let actor = world.people[seat]!.actor
                let (visible, notes, entries) = try await client.withActor(actor, logger: TestDatabase.logger) {
                    connection in
                    let visible =
                        try await connection.query(
                            "SELECT count(*) FROM households WHERE id = \(world.household)", logger: TestDatabase.logger
                        ).decode(Int.self).first { _ in true } ?? 0
                    var notes: Set<String> = []
                    for try await body in try await connection.query(
                        "SELECT body FROM notes WHERE household_id = \(world.household)", logger: TestDatabase.logger
                    ).decode(String.self) { notes.insert(body) }
                    var entries: Set<String> = []
                    for try await value in try await connection.query(
                        "SELECT value FROM diagnostic_entries WHERE household_id = \(world.household)",
                        logger: TestDatabase.logger
                    ).decode(String.self) { entries.insert(value) }
                    return (visible, notes, entries)
                }
                #expect(visible == (Self.notesSeen[seat] != nil ? 1 : 0), "porte SQL pour \(seat)")
                #expect(notes.intersection(world.notes) == Self.notesSeen[seat] ?? [], "notes SQL pour \(seat)")
                #expect(entries == Self.diagnosticSeen[seat] ?? [], "diagnostic SQL pour \(seat)")
            }
        }
    }

    func withCheckedWorld() async throws -> HouseholdWorld {
        let box = WorldBox()
        try await withApp { client in await box.set(try await HouseholdWorld.make(client)) }
        return try #require(await box.world)
    }

    static func values(in diagnostic: [String: Any]?) -> Set<String> {
        guard let diagnostic else { return [] }
        var values: Set<String> = []
        func add(_ piece: Any?) {
            if let value = (piece as? [String: Any])?["value"] as? String { values.insert(value) }
        }
        for section in diagnostic["sections"] as? [[String: Any]] ?? [] {
            add(section["view"])
            for item in section["items"] as? [[String: Any]] ?? [] {
                add(item["assessment"])
                add(item["comment"])
            }
        }
        add(diagnostic["preconisations"])
        return values
    }
}

actor WorldBox {
    var world: HouseholdWorld?
    func set(_ world: HouseholdWorld) { self.world = world }
}
