/// The closed vocabularies of a household's situation (DOMAIN.md, "A household's path"): each
/// code the API and the database spell, with the French label a document prints. One home for
/// both, so that a code the API accepts always has its words (issue 16: the right-of-access
/// export printed « hotelFamily »).
public enum HouseholdVocabulary {
    public static let situationLabels: [String: String] = [
        "hotel": "hôtel", "socialResidence": "résidence sociale", "chrs": "CHRS",
        "hostedByThirdParty": "hébergé·e par un tiers", "street": "à la rue",
        "insalubriousHousing": "logement insalubre", "other": "autre situation",
    ]
    public static let publicLabels: [String: String] = [
        "hotelFamily": "famille hébergée à l'hôtel", "youngAdultLeavingAse": "jeune sortant de l'ASE",
        "totallyExcluded": "personne en grande exclusion", "greatPrecarity": "grande précarité",
        "aboutToEnterHousing": "ménage sur le point d'accéder au logement",
        "housedInRupture": "ménage logé en rupture de parcours",
    ]
    public static let resourceLabels: [String: String] = [
        "employment": "revenus d'activité", "retirement": "retraite", "transferIncome": "revenus de transfert",
        "minimaSociaux": "minima sociaux", "none": "sans ressources",
    ]
    public static let relationLabels: [String: String] = [
        "applicant": "demandeur·se", "partner": "conjoint·e", "child": "enfant", "otherAdult": "autre adulte",
        "otherChild": "autre enfant",
    ]
    public static let consentMethodLabels: [String: String] = [
        "writtenSigned": "écrit signé", "oralInInterview": "oral, en entretien", "electronic": "électronique",
    ]

    public static let situations = Set(situationLabels.keys)
    public static let publics = Set(publicLabels.keys)
    public static let resources = Set(resourceLabels.keys)
    public static let relations = Set(relationLabels.keys)
    public static let consentMethods = Set(consentMethodLabels.keys)
}

extension Level {
    /// What a document says of a piece's level.
    public var label: String {
        switch self {
        case .partners: "partenaires"
        case .secret: "secret partagé"
        case .private: "interne à l'organisation"
        }
    }
}
