import Foundation

/// The kinds of contrat d'accompagnement (DOMAIN.md, step 5).
public enum ContractKind: String, Sendable, CaseIterable, Codable {
    case avdl, asll, masp2, fsl, other

    /// MASP2 is tripartite (household, opérateur, département) and lasts 6 to 24 months.
    public var needsDepartement: Bool { self == .masp2 }
    public var durationMonths: ClosedRange<Int>? { self == .masp2 ? 6...24 : nil }
}

/// A contract's terms as written, before they are stored: what the routes check, each
/// problem named with its field and said in French.
public struct ContractTerms: Sendable, Equatable {
    public var kind: ContractKind
    /// The plan's priority axes: sections of the diagnostic grid (`PL`, `SL`, `SH`, `SE`, `BA`).
    public var objectives: [String]
    public var startsOn: Date
    public var plannedEndOn: Date
    public var signedByHousehold: Bool
    public var signedByOperator: Bool
    public var signedByDepartement: Bool

    public init(
        kind: ContractKind, objectives: [String], startsOn: Date, plannedEndOn: Date, signedByHousehold: Bool,
        signedByOperator: Bool, signedByDepartement: Bool
    ) {
        self.kind = kind
        self.objectives = objectives
        self.startsOn = startsOn
        self.plannedEndOn = plannedEndOn
        self.signedByHousehold = signedByHousehold
        self.signedByOperator = signedByOperator
        self.signedByDepartement = signedByDepartement
    }

    public struct Problem: Sendable, Equatable {
        public let field: String
        public let message: String
    }

    /// Every problem, in the order of the fields; empty when the terms may be recorded.
    public var problems: [Problem] {
        var problems: [Problem] = []
        let axes = Set(DiagnosticGrid.sections.map(\.code))
        if objectives.isEmpty {
            problems.append(Problem(field: "objectives", message: "Le contrat doit fixer au moins un objectif."))
        } else if let unknown = objectives.first(where: { !axes.contains($0) }) {
            problems.append(
                Problem(
                    field: "objectives",
                    message:
                        "Objectif inconnu : « \(unknown.prefix(20)) » (axes du diagnostic : \(axes.sorted().joined(separator: ", ")))."
                ))
        } else if Set(objectives).count != objectives.count {
            problems.append(Problem(field: "objectives", message: "Un même objectif est donné deux fois."))
        }
        if plannedEndOn <= startsOn {
            problems.append(
                Problem(field: "plannedEndOn", message: "La fin prévue du contrat doit suivre son début."))
        } else if let range = kind.durationMonths {
            let shortest = Calendar.utc.date(byAdding: .month, value: range.lowerBound, to: startsOn)!
            let longest = Calendar.utc.date(byAdding: .month, value: range.upperBound, to: startsOn)!
            if plannedEndOn < shortest || plannedEndOn > longest {
                problems.append(
                    Problem(
                        field: "plannedEndOn",
                        message: "Une MASP2 dure de \(range.lowerBound) à \(range.upperBound) mois."))
            }
        }
        if !signedByHousehold || !signedByOperator {
            problems.append(
                Problem(
                    field: "signatories",
                    message: "Le contrat est signé par le ménage et par l'opérateur d'accompagnement."))
        } else if kind.needsDepartement && !signedByDepartement {
            problems.append(
                Problem(
                    field: "signatories",
                    message: "Une MASP2 est tripartite : le département la signe aussi."))
        }
        return problems
    }
}

/// An amount in euros, exact to the cent: parsed from a decimal string ("1234.56"), never
/// through floating point.
public struct EuroAmount: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let cents: Int64
    /// Above this, an aid amount is a typing error, not an aid.
    public static let maximum = EuroAmount(cents: 100_000_00)

    public init(cents: Int64) { self.cents = cents }

    /// "1234", "1234.5" or "1234.56"; no sign, no thousands separator, no exponent.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, (1...9).contains(whole.count),
            whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber), let euros = Int64(whole)
        else { return nil }
        var cents = euros * 100
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int64(fraction)
            else { return nil }
            cents += fraction.count == 1 ? value * 10 : value
        }
        self.cents = cents
    }

    public var description: String { String(format: "%lld.%02lld", cents / 100, cents % 100) }

    public static func < (a: EuroAmount, b: EuroAmount) -> Bool { a.cents < b.cents }
}
