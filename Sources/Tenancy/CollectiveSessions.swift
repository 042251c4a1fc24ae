import Foundation

/// ALFI's collective approach (DOMAIN.md, « What the State evaluates »): workshops and
/// permanences, recorded as sessions with a number of participants, never names.
public enum CollectiveSessionVocabulary {
    public static let kinds = CodeLabels(["workshop": "atelier collectif", "permanence": "permanence"])
    /// What a session is about: the seeds' workshops (tenants' rights, energy savings,
    /// rehousing) and the budget, the other subject the trame's « savoir habiter » names.
    public static let themes = CodeLabels([
        "tenantsRights": "droits et devoirs des locataires", "energySavings": "économies d'énergie et d'eau",
        "rehousing": "relogement", "housingBudget": "budget du logement", "other": "autre thème",
    ])
    /// Above this, a number of participants is a typing error for one session.
    public static let maximumParticipants = 500
}

extension AccessRules {
    /// Who records a programme's collective sessions, and lists them: a person who works on
    /// households, for an organisation that works with the programme's households (holder,
    /// operator, referrer or landlord). Funders and evaluators read the indicators only (R9).
    public static func mayRecordCollectiveSessions(_ actor: Actor, parts: Set<ProgrammePart>) -> Bool {
        worksOnHouseholds(actor) && !parts.isDisjoint(with: [.holder, .operator, .referrer, .landlord])
    }
}
