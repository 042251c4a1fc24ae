import Foundation

/// A period the indicators are computed for: a month, a quarter or a year, never an
/// arbitrary range (two overlapping ranges would differ by a few households).
public enum EvaluationPeriod: Sendable, Hashable {
    case month(year: Int, month: Int)
    case quarter(year: Int, quarter: Int)
    case year(Int)

    /// `2025`, `2025-Q2` or `2025-03` (read by hand: see `FixedDigits`).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? { FixedDigits.number(bytes, range) }
        guard bytes.count == 4 || bytes.count == 7, let year = digits(0..<4), (2000...2100).contains(year) else {
            return nil
        }
        if bytes.count == 4 {
            self = .year(year)
        } else if bytes[4] != UInt8(ascii: "-") {
            return nil
        } else if bytes[5] == UInt8(ascii: "Q"), let quarter = digits(6..<7), (1...4).contains(quarter) {
            self = .quarter(year: year, quarter: quarter)
        } else if let month = digits(5..<7), (1...12).contains(month) {
            self = .month(year: year, month: month)
        } else {
            return nil
        }
    }

    public var year: Int {
        switch self {
        case .month(let year, _), .quarter(let year, _), .year(let year): year
        }
    }

    public var code: String {
        switch self {
        case .month(let year, let month): "\(year)-" + (month < 10 ? "0\(month)" : "\(month)")
        case .quarter(let year, let quarter): "\(year)-Q\(quarter)"
        case .year(let year): "\(year)"
        }
    }

    public var label: String {
        switch self {
        case .month(let year, let month):
            return "\(Day.frenchMonths[month - 1]) \(year)"
        case .quarter(let year, let quarter): return "\(quarter == 1 ? "1er" : "\(quarter)e") trimestre \(year)"
        case .year(let year): return "année \(year)"
        }
    }

    /// The first day, and the first day after.
    public var bounds: (from: Date, to: Date) {
        let calendar = Calendar.utc
        let (month, length) =
            switch self {
            case .month(_, let month): (month, 1)
            case .quarter(_, let quarter): (3 * (quarter - 1) + 1, 3)
            case .year: (1, 12)
            }
        let from = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        return (from, calendar.date(byAdding: .month, value: length, to: from)!)
    }

    public var days: Int { Calendar.utc.dateComponents([.day], from: bounds.from, to: bounds.to).day! }

    /// The periods directly inside: a year's quarters, a quarter's months.
    public var parts: [EvaluationPeriod] {
        switch self {
        case .year(let year): (1...4).map { .quarter(year: year, quarter: $0) }
        case .quarter(let year, let quarter): (1...3).map { .month(year: year, month: 3 * (quarter - 1) + $0) }
        case .month: []
        }
    }

    /// The period and every wider one holding it: a month, its quarter, its year.
    public var chain: [EvaluationPeriod] {
        switch self {
        case .month(let year, let month): [self, .quarter(year: year, quarter: (month - 1) / 3 + 1), .year(year)]
        case .quarter(let year, _): [self, .year(year)]
        case .year: [self]
        }
    }

    /// Months, quarters or years: what a period is.
    public enum Granularity: Int, Sendable, CaseIterable, Comparable {
        case month, quarter, year

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

        /// This granularity's periods in `year`.
        public func periods(in year: Int) -> [EvaluationPeriod] {
            switch self {
            case .month: (1...12).map { .month(year: year, month: $0) }
            case .quarter: (1...4).map { .quarter(year: year, quarter: $0) }
            case .year: [.year(year)]
            }
        }
    }

    public var granularity: Granularity {
        switch self {
        case .month: .month
        case .quarter: .quarter
        case .year: .year
        }
    }

    /// The period of `granularity` holding this one (itself, at its own).
    public func within(_ granularity: Granularity) -> EvaluationPeriod {
        chain.first { $0.granularity == granularity } ?? self
    }

    /// The year and every quarter and month in it: the periods whose additive figures bind.
    public static func lattice(of year: Int) -> [EvaluationPeriod] {
        [.year(year)] + (1...4).map { .quarter(year: year, quarter: $0) }
            + (1...12).map { .month(year: year, month: $0) }
    }
}

