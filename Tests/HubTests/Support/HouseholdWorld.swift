import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// A programme and one household seen from every seat of ACCESS.md's matrix: the lead
/// organisation (after acceptance), the orienting partner holding a `secret` consent, a
/// partner with a `partners` consent, partners whose consent was withdrawn or expired, the
/// bailleur's housing officer, an unbound facilitator and the admin of the lead
/// organisation, the programme's evaluator, another programme's social worker, anonymous.
struct HouseholdWorld: Sendable {
    enum Seat: String, CaseIterable, Sendable {
        case leadBound, partnerSecret, partnerPartners, partnerWithdrawn, partnerExpired, housingOfficer,
            facilitator, orgAdmin, evaluator, otherProgramme, anonymous
    }

    struct Person: Sendable {
        let user: Fixtures.User
        let roles: Set<Role>
        let bound: Bool
        let token: String

        var actor: Actor {
            Actor(
                userID: user.id, organisationID: user.organisation.id, roles: roles, boundBySecret: bound,
                sessionID: UUID(), sessionExpiresAt: Date())
        }
    }

    let programme: UUID
    let household: UUID
    let people: [Seat: Person]
    let organisations: [String: Fixtures.Org]
    /// Note bodies by their author and level, e.g. "lead-secret".
    let notes: [String]

    func token(_ seat: Seat) -> String? { people[seat]?.token }
    func headers(_ seat: Seat) -> HTTPFields { token(seat).map(bearer) ?? [:] }

    static func make(_ client: some TestClientProtocol) async throws -> HouseholdWorld {
        let setup = try await withOwner { owner in
            let op = try await Fixtures.organisation(.supportOperator, on: owner)
            let ref = try await Fixtures.organisation(.shelterProvider, on: owner)
            let partP = try await Fixtures.organisation(.departement, on: owner)
            let partW = try await Fixtures.organisation(.actionLogement, on: owner)
            let partE = try await Fixtures.organisation(.departement, on: owner)
            let land = try await Fixtures.organisation(.socialLandlord, on: owner)
            let eval = try await Fixtures.organisation(.state, on: owner)
            let other = try await Fixtures.organisation(.supportOperator, on: owner)
            let programme = try await Fixtures.programme(
                partners: [
                    (op, .holder), (op, .operator), (ref, .referrer), (partP, .funder), (partW, .funder),
                    (partE, .referrer), (land, .landlord), (eval, .evaluator),
                ], on: owner)
            _ = try await Fixtures.programme(partners: [(other, .operator)], on: owner)
            func person(_ org: Fixtures.Org, _ roles: Set<Role>, bound: Bool) async throws -> Person {
                let user = try await Fixtures.user(in: org, roles: roles, bound: bound, on: owner)
                return Person(
                    user: user, roles: roles, bound: bound, token: try await Fixtures.token(for: user, on: owner))
            }
            let people: [Seat: Person] = [
                .leadBound: try await person(op, [.socialWorker], bound: true),
                .partnerSecret: try await person(ref, [.socialWorker], bound: true),
                .partnerPartners: try await person(partP, [.socialWorker], bound: true),
                .partnerWithdrawn: try await person(partW, [.socialWorker], bound: true),
                .partnerExpired: try await person(partE, [.socialWorker], bound: true),
                .housingOfficer: try await person(land, [.housingOfficer], bound: false),
                .facilitator: try await person(op, [.facilitator], bound: false),
                .orgAdmin: try await person(op, [.orgAdmin], bound: false),
                .evaluator: try await person(eval, [.evaluator], bound: false),
                .otherProgramme: try await person(other, [.socialWorker], bound: true),
            ]
            let orgs = ["op": op, "ref": ref, "partP": partP, "partW": partW, "partE": partE, "land": land]
            return (programme, people, orgs)
        }
        let (programme, people, orgs) = setup
        let lead = bearer(people[.leadBound]!.token)

        // The orienting partner orients; the opérateur accepts and builds the care team.
        let oriented = try await client.execute(
            uri: "/v1/households", method: .post, headers: bearer(people[.partnerSecret]!.token),
            body: json(Self.orientation(programme: programme)))
        #expect(oriented.status == .created)
        let household = try #require(UUID(uuidString: oriented.object["id"] as? String ?? ""))
        let accepted = try await client.execute(
            uri: "/v1/households/\(household)/accept", method: .post, headers: lead,
            body: json(["referentUserId": people[.leadBound]!.user.id.uuidString, "occurredOn": Self.orientedOn]))
        #expect(accepted.status == .ok)
        for key in ["partP", "partW", "partE", "land"] {
            let added = try await client.execute(
                uri: "/v1/households/\(household)/care-team", method: .post, headers: lead,
                body: json(["organisationId": orgs[key]!.id.uuidString]))
            #expect(added.status == .ok)
            let consent = try await client.execute(
                uri: "/v1/households/\(household)/consents", method: .post, headers: lead,
                body: json(Self.consent(recipient: orgs[key]!.id, level: "partners")))
            #expect(consent.status == .created)
        }
        // Withdrawn for partW, expired for partE.
        let consents = try await client.execute(
            uri: "/v1/households/\(household)/consents", method: .get, headers: lead)
        let withdrawnID = try #require(
            consents.items.first {
                ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String == orgs["partW"]!.id.uuidString
            }?["id"] as? String)
        let withdrawn = try await client.execute(
            uri: "/v1/households/\(household)/consents/\(withdrawnID)/withdraw", method: .post, headers: lead)
        #expect(withdrawn.status == .ok)
        try await withOwner { owner in
            try await owner.query(
                """
                UPDATE consents SET given_at = now() - interval '2 years', expires_at = now() - interval '1 day'
                WHERE household_id = \(household) AND recipient_organisation_id = \(orgs["partE"]!.id)
                """)
        }

