import Foundation
import Tenancy

/// A frozen sheet entry in words: what it is and what it says, in French, with amounts in
/// euros. The entry's value keeps its codes (JSON is for programs) but its amounts become the
/// API's decimal strings, as everywhere else; `label` and `text` are for the people in the room.
enum SheetWording {
    static func words(section: String, code: String, value: [String: JSONFragment]) -> (
        label: String, text: String, value: [String: JSONFragment]
    ) {
        func text(_ key: String) -> String? {
            if case .text(let text)? = value[key] { return text }
            return nil
        }
        func integer(_ key: String) -> Int64? {
            if case .integer(let number)? = value[key] { return number }
            return nil
        }
        func day(_ key: String) -> String? { text(key).flatMap { Day(iso: $0)?.french } }
        var value = value
        // Cents become the API's euros: the sheet is read like any other answer.
        for (cents, euros) in [("amountCents", "amount"), ("arrearsCents", "arrears")] where value[cents] != nil {
            value[euros] = integer(cents).map { .text(Euros.decimal(cents: $0)) } ?? .null
            value[cents] = nil
        }
        let amount = { (key: String) in integer(key).map { Euros.french(cents: $0) } }
        let grid = FrenchLabels.vocabularies["gridItem"] ?? [:]
        let sections = FrenchLabels.vocabularies["gridSection"] ?? [:]
        switch (section, code) {
        case ("rehousing", "status"):
            return ("Étape du parcours", text("status").flatMap(PathState.init(rawValue:))?.label ?? "—", value)
        case ("rehousing", "proposal"):
            let answer = text("answer").map { HouseholdVocabulary.proposalAnswers[$0] } ?? "sans réponse"
            return (
                "Dernière proposition de logement",
                join([
                    text("flatType"), text("commune").map { "à \($0)" }, day("proposedOn").map { "proposé le \($0)" },
                ])
                    + ", \(answer)", value
            )
        case ("rehousing", "calDecision"):
            return (
                "Dernière décision de la CAL",
                join([
                    text("decision").flatMap(CALDecisionKind.init(rawValue:))?.label,
                    day("decidedOn").map { "le \($0)" },
                    text("refusalReason").map { "(\(HouseholdVocabulary.calRefusalReasons[$0]))" },
                ]), value
            )
        case ("rehousing", "lease"):
            return (
                "Bail",
                join([
                    text("kind").map { HouseholdVocabulary.leaseKinds[$0] }, day("signedOn").map { "signé le \($0)" },
                ]) + (day("enteredOn").map { ", entrée dans les lieux le \($0)" } ?? "")
                    + (day("slidOn").map { ", glissé au nom du ménage le \($0)" } ?? ""), value
            )
        case ("followUps", "contract"):
            var objectives: [String] = []
            if case .array(let codes)? = value["objectives"] {
                objectives = codes.compactMap { if case .text(let code) = $0 { sections[code] ?? code } else { nil } }
            }
            return (
                "Contrat d'accompagnement",
                join([
                    text("kind").flatMap(ContractKind.init(rawValue:))?.label, day("startsOn").map { "du \($0)" },
                    day("plannedEndOn").map { "au \($0)" },
                ]) + (objectives.isEmpty ? "" : " ; objectifs : " + objectives.joined(separator: ", ")), value
            )
        case ("followUps", "meetings"):
            let held = integer("held") ?? 0
            let missed = integer("missed") ?? 0
            return (
                "Rendez-vous" + (day("since").map { " depuis le \($0)" } ?? ""),
                "\(held) tenu\(held > 1 ? "s" : ""), \(missed) manqué\(missed > 1 ? "s" : "")", value
            )
        case ("followUps", "aid"):
            return (
                "Aide",
                join(
                    [
                        text("kind").map { HouseholdVocabulary.aidKinds[$0] }, amount("amountCents"),
                        text("status").map { HouseholdVocabulary.aidStatuses[$0] },
                        day("requestedOn").map { "demandée le \($0)" },
                    ], separator: ", "), value
            )
        case ("alerts", _):
            let arrears = amount("arrearsCents").map { amount in
                integer("arrearsMonths").map { "\(amount) sur \($0) mois" } ?? amount
            }
            return (
                HouseholdVocabulary.alertKinds[code].capitalisedFirstLetter,
                join(
                    [
                        day("reportedOn").map { "signalée le \($0)" }, arrears,
                        day("resolvedOn").map { "résolue le \($0)" } ?? "non résolue",
                    ], separator: ", "), value
            )
        default:
            // The diagnostic's pieces: an item's assessment or comment, or the préconisations.
            let label = code.isEmpty || code == "preconisations" ? "Préconisations" : "\(code) — \(grid[code] ?? code)"
            let words =
                text("assessment").map { Assessment(rawValue: $0)?.label ?? $0 } ?? text("comment")
                ?? text("preconisations") ?? "—"
            return (label, words, value)
        }
    }

    static func join(_ parts: [String?], separator: String = " ") -> String {
        let present = parts.compactMap { $0 }
        return present.isEmpty ? "—" : present.joined(separator: separator)
    }
}

extension String {
    /// « Impayé de loyer » from « impayé de loyer »: a label that starts a line.
    var capitalisedFirstLetter: String { prefix(1).uppercased() + dropFirst() }
}
