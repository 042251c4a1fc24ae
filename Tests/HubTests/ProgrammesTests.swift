import Foundation
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

@Suite struct ProgrammesTests {
    @Test func partnersSeeTheirProgrammesAndOthersSeeNothing() async throws {
        let (programme, operatorToken, outsiderToken, landlord) = try await withOwner { owner in
            let alfi = try await Fixtures.organisation(.supportOperator, on: owner)
            let antin = try await Fixtures.organisation(.socialLandlord, on: owner)
            let outsider = try await Fixtures.organisation(.shelterProvider, on: owner)
            let programme = try await Fixtures.programme(
                partners: [(alfi, .holder), (alfi, .operator), (antin, .landlord)], on: owner)
            return (
                programme,
                try await Fixtures.token(
                    for: try await Fixtures.user(in: alfi, roles: [.socialWorker], on: owner), on: owner),
                try await Fixtures.token(
                    for: try await Fixtures.user(in: outsider, roles: [.serviceHead], on: owner), on: owner),
                antin
            )
        }
        try await withApp { client in
            let list = try await client.execute(uri: "/v1/programmes", method: .get, headers: bearer(operatorToken))
            #expect(list.items.count == 1)
            let shown = try await client.execute(
                uri: "/v1/programmes/\(programme)", method: .get, headers: bearer(operatorToken))
            #expect(shown.object["yearlyBudgetEuros"] as? String == "65000.00")
            #expect(shown.object["targetHouseholds"] as? Int == 30)
            let partners = shown.object["partners"] as? [[String: Any]] ?? []
            #expect(partners.count == 2)
            let antin = partners.first { ($0["organisation"] as? [String: Any])?["name"] as? String == landlord.name }
            #expect(antin?["parts"] as? [String] == ["landlord"])

            let none = try await client.execute(uri: "/v1/programmes", method: .get, headers: bearer(outsiderToken))
            #expect(none.items.isEmpty)
            try await client.execute(uri: "/v1/programmes/\(programme)", method: .get, headers: bearer(outsiderToken))
                .expectProblem(.notFound)
        }
    }
}
