import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// The contrat d'accompagnement (issue 5): its terms are checked before anything is stored,
/// and PostgreSQL refuses a contract signed by anyone but the lead organisation.
@Suite struct ContractTests {
    static func contract(
        kind: String = "avdl", objectives: [String] = ["SL", "SH"], startsOn: String = "2025-01-06",
        plannedEndOn: String = "2026-01-05", signedOn: String = "2025-01-06", departement: Bool = false
    ) -> [String: Any] {
        [
            "kind": kind, "objectives": objectives, "startsOn": startsOn, "plannedEndOn": plannedEndOn,
            "signedOn": signedOn, "signatories": ["household": true, "operator": true, "departement": departement],
        ]
    }

    @Test func termsAreCheckedAndTheContractIsReadThroughTheDoor() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let uri = "/v1/households/\(world.household)/contracts"
            let lead = world.headers(.leadBound)
            for (body, field) in [
                (Self.contract(kind: "cdi"), "kind"),
                (Self.contract(objectives: []), "objectives"),
                (Self.contract(objectives: ["SL", "SL"]), "objectives"),
                (Self.contract(objectives: ["XX"]), "objectives"),
                (Self.contract(plannedEndOn: "2024-12-31"), "plannedEndOn"),
                (Self.contract(plannedEndOn: "2025-02-30"), "plannedEndOn"),
                (Self.contract(signedOn: "2999-01-01"), "signedOn"),
                (Self.contract(kind: "masp2", plannedEndOn: "2025-05-01", departement: true), "plannedEndOn"),
                (Self.contract(kind: "masp2", plannedEndOn: "2027-06-01", departement: true), "plannedEndOn"),
                (Self.contract(kind: "masp2"), "signatories"),
            ] {
                try await client.execute(uri: uri, method: .post, headers: lead, body: json(body))
                    .expectProblem(.unprocessableContent, field: field)
            }
            var unsigned = Self.contract()
            unsigned["signatories"] = ["household": false, "operator": true, "departement": false]
            try await client.execute(uri: uri, method: .post, headers: lead, body: json(unsigned))
                .expectProblem(.unprocessableContent, field: "signatories")

            let masp2 = try await client.execute(
                uri: uri, method: .post, headers: lead,
                body: json(Self.contract(kind: "masp2", plannedEndOn: "2026-07-05", departement: true)))
            #expect(masp2.status == .created)
            #expect(masp2.object["kind"] as? String == "masp2")
            // Every section of the grid is an objective, SE (savoir s'adapter) included.
            let avdl = try await client.execute(
                uri: uri, method: .post, headers: lead,
                body: json(Self.contract(objectives: ["PL", "SL", "SH", "SE", "BA"])))
            #expect(avdl.status == .created)

            // Newest first, the same for every reader through the door; nobody else sees any.
            let read = try await client.execute(uri: uri, method: .get, headers: world.headers(.housingOfficer))
            #expect(read.items.compactMap { $0["kind"] as? String } == ["avdl", "masp2"])
            #expect(read.items.first?["plannedEndOn"] as? String == "2026-01-05")
            try await client.execute(uri: uri, method: .get, headers: world.headers(.partnerWithdrawn))
                .expectProblem(.notFound)
            let log = try await client.execute(
                uri: "/v1/households/\(world.household)/access-log?limit=200", method: .get, headers: lead)
            let actions = Set(log.items.compactMap { $0["action"] as? String })
            #expect(actions.isSuperset(of: ["contract.create", "contract.read"]))
        }
    }

    @Test func theDatabaseRefusesAContractFromAnotherOrganisation() async throws {
        let world = try await HouseholdAccessMatrixTests().withCheckedWorld()
        try await withRuntime { client in
            for seat in [HouseholdWorld.Seat.partnerSecret, .housingOfficer, .facilitator] {
                let actor = world.people[seat]!.actor
                await #expect(throws: PSQLError.self, "\(seat)") {
                    try await client.withActor(actor, logger: TestDatabase.logger) { connection in
                        try await connection.perform(
                            """
                            INSERT INTO contracts (id, household_id, author_organisation_id, author_user_id, kind,
                                objectives, starts_on, planned_end_on, signed_on, signed_by_household,
                                signed_by_operator, signed_by_departement)
                            VALUES (\(UUID()), \(world.household), \(actor.organisationID), \(actor.userID), 'avdl',
                                    ARRAY['SL'], '2025-01-01', '2026-01-01', '2025-01-01', true, true, false)
                            """, logger: TestDatabase.logger)
                    }
                }
            }
        }
    }
}
