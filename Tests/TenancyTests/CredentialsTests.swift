import Foundation
import Testing

@testable import Tenancy

@Suite struct CredentialsTests {
    @Test func tokensCarryAtLeast128RandomBitsAndDiffer() {
        let tokens = (0..<1000).map { _ in Credentials.newToken() }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens {
            // 32 bytes in unpadded URL-safe base64: 43 characters, 256 bits.
            #expect(token.count == 43)
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
    }

    @Test func onlyTheHashIsKeptAndItIsStable() {
        let token = Credentials.newToken()
        #expect(Credentials.tokenHash(token) == Credentials.tokenHash(token))
        #expect(Credentials.tokenHash(token).count == 32)
        #expect(Credentials.tokenHash(token) != Data(token.utf8))
    }

    @Test func passwordsVerifyOnlyThemselves() async throws {
        let hash = try await Credentials.hashPassword("un mot de passe correct")
        #expect(hash.hasPrefix("$2"))
        #expect(hash.contains("$12$"))
        #expect(try await Credentials.verifyPassword("un mot de passe correct", hash: hash))
        #expect(try await !Credentials.verifyPassword("un mot de passe incorrect", hash: hash))
    }
}

@Suite struct SignInDelayTests {
    @Test func failuresAreSlowedDoublingUpToTheCap() throws {
        var policy = SessionPolicy()
        policy.slowAfter = 3
        policy.baseDelay = .milliseconds(500)
        policy.maximumDelay = .seconds(4)
        // The delay only depends on the policy: the client is never used here.
        let delays = (3...8).map { policy.delay(afterFailures: $0) }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
    }
}

@Suite struct AccessRulesTests {
    func actor(_ roles: Set<Role>) -> Actor {
        Actor(
            userID: UUID(), organisationID: UUID(), roles: roles, boundBySecret: true, sessionID: UUID(),
            sessionExpiresAt: Date())
    }

    @Test func onlyOrgAdminsManageMembers() {
        #expect(AccessRules.mayManageMembers(actor([.orgAdmin])))
        for role in Role.allCases where role != .orgAdmin {
            #expect(!AccessRules.mayManageMembers(actor([role])))
        }
    }

    @Test func rolesSettingIsSortedAndStable() {
        #expect(actor([.orgAdmin, .socialWorker]).rolesSetting == "socialWorker,orgAdmin")
    }
}
