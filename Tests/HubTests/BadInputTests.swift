import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

/// Every route, fed garbage by a user who may use it: always a problem+json 4xx, never a 500.
@Suite struct BadInputTests {
    static let bodies: [ByteBuffer] = [
        ByteBuffer(string: "{"), ByteBuffer(string: "[]"), ByteBuffer(string: "null"), ByteBuffer(string: "\"texte\""),
        ByteBuffer(string: "{\"inconnu\": 1}"), ByteBuffer(string: "{\"email\": [], \"level\": 7, \"items\": {}}"),
        ByteBuffer(string: "{\"body\": \"" + String(repeating: "x", count: 70_000) + "\"}"),
        ByteBuffer(bytes: [0xff, 0xfe, 0x00, 0x7b]),
    ]

    @Test func garbageNeverMakesA500() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let routes = try await withRuntime { runtime in
                let router = Router(context: HubRequestContext.self)
                addRoutes(to: router, client: runtime, migrator: Migrator(migrations: []), session: SessionPolicy())
                return router.routes.map { ($0.method, $0.path.description) }
            }
            let history = try await client.execute(
                uri: "/v1/households/\(world.household)/diagnostics", method: .get, headers: world.headers(.leadBound))
            let diagnostic = try #require(history.items.first?["id"] as? String)
            let admin = try await withOwner { owner in
                try await Fixtures.token(
                    for: try await Fixtures.user(in: world.organisations["op"]!, roles: [.orgAdmin], on: owner),
                    on: owner)
            }
            // Routes that read no body (every DELETE, validation, withdrawal, starting a draft,
            // disabling, marking read, rotating, replaying, proposing or confirming the secret
            // mark, accepting an invitation) have nothing to feed; every other write decodes one.
            let bodyless: Set<String> = [
                "validate", "withdraw", "disable", "read", "rotate-secret", "replay", "reopen", "agenda/build",
                "publish", "diffuse", "bound-by-secret", "confirm", "invitations/{invitationId}/accept",
            ]
            var exercised: Set<String> = []
            for (method, path) in routes where method != .get && method != .delete {
                guard !bodyless.contains(where: { path.hasSuffix($0) }),
                    !(method == .post && path.hasSuffix("/diagnostics"))
                else { continue }
                let uri =
                    "/"
                    + path.split(separator: "/").map { segment -> String in
                        switch segment {
                        case "{householdId}": world.household.uuidString
                        case "{diagnosticId}": diagnostic
                        case "{organisationId}": world.organisations["land"]!.id.uuidString
                        case "{userId}", "{consentId}", "{programmeId}", "{messageId}", "{subscriptionId}",
                            "{deliveryId}", "{meetingId}", "{proposalId}", "{alertId}", "{leaseId}", "{outcomeId}",
                            "{cellId}",
                            "{comiteId}", "{itemId}", "{actionId}":
                            UUID().uuidString
                        default: String(segment)
                        }
                    }.joined(separator: "/")
                exercised.insert("\(method) \(path)")
                let forAdmin = ["/v1/users", "/v1/webhooks", "/v1/invitations"].contains {
                    path.hasPrefix($0) || path.hasPrefix($0.dropFirst())
                }
                let token = forAdmin ? admin : world.token(.leadBound)!
                for body in Self.bodies {
                    let answer = try await client.execute(
                        uri: uri, method: method, headers: bearer(token) + [.ifMatch: "\"x\""], body: body)
                    #expect((400..<500).contains(answer.status.code), "\(method) \(uri) → \(answer.status.code)")
                    if answer.status.code >= 400 { answer.expectProblem(answer.status) }
                }
            }
            // Sign-in, invitation and enrolment, orientation, acceptance, decline, care team, consent,
            // note, break-glass, draft update, e-mail preferences, webhook subscription, contract,
            // meeting and its completion, aid, flat, proposal and its answer, CAL decision, alert
            // and its resolution, lease with its entry and slide, end, stay in the flat; a cell, its
            // people, situations and extraordinary comités; a comité's agenda order and items, its
            // holding, decisions, actions and their follow-up, errata, its move and cancellation; a
            // request to the comité; a caseload import; a programme's collective session.
            #expect(exercised.count == 44, "\(exercised.sorted())")
        }
    }
}
