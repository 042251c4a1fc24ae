import Foundation
import Testing

@testable import Tenancy

/// R1–R4 and R8 without a database: the same table the HTTP and SQL matrices check.
@Suite struct HouseholdAccessTests {
    let lead = UUID()
    let secretPartner = UUID()
    let partnersPartner = UUID()
    let teamWithoutConsent = UUID()
    let stranger = UUID()

    var facts: HouseholdFacts {
        HouseholdFacts(
            leadOrganisationID: lead, careTeam: [secretPartner, partnersPartner, teamWithoutConsent],
            consents: [secretPartner: .secret, partnersPartner: .partners], readerBrokeGlass: false)
    }

    func actor(_ organisation: UUID, _ roles: Set<Role> = [.socialWorker], bound: Bool = true) -> Actor {
        Actor(
            userID: UUID(), organisationID: organisation, roles: roles, boundBySecret: bound, sessionID: UUID(),
            sessionExpiresAt: Date())
    }

    @Test func theDoor() {
        #expect(AccessRules.passesDoor(actor(lead), facts))
        #expect(AccessRules.passesDoor(actor(secretPartner), facts))
        #expect(AccessRules.passesDoor(actor(partnersPartner, [.housingOfficer], bound: false), facts))
        #expect(!AccessRules.passesDoor(actor(teamWithoutConsent), facts))
        #expect(!AccessRules.passesDoor(actor(stranger), facts))
        #expect(!AccessRules.passesDoor(actor(lead, [.orgAdmin]), facts))
        #expect(!AccessRules.passesDoor(actor(lead, [.evaluator]), facts))
    }

    /// Rows: reader; columns: partners, secret, private — each item written by the lead.
    @Test func levelsByReader() {
        let table: [(Actor, [Bool])] = [
            (actor(lead), [true, true, true]),
            (actor(lead, bound: false), [true, false, false]),
            (actor(secretPartner), [true, true, false]),
            (actor(secretPartner, bound: false), [true, false, false]),
            (actor(partnersPartner), [true, false, false]),
            (actor(stranger), [false, false, false]),
        ]
        for (reader, expected) in table {
            let seen = Level.allCases.map { AccessRules.mayRead($0, author: lead, reader, facts) }
            #expect(seen == expected)
        }
    }

    @Test func authorsReadTheirOwnSecretAndPrivateItems() {
        let reader = actor(partnersPartner)
        #expect(AccessRules.mayRead(.secret, author: partnersPartner, reader, facts))
        #expect(AccessRules.mayRead(.private, author: partnersPartner, reader, facts))
        #expect(!AccessRules.mayRead(.private, author: partnersPartner, actor(lead), facts))
    }

    @Test func breakGlassOpensSecretNeverPrivate() {
        var opened = facts
        opened.readerBrokeGlass = true
        let head = actor(partnersPartner, [.serviceHead])
        #expect(AccessRules.mayBreakGlass(head, facts))
        #expect(!AccessRules.mayBreakGlass(actor(partnersPartner, [.serviceHead], bound: false), facts))
        #expect(!AccessRules.mayBreakGlass(actor(partnersPartner), facts))
        #expect(AccessRules.mayRead(.secret, author: lead, head, opened))
        #expect(!AccessRules.mayRead(.private, author: lead, head, opened))
    }
}
