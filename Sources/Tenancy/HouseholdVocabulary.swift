/// A closed vocabulary: its codes in the OpenAPI document's order, each with the French words
/// a document prints. One home for both, so that a code the API accepts always has its words
/// (issue 16: the right-of-access export printed « hotelFamily »). JSON keeps the codes.
public struct CodeLabels: Sendable {
    public let codes: [String]
    public let labels: [String: String]

    public init(_ pairs: KeyValuePairs<String, String>) {
        codes = pairs.map(\.key)
        labels = Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
    }

    public func contains(_ code: String) -> Bool { labels[code] != nil }

    /// The French words of `code`, or the code itself for a value this version does not know.
    public subscript(_ code: String) -> String { labels[code] ?? code }
}

/// The closed vocabularies of a household's situation and path (DOMAIN.md, "A household's
/// path"), for the ones the Swift code keeps as strings; the enums (`PathState`, `Level`,
/// `CALDecisionKind`…) carry their own `label`.
public enum HouseholdVocabulary {
    public static let situations = CodeLabels([
        "hotel": "hôtel", "socialResidence": "résidence sociale", "chrs": "CHRS",
        "hostedByThirdParty": "hébergé·e par un tiers", "street": "à la rue",
        "insalubriousHousing": "logement insalubre", "other": "autre situation",
    ])
    public static let publics = CodeLabels([
        "hotelFamily": "famille hébergée à l'hôtel", "youngAdultLeavingAse": "jeune sortant de l'ASE",
        "totallyExcluded": "personne en grande exclusion", "greatPrecarity": "grande précarité",
        "aboutToEnterHousing": "ménage sur le point d'accéder au logement",
        "housedInRupture": "ménage logé en rupture de parcours",
    ])
    public static let resources = CodeLabels([
        "employment": "revenus d'activité", "retirement": "retraite", "transferIncome": "revenus de transfert",
        "minimaSociaux": "minima sociaux", "none": "sans ressources",
    ])
    public static let relations = CodeLabels([
        "applicant": "demandeur·se", "partner": "conjoint·e", "child": "enfant", "otherAdult": "autre adulte",
        "otherChild": "autre enfant",
    ])
    public static let consentMethods = CodeLabels([
        "writtenSigned": "écrit signé", "oralInInterview": "oral, en entretien", "electronic": "électronique",
    ])
    public static let diagnosticStatuses = CodeLabels(["draft": "brouillon", "validated": "validé"])
    public static let meetingKinds = CodeLabels([
        "office": "entretien au bureau", "homeVisit": "visite à domicile", "phone": "entretien téléphonique",
        "accompanying": "accompagnement physique", "workshop": "atelier collectif",
        "endReview": "bilan de fin d'accompagnement",
    ])
    public static let meetingStatuses = CodeLabels(["planned": "prévu", "held": "tenu", "missed": "manqué"])
    public static let aidKinds = CodeLabels([
        "fslAccess": "FSL accès", "locaPass": "Loca-Pass", "fslEnergyWater": "FSL énergie et eau",
        "foodAid": "aide alimentaire", "aplRecovery": "rétablissement de l'APL", "other": "autre aide",
    ])
    public static let aidStatuses = CodeLabels(["requested": "demandée", "granted": "accordée", "refused": "refusée"])
    public static let flatTypes = CodeLabels([
        "T1": "T1", "T2": "T2", "T3": "T3", "T4": "T4", "T5": "T5", "T6": "T6",
    ])
    public static let contingents = CodeLabels([
        "landlord": "contingent du bailleur", "actionLogement": "contingent Action Logement",
        "prefecture": "contingent préfectoral",
    ])
    public static let proposalAnswers = CodeLabels(["accepted": "acceptée", "refused": "refusée"])
    public static let proposalRefusalReasons = CodeLabels([
        "location": "localisation", "flatType": "typologie", "rent": "loyer", "condition": "état du logement",
        "personal": "raisons personnelles", "other": "autre motif",
    ])
    public static let calRefusalReasons = CodeLabels([
        "insufficientResources": "ressources insuffisantes", "incompleteFile": "dossier incomplet",
        "unsuitableType": "typologie inadaptée", "rentArrearsHistory": "antécédents d'impayés",
        "overOccupancy": "sur-occupation", "otherCandidatePreferred": "autre candidat retenu",
        "other": "autre motif",
    ])
    public static let alertKinds = CodeLabels([
        "rentArrears": "impayé de loyer", "missingInsurance": "défaut d'assurance",
        "neighbourhood": "troubles de voisinage", "upkeep": "défaut d'entretien du logement",
    ])
    public static let leaseKinds = CodeLabels(["direct": "bail direct", "sliding": "bail glissant"])
    public static let outcomes = CodeLabels([
        "rehousedInProgrammeStock": "relogé dans le parc du programme",
        "rehousedOtherLandlord": "relogé chez un autre bailleur", "slidingLease": "bail glissé au nom du ménage",
        "associativeManager": "logé par une association gestionnaire", "voluntaryDeparture": "départ volontaire",
        "other": "autre issue",
    ])
    public static let accessOutcomes = CodeLabels(["disclosed": "consulté", "changed": "modifié", "denied": "refusé"])
    /// What became of a line of an import file.
    public static let importOutcomes = CodeLabels([
        "imported": "ménage importé", "unchanged": "déjà importé à l'identique", "refused": "ligne refusée",
    ])
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
