import Foundation
import Hummingbird
import Tenancy

struct Person: Codable, Sendable {
    let id: UUID
    let firstName: String
    let lastName: String
    let birthDate: Day
    let relation: String
}

struct Dalo: Codable, Sendable {
    let recognisedOn: Day
    let departement: String
}

/// A household as anyone through the door reads it: all of it is `partners` level
/// (identity, composition, housing need, DALO, stage of the path, the référent's name).
struct Household: ResponseEncodable, Sendable {
    let id: UUID
    let reference: String
    let programmeId: UUID
    let status: String
    /// The day of the orientation, as its writer gave it (`createdAt` is when it was recorded).
    let orientedOn: Day
    let orientedBy: Organisation
    let leadOrganisation: Organisation
    @Null var referentName: String?
    @Null var declineReason: String?
    var persons: [Person]
    var adults: Int
    var children: Int
    let singleParent: Bool
    let currentSituation: String
    @Null var situationSince: Day?
    let `public`: String
    @Null var dalo: Dalo?
    let actionLogementEmployee: Bool
    let resourcesCategory: String
    let createdAt: Date
    /// The last validated diagnostic, filtered for the reader; null if none yet.
    @Null var currentDiagnostic: Diagnostic?
}

extension Household: RowDecodable {
    /// The household's own row (`HouseholdStore.find`); its persons are read apart.
    init(row: NamedRow) throws {
        let daloOn: Day? = try row["dalo_recognised_on"]
        let daloDepartement: String? = try row["dalo_departement"]
        self.init(
            id: try row["id"], reference: try row["reference"], programmeId: try row["programme_id"],
            status: try row["status"], orientedOn: try row["oriented_on"],
            orientedBy: try Organisation(row: row, prefix: "oriented_by"),
            leadOrganisation: try Organisation(row: row, prefix: "lead"), referentName: try row["referent_name"],
            declineReason: try row["decline_reason"], persons: [], adults: 0, children: 0,
            singleParent: try row["single_parent"], currentSituation: try row["current_situation"],
            situationSince: try row["situation_since"], public: try row["public"],
            dalo: daloOn.flatMap { on in daloDepartement.map { Dalo(recognisedOn: on, departement: $0) } },
            actionLogementEmployee: try row["action_logement_employee"],
            resourcesCategory: try row["resources_category"], createdAt: try row["created_at"], currentDiagnostic: nil)
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

extension HouseholdSummary: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], reference: try row["reference"], programmeId: try row["programme_id"],
            status: try row["status"],
            leadOrganisation: try Organisation(row: row, prefix: "lead"),
            referentName: try row["referent_name"], applicantName: try row["applicant_name"], adults: try row["adults"],
            children: try row["children"], createdAt: try row["created_at"])
    }
}

struct ConsentRecord: ResponseEncodable, Sendable {
    let id: UUID
    let recipientOrganisation: Organisation
    let level: String
    let purpose: String
    let obtainedHow: String
    /// The day the person gave it, and when it was recorded: it opens reads from the latter.
    let givenOn: Day
    let givenAt: Date
    let expiresAt: Date
    let withdrawnOn: Day?
    let withdrawnAt: Date?
    let active: Bool
}

extension ConsentRecord: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], recipientOrganisation: try Organisation(row: row, prefix: "recipient"),
            level: try row["level"], purpose: try row["purpose"], obtainedHow: try row["obtained_how"],
            givenOn: try row["given_on"], givenAt: try row["given_at"], expiresAt: try row["expires_at"],
            withdrawnOn: try row["withdrawn_on"], withdrawnAt: try row["withdrawn_at"], active: try row["active"])
    }
}

struct CareTeamMember: Codable, Sendable {
    let organisation: Organisation
    /// The day it joined the care team, and when that was recorded.
    let addedOn: Day
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

extension NoteRecord: RowDecodable {
    /// The organisation joined as `author_`, the person who wrote it as `writer`.
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], authorOrganisation: try Organisation(row: row, prefix: "author"),
            authorName: try row["writer"], writtenAt: try row["written_at"], body: try row["body"],
            level: try row["level"])
    }
}
