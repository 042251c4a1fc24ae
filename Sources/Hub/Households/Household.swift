import Foundation
import Hummingbird
import Tenancy

/// The closed vocabularies of a household's situation (DOMAIN.md, "A household's path").
enum HouseholdVocabulary {
    static let situations: Set<String> = [
        "hotel", "socialResidence", "chrs", "hostedByThirdParty", "street", "insalubriousHousing", "other",
    ]
    static let publics: Set<String> = [
        "hotelFamily", "youngAdultLeavingAse", "totallyExcluded", "greatPrecarity", "aboutToEnterHousing",
        "housedInRupture",
    ]
    static let resources: Set<String> = ["employment", "retirement", "transferIncome", "minimaSociaux", "none"]
    static let relations: Set<String> = ["applicant", "partner", "child", "otherAdult", "otherChild"]
    static let consentMethods: Set<String> = ["writtenSigned", "oralInInterview", "electronic"]
}

struct Person: Codable, Sendable {
    let id: UUID
    let firstName: String
    let lastName: String
    let birthDate: String
    let relation: String
}

struct Dalo: Codable, Sendable {
    let recognisedOn: String
    let departement: String
}

/// A household as anyone through the door reads it: all of it is `partners` level
/// (identity, composition, housing need, DALO, stage of the path, the référent's name).
struct Household: ResponseEncodable, Sendable {
    let id: UUID
    let reference: String
    let programmeId: UUID
    let status: String
    let orientedBy: Organisation
    let leadOrganisation: Organisation
    let referentName: String?
    let declineReason: String?
    let persons: [Person]
    let adults: Int
    let children: Int
    let singleParent: Bool
    let currentSituation: String
    let situationSince: String?
    let `public`: String
    let dalo: Dalo?
    let actionLogementEmployee: Bool
    let resourcesCategory: String
    let createdAt: Date
    /// The last validated diagnostic, filtered for the reader; null if none yet.
    var currentDiagnostic: Diagnostic?

    enum CodingKeys: String, CodingKey {
        case id, reference, programmeId, status, orientedBy, leadOrganisation, referentName, declineReason, persons,
            adults, children, singleParent, currentSituation, situationSince, `public`, dalo,
            actionLogementEmployee, resourcesCategory, createdAt, currentDiagnostic
    }

    // Absent values are written as null: the document's shape does not depend on the data.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(reference, forKey: .reference)
        try c.encode(programmeId, forKey: .programmeId)
        try c.encode(status, forKey: .status)
        try c.encode(orientedBy, forKey: .orientedBy)
        try c.encode(leadOrganisation, forKey: .leadOrganisation)
        try c.encode(referentName, forKey: .referentName)
        try c.encode(declineReason, forKey: .declineReason)
        try c.encode(persons, forKey: .persons)
        try c.encode(adults, forKey: .adults)
        try c.encode(children, forKey: .children)
        try c.encode(singleParent, forKey: .singleParent)
        try c.encode(currentSituation, forKey: .currentSituation)
        try c.encode(situationSince, forKey: .situationSince)
        try c.encode(`public`, forKey: .public)
        try c.encode(dalo, forKey: .dalo)
        try c.encode(actionLogementEmployee, forKey: .actionLogementEmployee)
        try c.encode(resourcesCategory, forKey: .resourcesCategory)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(currentDiagnostic, forKey: .currentDiagnostic)
    }
}

struct HouseholdSummary: Codable, Sendable {
    let id: UUID
    let reference: String
    let programmeId: UUID
    let status: String
    let leadOrganisation: Organisation
    let referentName: String?
    let applicantName: String?
    let adults: Int
    let children: Int
    let createdAt: Date
}

struct ConsentRecord: ResponseEncodable, Sendable {
    let id: UUID
    let recipientOrganisation: Organisation
    let level: String
    let purpose: String
    let obtainedHow: String
    let givenAt: Date
    let expiresAt: Date
    let withdrawnAt: Date?
    let active: Bool
}

struct CareTeamMember: Codable, Sendable {
    let organisation: Organisation
    let addedAt: Date
    /// The active consent's level for this organisation; absent if it has none.
    let consentLevel: String?
}

struct NoteRecord: ResponseEncodable, Sendable {
    let id: UUID
    let authorOrganisation: Organisation
    let authorName: String
    let writtenAt: Date
    let body: String
    let level: String

    /// The policies already hid what the reader may not see; the rules are checked again
    /// in Swift so that the two enforcements must agree.
    func isReadable(by reader: Actor, _ facts: HouseholdFacts) -> Bool {
        AccessRules.mayRead(Level(rawValue: level) ?? .private, author: authorOrganisation.id, reader, facts)
    }
}