/// The predefined breakdowns (R9: no other cut of the figures is offered).
public enum IndicatorBreakdown: String, Sendable, CaseIterable, Codable {
    case `public`, departement, outcomeKind, calRefusalReason, evolution, stay, landlord, sessionKind

    public var label: String {
        switch self {
        case .public: "par public"
        case .departement: "par département du logement"
        case .outcomeKind: "par type de sortie"
        case .calRefusalReason: "par motif de refus de la CAL"
        case .evolution: "par évolution entre le premier et le dernier diagnostic"
        case .stay: "selon le maintien dans le logement"
        case .landlord: "par bailleur"
        case .sessionKind: "par type de séance"
        }
    }

    /// The column of the roll-up that holds the category.
    public var dimension: String {
        switch self {
        case .public: "public"
        case .departement: "departement"
        // A proposal's or an attribution's detail is the flat's landlord (an organisation's
        // id): neither has another detail (sql/0028).
        case .outcomeKind, .calRefusalReason, .evolution, .stay, .landlord, .sessionKind: "detail"
        }
    }
}

/// One figure of the programme, with its French label and definition.
public struct IndicatorDefinition: Sendable {
    public enum Source: Sendable {
        /// Events of the roll-up, additive over months, quarters and the year.
        case events(String)
        /// A stock over the period (households followed, evolutions).
        case stock(String)
        /// Collective sessions of the roll-up (workshops, permanences): counted by session.
        case sessions(String)
        /// The same sessions counted by participant (the sum of their attendances).
        case participants(String)
    }

    public enum Unit: String, Sendable, Codable, CaseIterable {
        case households, events, euros, months, perHouseholdMonth, percent, sessions, participants
    }

    /// Whether households are behind its cells, so that R9's threshold applies to them.
    ///
    /// Collective sessions and their participants are not under the household threshold:
    /// a session is an organisation's activity, recorded without a name, and its participants
    /// are a number of attendances with no household attribute beside them (no public, no
    /// département, no stage of the path) and crossed with nothing but the session's kind; they
    /// are not even all households of the programme (a permanence is open to any tenant). A
    /// small number says that few people came to a workshop — which the organisation holding
    /// it says itself — and nothing about any household, so there is nothing to protect by
    /// hiding it, and nothing to recompute from it.
    public var countsHouseholds: Bool {
        switch source {
        case .events, .stock: true
        case .sessions, .participants: false
        }
    }

    /// The threshold its cells are released with: none for what counts no household.
    public func threshold(_ threshold: Int) -> Int { countsHouseholds ? threshold : 0 }

    public let code: String
    public let label: String
    public let definition: String
    public let source: Source
    public let unit: Unit
    public let breakdowns: [IndicatorBreakdown]

    init(
        _ code: String, _ label: String, _ definition: String, _ source: Source, _ unit: Unit,
        _ breakdowns: [IndicatorBreakdown] = []
    ) {
        self.code = code
        self.label = label
        self.definition = definition
        self.source = source
        self.unit = unit
        self.breakdowns = breakdowns
    }
}

/// A figure computed from counted ones (an amount, an average, a share): published only
/// where every count it rests on is published.
public struct DerivedIndicator: Sendable {
    public enum Formula: Sendable {
        /// The sum of the amounts of `of`'s events, in euros.
        case amountEuros(of: String)
        /// The sum of the arrears months of `of`'s events.
        case months(of: String)
        /// The mean of `of`'s amounts in days, in months.
        case meanMonths(of: String)
        /// `numerator` over `denominator`, as a percentage.
        case share(numerator: String, denominator: String)
        /// Meetings held per month of accompaniment.
        case autonomy
        /// The programme's budget for the period over the households followed.
        case costPerHousehold
        /// The share of the top two answers among the answers at the end of accompaniment,
        /// published under its own control (`SatisfactionShare`): its counts never are.
        case satisfaction
    }

