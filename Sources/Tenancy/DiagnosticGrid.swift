/// The trame d'évaluation partagée (FNARS IdF / AORIF / AFFIL, 2010; seed 003), with codes
/// that never change once published: a diagnostic stores codes, the labels may be reworded.
/// "Ces éléments doivent permettre une évaluation globale de la situation : ils ne
/// constituent pas des conditions à remplir" — the hub records them, never scores them.
public enum DiagnosticGrid {
    public struct Item: Codable, Sendable, Equatable {
        public let code: String
        public let label: String
    }

    public struct Section: Codable, Sendable, Equatable {
        public let code: String
        public let title: String
        public let purpose: String
        public let items: [Item]
    }

    public static let sections: [Section] = [
        Section(
            code: "PL", title: "Pouvoir louer",
            purpose: "Ses capacités à accéder au logement d'un point de vue réglementaire",
            items: [
                Item(
                    code: "PL-1",
                    label:
                        "Majorité du demandeur ; conditions de séjour pour les personnes étrangères ; ressources dans les plafonds du logement social"
                ),
                Item(
                    code: "PL-2",
                    label:
                        "Personnes en cours de séparation : jugement, ordonnance de non-conciliation, rupture de PACS, plainte ou justification écrite"
                ),
                Item(
                    code: "PL-3",
                    label:
                        "Enfants étrangers en situation irrégulière : solvabilité du ménage et ouverture des droits CAF"
                ),
            ]),
        Section(
            code: "SL", title: "Savoir louer",
            purpose: "Ses capacités à assumer financièrement son logement de façon autonome",
            items: [
                Item(code: "SL-1", label: "Expérience antérieure de location ou de logement autonome"),
                Item(
                    code: "SL-2",
                    label: "Verse régulièrement et intégralement sa participation à l'hébergement ou sa redevance"),
                Item(code: "SL-3", label: "A intégré l'importance de payer loyer et charges et de s'assurer"),
                Item(
                    code: "SL-4",
                    label: "Connaît les droits et obligations du locataire et les trois motifs de résiliation du bail"),
                Item(
                    code: "SL-5",
                    label:
                        "A anticipé les frais d'installation (meubles, dépôt de garantie, garantie de loyer, aides à l'accès)"
                ),
                Item(
                    code: "SL-6",
                    label:
                        "Ressources : stables, de transfert avec démarche d'insertion, ou minima sociaux avec droits ouverts"
                ),
                Item(
                    code: "SL-7",
                    label: "Dettes en cours : démarche de gestion ou d'apurement engagée, gestion budgétaire travaillée"
                ),
            ]),
        Section(
            code: "SH", title: "Savoir habiter",
            purpose: "Ses capacités à entretenir et utiliser correctement son logement",
            items: [
                Item(code: "SH-1", label: "Connaissances pour l'entretien du logement (hygiène, aération, nettoyage)"),
                Item(code: "SH-2", label: "Sensibilisé à la gestion des charges et aux économies d'eau et d'énergie"),
                Item(code: "SH-3", label: "La gestion du budget logement est intégrée"),
            ]),
        Section(
            code: "SE", title: "Savoir s'adapter à son environnement",
            purpose: "Ses capacités à vivre dans son quartier et son immeuble",
            items: [
                Item(
                    code: "SE-1",
                    label: "Sensibilisé, avec tous les occupants, au bon voisinage et aux règles de vie en collectivité"
                ),
                Item(
                    code: "SE-2",
                    label: "Autonome, ou dispose de relais et d'appuis, pour s'adapter à son nouvel environnement"),
                Item(
                    code: "SE-3",
                    label: "Autonome dans le repérage des services de proximité (transports, mairie, école)"),
            ]),
        Section(
            code: "BA", title: "Besoin d'accompagnement",
            purpose: "Évaluer le besoin en accompagnement du ménage",
            items: [
                Item(code: "BA-1", label: "Loyer maximum, typologie, localisation, contraintes liées au handicap"),
                Item(
                    code: "BA-2",
                    label: "Dispositifs mobilisés (accord collectif départemental, Action Logement, SIAO…)"),
                Item(code: "BA-3", label: "Accompagnement social nécessaire dans le logement : nature et dispositif"),
                Item(code: "BA-4", label: "Reconnaissance prioritaire DALO : depuis quand, dans quel département"),
            ]),
    ]

    public static let itemCodes: Set<String> = Set(sections.flatMap { $0.items.map(\.code) })
    public static let sectionCodes: Set<String> = Set(sections.map(\.code))
}

/// An item's assessment. There is deliberately no order or score between them.
public enum Assessment: String, Codable, Sendable, CaseIterable {
    case acquis, enCours, soutienNecessaire, nonEvalue
}
