import Foundation
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

/// French documents say French words (issue 16): no code of the household's vocabulary reaches
/// the right-of-access document a household reads.
@Suite struct FrenchDocumentTests {
    @Test func theRightOfAccessDocumentSaysTheHouseholdInFrench() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let export = try await client.execute(
                uri: "/v1/households/\(world.household)/export?format=markdown", method: .get,
                headers: world.headers(.leadBound))
            #expect(export.status == .ok)
            let text = String(buffer: export.body)
            let household = try #require(text.components(separatedBy: "## Le ménage").last?
                .components(separatedBy: "\n## ").first)
            // HouseholdWorld's household: a hotel family, diagnosed, DALO, an applicant and a child.
            for words in [
                "Public : famille hébergée à l'hôtel", "Situation actuelle : hôtel depuis le 15/01/2020",
                "Statut de l'accompagnement : diagnostic partagé validé", "Reconnaissance DALO : le 01/03/2022", "(demandeur·se)", "(enfant)",
            ] {
                #expect(household.contains(words), "« \(words) » absent")
            }
            let codes =
                HouseholdVocabulary.publics.union(HouseholdVocabulary.situations)
                .union(HouseholdVocabulary.relations).union(PathState.allCases.map(\.rawValue))
            for code in codes { #expect(!household.contains(code), "code « \(code) » dans le document") }
            // Consents and the access log: levels and outcomes in words.
            #expect(text.contains("niveau secret partagé") && !text.contains("niveau secret,"))
            #expect(text.contains("consultation") && !text.contains(", disclosed"))
        }
    }
}
