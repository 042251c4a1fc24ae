import Foundation
import Tenancy

/// Request bodies of the household routes, and their checks (BodyChecks.swift for the shared
/// ones).
struct PersonInput: Decodable, Sendable {
    let firstName: String
    let lastName: String
    let birthDate: String
    let relation: String
}

struct InformedInput: Decodable, Sendable {
    let categories: Bool
    let professionals: Bool
    let medium: Bool
    let protection: Bool
}

/// Its day checked as the other days of the body (a French 422 naming the field).
struct DaloInput: Decodable, Sendable {
    let recognisedOn: String
    let departement: String
}

struct ConsentInput: Decodable, Sendable {
    let level: String
    let purpose: String
    let obtainedHow: String
    let informed: InformedInput
    let expiresAt: Date?
    /// The day the person gave it (today when absent): its twelve months run from it.
    let givenOn: String?

    func validated(field: String) throws -> ConsentInput {
        try check(
            ["partners", "secret"].contains(level), field: "\(field)level",
            "Le niveau de consentement doit être « partners » ou « secret ».")
        try check(
            (1...2000).contains(purpose.trimmed.length), field: "\(field)purpose",
            "La finalité du partage doit être précisée (2000 caractères au plus).")
        try check(
            HouseholdVocabulary.consentMethods.contains(obtainedHow), field: "\(field)obtainedHow",
            "Mode de recueil inconnu ; valeurs possibles : \(HouseholdVocabulary.consentMethods.codes.joined(separator: ", "))."
        )
        for (name, told) in [
            ("categories", informed.categories), ("professionals", informed.professionals),
            ("medium", informed.medium), ("protection", informed.protection),
        ] {
            try check(
                told, field: "\(field)informed.\(name)",
                "La personne doit avoir été informée des quatre points de l'article D.1110-3-1 du CSP (catégories d'informations, professionnels, support, protection)."
            )
        }
        if let expiresAt {
            try check(
                expiresAt > Date() && expiresAt < Date().addingTimeInterval(3 * 366 * 86400),
                field: "\(field)expiresAt", "L'échéance du consentement doit être future et à moins de trois ans.")
        }
        return self
    }

    /// R5: twelve months from the day it was given, unless the person agreed otherwise; a
    /// consent whose months have already run out opens nothing and is refused.
    func expiry(givenOn: Day, field: String) throws -> Date {
        let expiry = expiresAt ?? Calendar.utc.date(byAdding: .month, value: 12, to: givenOn.date)!
        guard expiry > Date() else {
            throw Problem.unprocessable(
                "Donné le \(givenOn.french), ce consentement a pris fin le \(Day(expiry).french) : recueillez-le à nouveau.",
                field: "\(field)givenOn")
        }
        return expiry
    }
}

struct OrientationRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = [
        "programmeId", "persons", "singleParent", "currentSituation", "situationSince", "public", "dalo",
        "actionLogementEmployee", "resourcesCategory", "consent", "orientedOn",
    ]
    let programmeId: UUID
    /// The day the household was oriented (today when absent), within the programme.
    let orientedOn: String?
    let persons: [PersonInput]
    let singleParent: Bool
    let currentSituation: String
    let situationSince: String?
    let `public`: String
    let dalo: DaloInput?
    let actionLogementEmployee: Bool
    let resourcesCategory: String
    let consent: ConsentInput

    func validate() throws {
        try check((1...15).contains(persons.count), field: "persons", "Un ménage compte de 1 à 15 personnes.")
        for (index, person) in persons.enumerated() {
            try check(
                (1...100).contains(person.firstName.trimmed.length), field: "persons[\(index)].firstName",
                "Le prénom doit compter de 1 à 100 caractères.")
            try check(
                (1...100).contains(person.lastName.trimmed.length), field: "persons[\(index)].lastName",
                "Le nom doit compter de 1 à 100 caractères.")
            try check(
                Day.isValidPast(person.birthDate), field: "persons[\(index)].birthDate",
                "La date de naissance doit être une date passée au format AAAA-MM-JJ.")
            try check(
                HouseholdVocabulary.relations.contains(person.relation), field: "persons[\(index)].relation",
                "Lien inconnu ; valeurs possibles : \(HouseholdVocabulary.relations.codes.joined(separator: ", ")).")
        }
        try check(
            persons.filter { $0.relation == "applicant" }.count == 1, field: "persons",
            "Le ménage doit compter exactement un demandeur (relation « applicant »).")
        try check(
            HouseholdVocabulary.situations.contains(currentSituation), field: "currentSituation",
            "Situation inconnue ; valeurs possibles : \(HouseholdVocabulary.situations.codes.joined(separator: ", "))."
        )
        if let situationSince {
            try check(
                Day.isValidPast(situationSince), field: "situationSince",
                "La date doit être passée, au format AAAA-MM-JJ.")
        }
        try check(
            HouseholdVocabulary.publics.contains(`public`), field: "public",
            "Public inconnu ; valeurs possibles : \(HouseholdVocabulary.publics.codes.joined(separator: ", ")).")
        if let dalo {
            try check(
                Day.isValidPast(dalo.recognisedOn), field: "dalo.recognisedOn",
                "La date de reconnaissance DALO doit être passée, au format AAAA-MM-JJ.")
            try check(
                dalo.departement.wholeMatch(of: /[0-9][0-9AB][0-9]?/) != nil, field: "dalo.departement",
                "Le département s'écrit par son numéro (91, 2A, 974…).")
        }
        try check(
            HouseholdVocabulary.resources.contains(resourcesCategory), field: "resourcesCategory",
            "Catégorie de ressources inconnue ; valeurs possibles : \(HouseholdVocabulary.resources.codes.joined(separator: ", "))."
        )
        _ = try consent.validated(field: "consent.")
    }
}

struct AcceptRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["referentUserId", "occurredOn"]
    let referentUserId: UUID
    /// The day of the acceptance (today when absent).
    let occurredOn: String?
}

struct DeclineRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["reason", "occurredOn"]
    let reason: String
    /// The day of the decline (today when absent).
    let occurredOn: String?
}

struct CareTeamRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["organisationId", "occurredOn"]
    let organisationId: UUID
    /// The day the organisation joined the care team (today when absent).
    let occurredOn: String?
}

struct NewConsentRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = [
        "recipientOrganisationId", "level", "purpose", "obtainedHow", "informed", "expiresAt", "givenOn",
    ]
    let recipientOrganisationId: UUID
    let level: String
    let purpose: String
    let obtainedHow: String
    let informed: InformedInput
    let expiresAt: Date?
    let givenOn: String?

    var consent: ConsentInput {
        ConsentInput(
            level: level, purpose: purpose, obtainedHow: obtainedHow, informed: informed, expiresAt: expiresAt,
            givenOn: givenOn)
    }
}

struct NewNoteRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["body", "level"]
    let body: String
    let level: String?
}

struct BreakGlassRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["justification"]
    let justification: String
}
