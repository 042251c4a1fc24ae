import Foundation
import Tenancy

/// The French words of the console's pages: days, moments, a path's events and what each
/// level means to the person choosing it.
enum FrenchText {
    /// « 8 janvier 2024 ».
    static func day(_ day: Day) -> String {
        let (year, month, dayOfMonth) = day.parts
        return "\(dayOfMonth == 1 ? "1er" : String(dayOfMonth)) \(Day.frenchMonths[month - 1]) \(year)"
    }

    /// « 8 janvier 2024 à 14 h 05 », in Paris time: people read the hour of their office.
    static func moment(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let dayOfMonth = parts.day, let hour = parts.hour,
            let minute = parts.minute, let local = Day(year: year, month: month, day: dayOfMonth)
        else { return day(Day(date)) }
        return "\(day(local)) à \(hour) h \(minute < 10 ? "0" : "")\(minute)"
    }

    static let paris = TimeZone(identifier: "Europe/Paris") ?? .gmt

    /// « 1 heure », « 12 heures ».
    static func count(_ number: Int, _ singular: String, _ plural: String) -> String {
        "\(number) \(number > 1 ? plural : singular)"
    }

    /// Who reads a piece at this level (ACCESS.md R2–R4), said to its author.
    static func meaning(_ level: Level) -> String {
        switch level {
        case .partners: "les partenaires qui suivent le ménage"
        case .secret: "les professionnels tenus au secret qui partagent le suivi"
        case .private: "les professionnels tenus au secret de votre organisation seulement"
        }
    }

    /// One event of the path in a sentence. Its details hold codes, days and amounts only.
    static func timeline(_ entry: TimelineEntry) -> String {
        let details = entry.details
        func label(_ labels: CodeLabels, _ key: String) -> String? { details[key].map { labels[$0] } }
        func on(_ key: String) -> String? { details[key].flatMap { Day(iso: $0) }.map(day) }
        switch entry.kind {
        case "pathTransition":
            let state = details["to"].flatMap(PathState.init(rawValue:))?.label ?? details["to"] ?? ""
            return "Étape du parcours : \(state)"
        case "diagnosticValidated":
            return "Diagnostic social partagé validé avec le ménage (version \(details["version"] ?? "?"))"
        case "contractSigned":
            let kind = details["kind"].flatMap(ContractKind.init(rawValue:))?.label ?? "Contrat"
            return "\(kind.capitalisedFirstLetter) signé, du \(on("startsOn") ?? "?") au \(on("plannedEndOn") ?? "?")"
        case "meeting":
            let minutes = details["durationMinutes"].map { ", \($0) min" } ?? ""
            return "Rendez-vous : \(label(HouseholdVocabulary.meetingKinds, "kind") ?? "rendez-vous"), "
                + "\(label(HouseholdVocabulary.meetingStatuses, "status") ?? "")\(minutes)"
        case "aid":
            let amount = details["amount"].map { " de \(Euros.french($0))" } ?? ""
            return "Aide demandée : \(label(HouseholdVocabulary.aidKinds, "kind") ?? "aide")\(amount), "
                + (label(HouseholdVocabulary.aidStatuses, "status") ?? "")
        case "flatProposed":
            return "Un logement est proposé au ménage"
        case "proposalAnswered":
            let reason = label(HouseholdVocabulary.proposalRefusalReasons, "refusalReason").map { " (\($0))" } ?? ""
            return
                "Réponse du ménage à la proposition : \(label(HouseholdVocabulary.proposalAnswers, "answer") ?? "")\(reason)"
        case "calDecision":
            let decision = details["decision"].flatMap(CALDecisionKind.init(rawValue:))?.label ?? ""
            let reason = label(HouseholdVocabulary.calRefusalReasons, "refusalReason").map { " (\($0))" } ?? ""
            return "Décision de la commission d'attribution : \(decision)\(reason)"
        case "leaseSigned":
            return "\((label(HouseholdVocabulary.leaseKinds, "kind") ?? "bail").capitalisedFirstLetter) signé"
        case "enteredFlat":
            return "Entrée dans le logement (état des lieux d'entrée)"
        case "leaseSlid":
            return "Le bail glisse au nom du ménage"
        case "alertReported":
            let arrears = details["arrearsAmount"].map { ", \(Euros.french($0))" } ?? ""
            let months = details["arrearsMonths"].map { " sur \($0) mois" } ?? ""
            return "Alerte : \(label(HouseholdVocabulary.alertKinds, "kind") ?? "alerte")\(arrears)\(months)"
        case "alertResolved":
            return "Alerte résolue : \(label(HouseholdVocabulary.alertKinds, "kind") ?? "alerte")"
        case "outcome":
            return "Fin de l'accompagnement : \(label(HouseholdVocabulary.outcomes, "kind") ?? "")"
        default:
            return entry.kind
        }
    }
}