    public let code: String
    public let label: String
    public let definition: String
    public let formula: Formula
    public let unit: IndicatorDefinition.Unit
}

/// What the State evaluates (DOMAIN.md, « What the State evaluates »).
public enum IndicatorCatalogue {
    public static let counted: [IndicatorDefinition] = [
        .init(
            "oriented", "Ménages orientés", "Orientations vers le programme enregistrées dans la période.",
            .events("oriented"), .events, [.public]),
        .init(
            "accepted", "Ménages acceptés", "Acceptations (et réouvertures) d'accompagnement dans la période.",
            .events("accepted"), .events, [.public]),
        .init(
            "followed", "Ménages suivis",
            "Ménages dont l'accompagnement était ouvert à un moment de la période (de l'acceptation à la fin ou au retrait).",
            .stock("followed"), .households, [.public]),
        .init(
            "rehoused", "Ménages relogés", "Baux signés dans la période.", .events("rehoused"), .events,
            [.public, .departement]),
        .init(
            "flatsProposed", "Logements proposés", "Propositions de logement faites dans la période.",
            .events("flatsProposed"), .events, [.landlord, .departement]),
        .init(
            "flatsAttributed", "Logements attribués",
            "Décisions d'attribution (y compris sous condition) de la CAL dans la période.",
            .events("flatsAttributed"), .events, [.landlord, .departement]),
        .init(
            "calRefusals", "Refus de la CAL", "Décisions de refus de la CAL dans la période, par motif.",
            .events("calRefusals"), .events, [.calRefusalReason]),
        .init(
            "rentArrears", "Impayés de loyer signalés", "Alertes d'impayé de loyer du bailleur dans la période.",
            .events("rentArrears"), .events, [.public]),
        .init(
            "rentArrearsResolved", "Impayés de loyer résolus", "Alertes d'impayé de loyer résolues dans la période.",
            .events("rentArrearsResolved"), .events, [.public]),
        .init(
            "budgetManagement", "Gestion du budget",
            "Ménages dont le dernier diagnostic validé dans la période dit, par rapport au premier, une gestion du budget logement (SH-3) améliorée, stable ou dégradée.",
            .stock("budgetManagement"), .households, [.evolution]),
        .init(
            "upkeep", "Entretien du logement",
            "Même évolution pour l'entretien du logement (SH-1).", .stock("upkeep"), .households, [.evolution]),
        .init(
            "neighbourhood", "Relations de voisinage",
            "Même évolution pour les relations de voisinage et les règles de vie collective (SE-1).",
            .stock("neighbourhood"), .households, [.evolution]),
        .init(
            "meetingsHeld", "Rendez-vous tenus", "Rendez-vous avec les ménages tenus dans la période.",
            .events("meetingsHeld"), .events),
        .init(
            "ended", "Accompagnements terminés", "Fins d'accompagnement dans la période.", .events("ended"), .events),
        .init(
            "endedInFlat", "Accompagnements terminés dans le logement",
            "Fins d'accompagnement dans la période de ménages entrés dans leur logement.", .events("endedInFlat"),
            .events),
        .init(
            "priorHotelStay", "Ménages orientés depuis l'hôtel",
            "Orientations dans la période de ménages hébergés à l'hôtel.", .events("priorHotelStay"), .events),
        .init(
            "daloFollowed", "Ménages suivis reconnus DALO", "Ménages suivis dont le recours DALO est reconnu.",
            .stock("daloFollowed"), .households, [.public]),
        .init(
            "actionLogementFollowed", "Ménages suivis salariés Action Logement",
            "Ménages suivis salariés d'une entreprise cotisant à Action Logement.", .stock("actionLogementFollowed"),
            .households, [.public]),
        .init(
            "aidObtained", "Aides obtenues", "Aides financières accordées dans la période.", .events("aidObtained"),
            .events),
        .init(
            "outcomes", "Sorties", "Sorties d'accompagnement dans la période, par type.", .events("outcomes"),
            .events, [.outcomeKind]),
        .init(
            "stayAt6Months", "Maintien à 6 mois",
            "Sorties dont les 6 mois sont atteints dans la période, selon que le ménage est toujours dans le logement.",
            .events("stayAt6Months"), .events, [.stay]),
        .init(
            "stayAt12Months", "Maintien à 12 mois", "Même constat à 12 mois.", .events("stayAt12Months"), .events,
            [.stay]),
        .init(
            "endsDecidedInComite", "Fins décidées en comité",
            "Fins d'accompagnement adoptées par un comité de suivi tenu dans la période.",
            .events("endsDecidedInComite"), .events),
        .init(
            "collectiveSessions", "Séances collectives",
            "Ateliers et permanences collectifs tenus dans la période (droits des locataires, économies d'énergie, relogement…), par type.",
            .sessions("collectiveSessions"), .sessions, [.sessionKind]),
        .init(
            "collectiveParticipants", "Participations aux séances collectives",
            "Participants comptés à chaque séance collective de la période, sans nom : une personne venue à deux séances compte deux fois.",
            .participants("collectiveSessions"), .participants, [.sessionKind]),
    ]

