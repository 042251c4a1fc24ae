import Foundation
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

/// Many requests of several organisations at once over a pool of two connections: each
/// sees its own members and nobody else's, whatever connection it lands on.
@Suite struct ConcurrencyTests {
    @Test func parallelRequestsNeverSeeAnotherOrganisation() async throws {
        let organisations = try await withOwner { owner in
            var organisations: [(token: String, emails: Set<String>)] = []
            for _ in 0..<4 {
                let org = try await Fixtures.organisation(on: owner)
                let admin = try await Fixtures.user(in: org, roles: [.orgAdmin], on: owner)
                var emails: Set<String> = [admin.email]
                for _ in 0..<3 {
                    emails.insert(try await Fixtures.user(in: org, roles: [.socialWorker], on: owner).email)
                }
                organisations.append((try await Fixtures.token(for: admin, on: owner), emails))
            }
            return organisations
        }
        try await withApp(configure: { $0.database.poolSize = 2 }) { client in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for round in 0..<200 {
                    let (token, emails) = organisations[round % organisations.count]
                    group.addTask {
                        let answer = try await client.execute(uri: "/v1/users", method: .get, headers: bearer(token))
                        let seen = Set(answer.items.compactMap { $0["email"] as? String })
                        return answer.status == .ok && seen == emails
                    }
                }
                var all = 0
                for try await ok in group {
                    #expect(ok)
                    all += 1
                }
                #expect(all == 200)
            }
        }
    }
}
