/// The French words of the vocabularies the Swift code keeps as enums, of the comité's string
/// vocabularies, and the register of them all that the tests walk: every code the OpenAPI
/// document lists has its words here (VocabularyTests), and no French document prints a
/// code (FrenchDocumentTests).

extension CALDecisionKind {
    public var label: String {
        switch self {
        case .attribution: "attribution"
        case .conditionalAttribution: "attribution sous condition"
        case .postponement: "décision ajournée"
        case .refusal: "refus"
        }
    }
}

extension ContractKind {
    public var label: String {
        switch self {
        case .avdl: "AVDL"
        case .asll: "ASLL"
        case .masp2: "MASP2"
        case .fsl: "accompagnement FSL"
        case .other: "autre contrat"
        }
    }
}

extension Assessment {
    public var label: String {
        switch self {
        case .acquis: "acquis"
        case .enCours: "en cours d'acquisition"
        case .soutienNecessaire: "nécessite un soutien"
        case .nonEvalue: "non évalué"
        }
    }
}

extension ComiteDecisionKind {
    public var label: String {
        switch self {
        case .continue: "poursuite de l'accompagnement"
        case .endAccompaniment: "fin de l'accompagnement"
        case .reorient: "réorientation"
        case .escalateToVeille: "saisine de la veille sociale"
        case .changeReferent: "changement de référent"
        case .other: "autre décision"
        }
    }
}

extension VeilleEmergency {
    public var label: String {
        switch self {
        case .death: "décès"
        case .violence: "violences"
        case .socialEmergency: "urgence sociale"
        }
    }
}

/// The comité's vocabularies kept as strings.
public enum ComiteVocabulary {
    public static let cellKinds = CodeLabels([
        "coordination": "cellule de coordination", "veilleSociale": "veille sociale",
    ])
    public static let comiteKinds = CodeLabels([
        "monthly": "mensuel", "extraordinary": "extraordinaire", "emergency": "d'urgence",
    ])
    public static let actionStatuses = CodeLabels(["open": "à faire", "done": "faite", "cancelled": "annulée"])
    public static let requestKinds = CodeLabels([
        "review": "demande d'examen", "endProposal": "proposition de fin d'accompagnement",
    ])
    /// Why a situation is on the agenda: `AgendaReasonKind`'s rules, and the facilitator's own.
    public static let agendaReasons = CodeLabels([
        "sixMonths": "point d'étape semestriel", "contractEnding": "fin du contrat d'accompagnement",
        "alert": "alerte", "calDecision": "décision de la commission d'attribution",
        "endProposed": "fin d'accompagnement proposée", "partnerRequest": "demande d'un partenaire",
        "notReviewed": "situation non examinée depuis trois comités", "facilitator": "ajout de l'animateur",
    ])
    public static let itemAddedBy = CodeLabels(["rules": "règles du comité", "facilitator": "animateur"])
    public static let sheetSections = CodeLabels([
        "rehousing": "relogement", "followUps": "suivi", "needs": "besoins", "difficulties": "difficultés",
        "alerts": "alertes", "assessments": "évaluations du diagnostic",
    ])
    public static let invitationStatuses = CodeLabels([
        "pending": "en attente", "accepted": "acceptée", "withdrawn": "retirée", "expired": "expirée",
    ])
}