    public static let derived: [DerivedIndicator] = [
        .init(
            code: "rentArrearsAmount", label: "Montant des impayés signalés",
            definition: "Somme des dettes de loyer des alertes d'impayé de la période.",
            formula: .amountEuros(of: "rentArrears"), unit: .euros),
        .init(
            code: "rentArrearsMonths", label: "Mois d'impayés signalés",
            definition: "Somme des mois d'impayé des alertes de la période.", formula: .months(of: "rentArrears"),
            unit: .months),
        .init(
            code: "aidAmount", label: "Montant des aides obtenues",
            definition: "Somme des aides financières accordées dans la période.",
            formula: .amountEuros(of: "aidObtained"), unit: .euros),
        .init(
            code: "autonomy", label: "Autonomie dans les démarches",
            definition:
                "Rendez-vous tenus par mois d'accompagnement des ménages suivis : moins il en faut, plus le ménage est autonome.",
            formula: .autonomy, unit: .perHouseholdMonth),
        .init(
            code: "accompanimentDuration", label: "Durée moyenne d'accompagnement",
            definition: "Mois entre l'acceptation et la fin, pour les accompagnements terminés dans la période.",
            formula: .meanMonths(of: "ended"), unit: .months),
        .init(
            code: "flatAccompanimentDuration", label: "Durée moyenne d'accompagnement dans le logement",
            definition:
                "Mois entre l'entrée dans le logement (état des lieux d'entrée) et la fin, pour les accompagnements terminés dans la période de ménages entrés dans leur logement.",
            formula: .meanMonths(of: "endedInFlat"), unit: .months),
        .init(
            code: "priorHotelMonths", label: "Durée moyenne de séjour à l'hôtel",
            definition: "Mois passés à l'hôtel avant l'orientation, pour les ménages orientés depuis l'hôtel.",
            formula: .meanMonths(of: "priorHotelStay"), unit: .months),
        .init(
            code: "daloShare", label: "Part des ménages DALO",
            definition: "Ménages suivis reconnus DALO sur les ménages suivis.",
            formula: .share(numerator: "daloFollowed", denominator: "followed"), unit: .percent),
        .init(
            code: "actionLogementShare", label: "Part des salariés Action Logement",
            definition: "Ménages suivis salariés Action Logement sur les ménages suivis.",
            formula: .share(numerator: "actionLogementFollowed", denominator: "followed"), unit: .percent),
        .init(
            code: "costPerHousehold", label: "Coût par ménage suivi",
            definition: "Budget annuel du programme ramené à la période, divisé par les ménages suivis.",
            formula: .costPerHousehold, unit: .euros),
        .init(
            code: "satisfactionShare", label: "Part des ménages satisfaits",
            definition:
                "Réponses « très satisfait » ou « plutôt satisfait » sur les réponses des ménages interrogés à la fin de leur accompagnement dans la période ; seule la part est publiée, jamais les effectifs.",
            formula: .satisfaction, unit: .percent),
    ]
}
