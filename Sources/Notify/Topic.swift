import Foundation

/// What an event is about. The raw values are the API's and the database's names; the
/// French title is what a message says.
public enum Topic: String, Sendable, CaseIterable, Codable {
    case householdOriented, householdAccepted, householdDeclined
    case breakGlassUsed
    case consentExpiring, consentWithdrawn
    case alertReported, calDecisionRecorded, reviewDue
    case comiteScheduled, comiteRescheduled, comiteCancelled, agendaPublished, minutesDiffused, actionDue
    /// A signed checkpoint of the access log: webhooks only, the signed tree head in the body.
    case auditCheckpoint
    /// An invitation to join an organisation: one e-mail to the invited address, with its link.
    case invitation

    /// Who is told, besides the users and organisations the event names (the opérateur of an
    /// orientation, the organisation losing a consent, a comité's invitees). Resolved by the
    /// dispatcher through the access rules (ACCESS.md R1).
    public var audience: Set<Audience> {
        switch self {
        case .householdAccepted: [.referent, .orientingOrganisation]
        case .householdDeclined: [.orientingOrganisation]
        case .alertReported: [.referent]
        case .breakGlassUsed, .consentExpiring, .calDecisionRecorded, .reviewDue: [.referent, .leadOrganisation]
        case .householdOriented, .consentWithdrawn, .comiteScheduled, .comiteRescheduled, .comiteCancelled,
            .agendaPublished,
            .minutesDiffused, .actionDue, .auditCheckpoint, .invitation:
            []
        }
    }

    /// E-mails nobody may opt out of: what the rules say must be notified (R5, R8).
    public var isMandatory: Bool {
        switch self {
        case .breakGlassUsed, .consentExpiring, .consentWithdrawn: true
        default: false
        }
    }

    /// The neutral title: true for whoever reads it, whatever brought them the message (the
    /// OpenAPI document's list, and a message whose recipient's reason is unknown).
    public var title: String { title(for: nil) }

    /// What a message says to a recipient told for `audience`: each sentence true for that
    /// reader (issue 21). A référente who oriented nothing is never told she oriented a household.
    public func title(for audience: Audience?) -> String {
        switch (self, audience) {
        case (.householdOriented, .namedOrganisation?): "Un ménage a été orienté vers votre organisation"
        case (.householdOriented, _): "Un ménage a été orienté vers un programme"
        case (.householdAccepted, .referent?):
            "Vous êtes désormais référent·e d'un ménage accepté par votre organisation"
        case (.householdAccepted, .leadOrganisation?): "Un ménage est désormais accompagné par votre organisation"
        case (.householdAccepted, .orientingOrganisation?): "Un ménage orienté par votre organisation a été accepté"
        case (.householdAccepted, _): "Un ménage orienté a été accepté"
        case (.householdDeclined, .orientingOrganisation?):
            "Un ménage orienté par votre organisation n'a pas été accepté"
        case (.householdDeclined, _): "Un ménage orienté n'a pas été accepté"
        case (.breakGlassUsed, .referent?): "Accès d'urgence au secret partagé d'un ménage dont vous êtes référent·e"
        case (.breakGlassUsed, .leadOrganisation?):
            "Accès d'urgence au secret partagé d'un ménage accompagné par votre organisation"
        case (.breakGlassUsed, _): "Accès d'urgence au secret partagé d'un ménage"
        case (.consentExpiring, .referent?):
            "Un consentement d'un ménage dont vous êtes référent·e arrive à échéance dans moins de 30 jours"
        case (.consentExpiring, .leadOrganisation?):
            "Un consentement d'un ménage accompagné par votre organisation arrive à échéance dans moins de 30 jours"
        case (.consentExpiring, _): "Un consentement arrive à échéance dans moins de 30 jours"
        case (.consentWithdrawn, .namedOrganisation?):
            "Un consentement qui donnait à votre organisation accès à un ménage a été retiré"
        case (.consentWithdrawn, _): "Un consentement a été retiré"
        case (.alertReported, .referent?): "Nouvelle alerte du bailleur pour un ménage dont vous êtes référent·e"
        case (.alertReported, .leadOrganisation?):
            "Nouvelle alerte du bailleur pour un ménage accompagné par votre organisation"
        case (.alertReported, _): "Nouvelle alerte du bailleur"
        case (.calDecisionRecorded, .referent?):
            "Décision de la commission d'attribution pour un ménage dont vous êtes référent·e"
        case (.calDecisionRecorded, .leadOrganisation?):
            "Décision de la commission d'attribution pour un ménage accompagné par votre organisation"
        case (.calDecisionRecorded, _): "Décision de la commission d'attribution enregistrée"
        case (.reviewDue, .referent?):
            "Point d'étape à prévoir pour un ménage dont vous êtes référent·e (6 mois d'accompagnement)"
        case (.reviewDue, .leadOrganisation?):
            "Point d'étape à prévoir pour un ménage accompagné par votre organisation (6 mois d'accompagnement)"
        case (.reviewDue, _): "Point d'étape à prévoir (6 mois d'accompagnement)"
        // A comité's invitees and the organisations it names: the same fact for each of them.
        case (.comiteScheduled, _): "Comité de suivi programmé"
        case (.comiteRescheduled, _): "Comité de suivi reporté à un autre jour"
        case (.comiteCancelled, _): "Comité de suivi annulé"
        case (.agendaPublished, _): "Ordre du jour du comité publié"
        case (.minutesDiffused, _): "Compte-rendu du comité diffusé"
        case (.actionDue, .namedUser?): "Une action de suivi qui vous est confiée arrive à échéance"
        case (.actionDue, .namedOrganisation?): "Une action de suivi confiée à votre organisation arrive à échéance"
        case (.actionDue, _): "Action de suivi arrivée à échéance"
        case (.auditCheckpoint, _): "Point de contrôle signé du journal d'accès"
        case (.invitation, _): "Invitation à rejoindre le hub des partenaires"
        }
    }
}

/// Why a recipient is told: the topic's audience relative to its household, or because the
/// event names them. Stored with each inbox message and e-mail (sql/0022), so that each is
/// worded for its reader.
public enum Audience: String, Sendable, CaseIterable, Codable {
    /// The household's référent.
    case referent
    /// The lead organisation: its service heads and its webhooks.
    case leadOrganisation
    /// The organisation that oriented the household: its service heads and its webhooks.
    case orientingOrganisation
    /// An organisation the event names (the opérateur of an orientation, the organisation
    /// losing a consent, the owner organisation of an action): its service heads and webhooks.
    case namedOrganisation
    /// A user the event names (a comité's invitee, the owner of an action).
    case namedUser
}