/// Every vocabulary a person may read, by name, with each code's French words.
public enum FrenchLabels {
    public static let vocabularies: [String: [String: String]] = {
        func labels<Code: RawRepresentable & CaseIterable>(_: Code.Type, _ label: (Code) -> String) -> [String: String]
        where Code.RawValue == String {
            Dictionary(uniqueKeysWithValues: Code.allCases.map { ($0.rawValue, label($0)) })
        }
        let household: [String: CodeLabels] = [
            "situation": HouseholdVocabulary.situations, "public": HouseholdVocabulary.publics,
            "resources": HouseholdVocabulary.resources, "relation": HouseholdVocabulary.relations,
            "consentMethod": HouseholdVocabulary.consentMethods,
            "diagnosticStatus": HouseholdVocabulary.diagnosticStatuses,
            "meetingKind": HouseholdVocabulary.meetingKinds, "meetingStatus": HouseholdVocabulary.meetingStatuses,
            "aidKind": HouseholdVocabulary.aidKinds, "aidStatus": HouseholdVocabulary.aidStatuses,
            "flatType": HouseholdVocabulary.flatTypes, "contingent": HouseholdVocabulary.contingents,
            "proposalAnswer": HouseholdVocabulary.proposalAnswers,
            "proposalRefusalReason": HouseholdVocabulary.proposalRefusalReasons,
            "calRefusalReason": HouseholdVocabulary.calRefusalReasons, "alertKind": HouseholdVocabulary.alertKinds,
            "leaseKind": HouseholdVocabulary.leaseKinds, "outcome": HouseholdVocabulary.outcomes,
            "accessOutcome": HouseholdVocabulary.accessOutcomes, "importOutcome": HouseholdVocabulary.importOutcomes,
            "cellKind": ComiteVocabulary.cellKinds, "comiteKind": ComiteVocabulary.comiteKinds,
            "actionStatus": ComiteVocabulary.actionStatuses, "requestKind": ComiteVocabulary.requestKinds,
            "agendaReason": ComiteVocabulary.agendaReasons, "itemAddedBy": ComiteVocabulary.itemAddedBy,
            "sheetSection": ComiteVocabulary.sheetSections,
            "invitationStatus": ComiteVocabulary.invitationStatuses,
        ]
        var all = household.mapValues(\.labels)
        all["role"] = labels(Role.self, \.label)
        all["organisationKind"] = labels(OrganisationKind.self, \.label)
        all["programmePart"] = labels(ProgrammePart.self, \.label)
        all["level"] = labels(Level.self, \.label)
        all["pathState"] = labels(PathState.self, \.label)
        all["calDecision"] = labels(CALDecisionKind.self, \.label)
        all["contractKind"] = labels(ContractKind.self, \.label)
        all["assessment"] = labels(Assessment.self, \.label)
        all["comiteDecision"] = labels(ComiteDecisionKind.self, \.label)
        all["veilleEmergency"] = labels(VeilleEmergency.self, \.label)
        all["comiteStatus"] = labels(ComiteStatus.self, \.label)
        all["suppressionReason"] = labels(SuppressionReason.self, \.label)
        all["undefinedReason"] = labels(UndefinedReason.self, \.label)
        all["breakdown"] = labels(IndicatorBreakdown.self, \.label)
        all["breakdownLevel"] = labels(BreakdownLevel.self, \.label)
        all["categoryGroup"] = IndicatorVocabulary.groups.labels
        all["unit"] = labels(IndicatorDefinition.Unit.self, \.label)
        all["evolution"] = IndicatorVocabulary.evolutions.labels
        all["stay"] = IndicatorVocabulary.stays.labels
        all["satisfaction"] = labels(SatisfactionAnswer.self, \.label)
        all["collectiveSessionKind"] = CollectiveSessionVocabulary.kinds.labels
        all["collectiveSessionTheme"] = CollectiveSessionVocabulary.themes.labels
        all["gridSection"] = Dictionary(uniqueKeysWithValues: DiagnosticGrid.sections.map { ($0.code, $0.title) })
        all["gridItem"] = Dictionary(
            uniqueKeysWithValues: DiagnosticGrid.sections.flatMap(\.items).map { ($0.code, $0.label) })
        return all
    }()
}

