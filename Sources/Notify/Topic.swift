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

    public var title: String {
        switch self {
        case .householdOriented: "Un ménage a été orienté vers votre organisation"
        case .householdAccepted: "Un ménage que vous avez orienté a été accepté"
        case .householdDeclined: "Un ménage que vous avez orienté n'a pas été accepté"
        case .breakGlassUsed: "Accès d'urgence au secret partagé d'un ménage"
        case .consentExpiring: "Un consentement arrive à échéance dans moins de 30 jours"
        case .consentWithdrawn: "Un consentement qui vous donnait accès à un ménage a été retiré"
        case .alertReported: "Nouvelle alerte du bailleur"
        case .calDecisionRecorded: "Décision de la commission d'attribution enregistrée"
        case .reviewDue: "Point d'étape à prévoir (6 mois d'accompagnement)"
        case .comiteScheduled: "Comité de suivi programmé"
        case .comiteRescheduled: "Comité de suivi reporté à un autre jour"
        case .comiteCancelled: "Comité de suivi annulé"
        case .agendaPublished: "Ordre du jour du comité publié"
        case .minutesDiffused: "Compte-rendu du comité diffusé"
        case .actionDue: "Action de suivi arrivée à échéance"
        case .auditCheckpoint: "Point de contrôle signé du journal d'accès"
        case .invitation: "Invitation à rejoindre le hub des partenaires"
        }
    }
}

/// The recipients a topic reaches, relative to its household.
public enum Audience: String, Sendable {
    /// The household's référent.
    case referent
    /// The lead organisation: its service heads and its webhooks.
    case leadOrganisation
    /// The organisation that oriented the household: its service heads and its webhooks.
    case orientingOrganisation
}