        // Notes at each level by the lead organisation, and a private one by the orienting partner.
        var notes: [String] = []
        for level in ["partners", "secret", "private"] {
            let body = "lead-\(level)"
            let note = try await client.execute(
                uri: "/v1/households/\(household)/notes", method: .post, headers: lead,
                body: json(["body": body, "level": level]))
            #expect(note.status == .created)
            notes.append(body)
        }
        let refPrivate = try await client.execute(
            uri: "/v1/households/\(household)/notes", method: .post, headers: bearer(people[.partnerSecret]!.token),
            body: json(["body": "ref-private", "level": "private"]))
        #expect(refPrivate.status == .created)
        notes.append("ref-private")

        // A validated diagnostic with a piece at each level.
        let draft = try await client.execute(
            uri: "/v1/households/\(household)/diagnostics", method: .post, headers: lead)
        #expect(draft.status == .created)
        let draftID = try #require(draft.object["id"] as? String)
        var etag = try #require(draft.headers[.eTag])
        let updated = try await client.execute(
            uri: "/v1/households/\(household)/diagnostics/\(draftID)", method: .put,
            headers: lead + [.ifMatch: etag], body: json(Self.diagnosticContent))
        #expect(updated.status == .ok)
        etag = try #require(updated.headers[.eTag])
        let validated = try await client.execute(
            uri: "/v1/households/\(household)/diagnostics/\(draftID)/validate", method: .post,
            headers: lead + [.ifMatch: etag], body: json(["validatedOn": Self.orientedOn]))
        #expect(validated.status == .ok)

        return HouseholdWorld(
            programme: programme, household: household, people: people, organisations: orgs, notes: notes)
    }

    /// The world's household was oriented, accepted and diagnosed two months ago, so that the
    /// facts the tests date a few weeks back come after them, as they would in real life.
    static let orientedOn = PathTests.day(-60)

    static func orientation(programme: UUID) -> [String: Any] {
        [
            "programmeId": programme.uuidString, "orientedOn": orientedOn,
            "persons": [
                ["firstName": "Awa", "lastName": "Diallo", "birthDate": "1990-04-02", "relation": "applicant"],
                ["firstName": "Moussa", "lastName": "Diallo", "birthDate": "2015-06-01", "relation": "child"],
            ],
            "singleParent": true, "currentSituation": "hotel", "situationSince": "2020-01-15",
            "public": "hotelFamily", "dalo": ["recognisedOn": "2022-03-01", "departement": "91"],
            "actionLogementEmployee": false, "resourcesCategory": "minimaSociaux",
            "consent": consent(recipient: nil, level: "secret"),
        ]
    }

    static func consent(recipient: UUID?, level: String) -> [String: Any] {
        var consent: [String: Any] = [
            "level": level, "purpose": "Accompagnement vers et dans le logement", "obtainedHow": "writtenSigned",
            "informed": ["categories": true, "professionals": true, "medium": true, "protection": true],
        ]
        if let recipient { consent["recipientOrganisationId"] = recipient.uuidString }
        return consent
    }

    static var diagnosticContent: [String: Any] {
        [
            "referentName": "Référente de test",
            "items": [
                ["code": "PL-1", "assessment": "acquis", "comment": "diag-comment-secret"],
                [
                    "code": "SL-7", "assessment": "soutienNecessaire", "comment": "diag-comment-private",
                    "commentLevel": "private",
                ],
                [
                    "code": "SH-1", "assessment": "enCours", "comment": "diag-comment-partners",
                    "commentLevel": "partners",
                ],
            ],
            "views": [["section": "SL", "text": "diag-view-secret"]],
            "preconisations": ["text": "diag-preconisations-secret"],
        ]
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        fields.append(contentsOf: rhs)
        return fields
    }
}