/// What a household's access log says was done, for the person who reads it (R12). The codes
/// are the audit's actions, kept in the log as they were written.
public enum AuditActionLabels {
    public static let actions = CodeLabels([
        "household.orient": "orientation du ménage", "household.read": "lecture du dossier",
        "household.list": "liste des ménages", "household.accept": "acceptation de l'orientation",
        "household.decline": "refus de l'orientation", "household.export": "export du dossier (droit d'accès)",
        "household.import": "import du ménage et de son historique",
        "accessLog.read": "lecture du journal des accès", "timeline.read": "lecture de la chronologie",
        "careTeam.read": "lecture de l'équipe de suivi",
        "household.sharing": "lecture de l'équipe de suivi et des consentements",
        "careTeam.add": "ajout à l'équipe de suivi",
        "careTeam.remove": "retrait de l'équipe de suivi", "consent.read": "lecture des consentements",
        "consent.give": "recueil d'un consentement", "consent.withdraw": "retrait d'un consentement",
        "note.read": "lecture des notes", "note.add": "ajout d'une note",
        "breakGlass.open": "accès d'urgence", "diagnostic.read": "lecture du diagnostic",
        "diagnostic.history": "lecture de l'historique du diagnostic", "diagnostic.start": "ouverture d'un brouillon",
        "diagnostic.update": "modification du brouillon", "diagnostic.validate": "validation du diagnostic",
        "contract.read": "lecture des contrats", "contract.create": "enregistrement d'un contrat",
        "meeting.read": "lecture des rendez-vous", "meeting.add": "ajout d'un rendez-vous",
        "meeting.complete": "compte rendu d'un rendez-vous", "aid.read": "lecture des aides",
        "aid.add": "ajout d'une aide", "proposal.read": "lecture des propositions de logement",
        "proposal.add": "proposition d'un logement", "proposal.answer": "réponse à une proposition",
        "calDecision.read": "lecture des décisions de la CAL", "calDecision.add": "décision de la CAL",
        "lease.read": "lecture du bail", "lease.sign": "signature du bail", "lease.entry": "état des lieux d'entrée",
        "lease.slide": "glissement du bail", "alert.read": "lecture des alertes",
        "alert.add": "signalement d'une alerte",
        "alert.resolve": "résolution d'une alerte", "outcome.read": "lecture de la sortie",
        "outcome.stay": "maintien dans le logement", "path.end": "fin de l'accompagnement",
        "path.withdraw": "interruption à la demande du ménage", "path.reopen": "réouverture de l'accompagnement",
        "cell.follow": "suivi par une cellule", "cell.unfollow": "fin du suivi par une cellule",
        "cell.situations": "liste des situations d'une cellule",
        "cell.requests": "liste des demandes d'examen en attente d'une cellule",
        "calendar.open": "création d'une adresse de calendrier",
        "calendar.revoke": "révocation d'une adresse de calendrier", "comite.read": "lecture d'un comité",
        "comite.meeting.read": "lecture de la séance d'un comité",
        "comite.request": "demande d'examen en comité", "comite.agenda.add": "inscription à l'ordre du jour",
        "comite.agenda.remove": "retrait de l'ordre du jour", "comite.agenda.build": "composition de l'ordre du jour",
        "comite.agenda.order": "ordre des points", "comite.publish": "publication de l'ordre du jour",
        "comite.sheet.read": "lecture d'une fiche de synthèse", "comite.hold": "tenue du comité",
        "comite.decision": "décision du comité", "comite.action.add": "action décidée en comité",
        "comite.action.read": "lecture des actions du comité", "comite.action.update": "suivi d'une action",
        "comite.minutes.read": "lecture du compte-rendu", "comite.minutes.validate": "validation du compte-rendu",
        "comite.minutes.diffuse": "diffusion du compte-rendu", "comite.erratum": "erratum au compte-rendu",
        "comite.reschedule": "report du comité", "comite.cancel": "annulation du comité",
    ])
}

extension IndicatorBreakdown {
    /// The French words of a cell's category in this breakdown.
    public func categoryLabel(_ category: String) -> String {
        if category == "nonRenseigne" { return "non renseigné" }
        switch self {
        case .public: return HouseholdVocabulary.publics[category]
        case .departement: return "département \(category)"
        case .outcomeKind: return HouseholdVocabulary.outcomes[category]
        case .calRefusalReason: return HouseholdVocabulary.calRefusalReasons[category]
        case .evolution: return IndicatorVocabulary.evolutions[category]
        case .stay: return IndicatorVocabulary.stays[category]
        // The report names each landlord from its organisation (`IndicatorReport.Cell.label`).
        case .landlord: return "bailleur"
        case .sessionKind: return CollectiveSessionVocabulary.kinds[category]
        }
    }
}

public enum IndicatorVocabulary {
    public static let evolutions = CodeLabels([
        "improved": "amélioration", "stable": "stable", "worsened": "dégradation",
    ])
    public static let stays = CodeLabels(["inFlat": "dans le logement", "left": "a quitté le logement"])
}

extension IndicatorDefinition.Unit {
    public var label: String {
        switch self {
        case .households: "ménages"
        case .events: "événements"
        case .euros: "euros"
        case .months: "mois"
        case .perHouseholdMonth: "par ménage et par mois"
        case .percent: "%"
        case .sessions: "séances"
        case .participants: "participants"
        }
    }
}
