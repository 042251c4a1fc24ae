import Foundation
import Hummingbird
import HummingbirdTesting
import Notify
import PostgresNIO
import TestSupport
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 21, item 7: each recipient is told what is true for them. A household oriented by one
/// organisation and accepted by another: the orienting organisation hears that a household it
/// oriented was accepted; the new référente, who oriented nothing, hears that she now follows
/// a household of her organisation. Inbox, e-mail subject and body alike; the e-mail names
/// nobody and links to the console's page, not to the API.
///
/// In NotifyTests' serialized suite: its drains fan out every pending event of the database,
/// and must not run beside the other tests that count what arrives.
extension NotifyTests {
    @Test func theReferentIsNotToldSheOrientedTheHousehold() async throws {
        let smtp = try await LocalSMTPServer.start()
        defer { smtp.stop() }
        try await withApp { client in
            let (programme, op, ref) = try await withOwner { owner in
                let op = try await Fixtures.organisation(.supportOperator, on: owner)
                let ref = try await Fixtures.organisation(.shelterProvider, on: owner)
                let programme = try await Fixtures.programme(
                    partners: [(op, .holder), (op, .operator), (ref, .referrer)], on: owner)
                return (programme, op, ref)
            }
            let orienting = try await NotifyTests.member(ref, [.socialWorker], bound: true)
            let head = try await NotifyTests.member(ref, [.serviceHead], bound: true)
            let accepting = try await NotifyTests.member(op, [.socialWorker], bound: true)
            let referent = try await NotifyTests.member(op, [.socialWorker], bound: true)
            let oriented = try await client.execute(
                uri: "/v1/households", method: .post, headers: bearer(orienting.token),
                body: json(HouseholdWorld.orientation(programme: programme)))
            #expect(oriented.status == .created)
            let household = try #require(oriented.object["id"] as? String).lowercased()
            let reference = try #require(oriented.object["reference"] as? String)
            let accepted = try await client.execute(
                uri: "/v1/households/\(household)/accept", method: .post, headers: bearer(accepting.token),
                body: json(["referentUserId": referent.user.id.uuidString, "occurredOn": HouseholdWorld.orientedOn]))
            #expect(accepted.status == .ok)
            try await withRuntime { runtime in
                try await NotifyTests.drainUntil(NotifyTests.dispatcher(runtime, smtp: smtp.port)) {
                    let mails = (try? smtp.messages()) ?? []
                    return mails.contains { $0.to == referent.user.email }
                        && mails.contains { $0.to == head.user.email }
                }
            }

            func acceptance(_ member: NotifyTests.Member) async throws -> [String: Any] {
                try #require(
                    try await NotifyTests.inbox(client, member.token).first {
                        $0["topic"] as? String == "householdAccepted"
                    })
            }
            let toReferent = try await acceptance(referent)
            let toOrienting = try await acceptance(head)
            #expect(
                toReferent["title"] as? String
                    == "Vous êtes désormais référent·e d'un ménage accepté par votre organisation")
            #expect(toReferent["audience"] as? String == "referent")
            #expect(toOrienting["title"] as? String == "Un ménage orienté par votre organisation a été accepté")
            #expect(toOrienting["audience"] as? String == "orientingOrganisation")
            for message in [toReferent, toOrienting] {
                #expect(!(message["title"] as? String ?? "").contains("vous avez orienté"))
                // `link` stays the API's resource; `page` is the console's.
                #expect(message["link"] as? String == "/v1/households/\(household)")
                #expect(message["page"] as? String == "/menages/\(household)")
            }

            // The e-mails say the same, with the reference and the page's link, and no name (R13).
            let mails = try smtp.messages()
            let referentMail = try #require(mails.first { $0.to == referent.user.email })
            let headMail = try #require(mails.first { $0.to == head.user.email && $0.subject.contains("accepté") })
            #expect(
                referentMail.subject
                    == "[Hub partenaires] Vous êtes désormais référent·e d'un ménage accepté par votre organisation — \(reference)"
            )
            #expect(
                headMail.subject
                    == "[Hub partenaires] Un ménage orienté par votre organisation a été accepté — \(reference)")
            for mail in [referentMail, headMail] {
                #expect(!mail.raw.contains("vous avez orienté"))
                #expect(mail.body.contains("Référence : \(reference)"))
                #expect(mail.body.contains("https://hub.example.org/menages/\(household)"))
                #expect(!mail.body.contains("/v1/"))
                for name in ["Awa", "Diallo", "Moussa", "hotelFamily"] { #expect(!mail.raw.contains(name)) }
            }
        }
    }
}
