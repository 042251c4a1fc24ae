/// The closed vocabularies of ACCESS.md §1 and DOMAIN.md. Raw values are the JSON and
/// database spellings; the French labels are what people read.

public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case socialWorker, serviceHead, housingOfficer, facilitator, evaluator, orgAdmin

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var label: String {
        switch self {
        case .socialWorker: "travailleur·se social·e"
        case .serviceHead: "chef·fe de service"
        case .housingOfficer: "chargé·e de gestion locative"
        case .facilitator: "animateur·rice de comité"
        case .evaluator: "évaluateur·rice"
        case .orgAdmin: "administrateur·rice de l'organisation"
        }
    }
}

public enum OrganisationKind: String, Codable, Sendable, CaseIterable {
    case supportOperator, socialLandlord, shelterProvider, departement, actionLogement, state

    public var label: String {
        switch self {
        case .supportOperator: "opérateur d'accompagnement"
        case .socialLandlord: "bailleur social"
        case .shelterProvider: "structure d'hébergement"
        case .departement: "département"
        case .actionLogement: "collecteur Action Logement"
        case .state: "État"
        }
    }
}

public enum ProgrammePart: String, Codable, Sendable, CaseIterable, Comparable {
    case holder, `operator`, referrer, landlord, funder, evaluator

    public static func < (a: ProgrammePart, b: ProgrammePart) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var label: String {
        switch self {
        case .holder: "porteur"
        case .operator: "opérateur"
        case .referrer: "orienteur"
        case .landlord: "bailleur"
        case .funder: "financeur"
        case .evaluator: "évaluateur"
        }
    }
}
