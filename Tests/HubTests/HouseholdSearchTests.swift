import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub

/// Issue 20: `GET /v1/households?q=` finds a household by its reference or a person's name,
/// without case or accents, and only among the households the reader may see (R7: "no match"
/// and "not yours" are the same answer).
@Suite struct HouseholdSearchTests {
    @Test func theSearchFindsOnlyWhatTheReaderMaySee() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let id = world.household.uuidString
            let reference = try #require(
                try await client.execute(uri: "/v1/households/\(id)", method: .get, headers: world.headers(.leadBound))
                    .object["reference"] as? String)
            func search(_ term: String, as seat: HouseholdWorld.Seat) async throws -> TestResponse {
                let q = term.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? term
                return try await client.execute(
                    uri: "/v1/households?q=\(q)", method: .get, headers: world.headers(seat))
            }
            func ids(_ answer: TestResponse) -> [String] {
                (answer.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            var finders = 0
            for seat in HouseholdWorld.Seat.allCases {
                let door = try await client.execute(
                    uri: "/v1/households/\(id)", method: .get, headers: world.headers(seat))
                let nothing = try await search("Zyxwvu", as: seat)
                for term in [
                    "diallo", "DIALLO", "Awa Diallo", "diallo awa", "Àwà", String(reference.suffix(6)), reference,
                ] {
                    let found = try await search(term, as: seat)
                    #expect(found.status == nothing.status, "\(seat) \(term)")
                    if door.status == .ok {
                        #expect(
                            ids(found).contains { $0.caseInsensitiveCompare(id) == .orderedSame }, "\(seat) \(term)")
                    } else {
                        // Exactly the answer to a name nobody has.
                        #expect(ids(found) == ids(nothing), "\(seat) \(term)")
                        #expect(String(buffer: found.body).contains("Diallo") == false, "\(seat) \(term)")
                    }
                }
                if door.status == .ok { finders += 1 }
            }
            #expect(finders >= 3, "\(finders) seats through the door")
            // LIKE's own characters are taken literally, and the term is bounded.
            #expect(ids(try await search("%", as: .leadBound)).isEmpty)
            #expect(ids(try await search("_", as: .leadBound)).isEmpty)
            try await search(String(repeating: "a", count: 101), as: .leadBound).expectProblem(.badRequest, field: "q")
            try await client.execute(uri: "/v1/households?q=", method: .get, headers: world.headers(.leadBound))
                .expectProblem(.badRequest, field: "q")
        }
    }

    /// Schemathesis sent `q=%C2%A0`: one character, as `minLength` allows, but a space, which
    /// the search trims to nothing and refuses. The document says a term holds a character
    /// that is not a space, and the hub refuses what it says it refuses.
    @Test func aTermOfSpacesIsRefusedAsTheDocumentSays() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let list = try #require(
                ((document["paths"] as? [String: Any])?["/v1/households"] as? [String: Any])?["get"]
                    as? [String: Any])
            let q = try #require(
                (list["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "q" }?["schema"]
                    as? [String: Any])
            let pattern = try #require(q["pattern"] as? String, "q has no pattern")
            let regex = try NSRegularExpression(pattern: pattern)
            func documented(_ term: String) -> Bool {
                regex.firstMatch(in: term, range: NSRange(term.startIndex..., in: term)) != nil
            }
            for spaces in ["\u{00A0}", " ", "\t", "\n", "\u{2003}", "\u{2028}", " \u{00A0} "] {
                #expect(!documented(spaces), "\(spaces.unicodeScalars.map(\.value))")
                let encoded = spaces.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                try await client.execute(
                    uri: "/v1/households?q=\(encoded)", method: .get, headers: world.headers(.leadBound)
                ).expectProblem(.badRequest, field: "q")
            }
            for term in ["Diallo", " M-1 ", "\u{00A0}a"] {
                #expect(documented(term), "\(term)")
                let encoded = term.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let answer = try await client.execute(
                    uri: "/v1/households?q=\(encoded)", method: .get, headers: world.headers(.leadBound))
                #expect(answer.status == .ok, "\(term)")
            }
        }
    }
}
