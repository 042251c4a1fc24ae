import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Tenancy

/// `hub seed-synthetic`: a synthetic programme population at national scale (issue 7), to
/// measure the indicators and the routes on realistic volumes. As the owner role, like the
/// other operator commands; its people cannot sign in.
struct SeedSyntheticCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-synthetic",
        abstract: "Génère la population synthétique d'un programme (ménages, parcours, comités), reproductible.",
        discussion: """
            Crée (ou retrouve par leur nom) un opérateur, deux bailleurs, un orienteur, un évaluateur de l'État et \
            leurs intervenants, puis le programme « Programme synthétique <graine> » et ses ménages sur 2024–2025 : \
            parcours, diagnostics, contrats, rendez-vous, aides, logements, décisions de CAL, baux, alertes, sorties, \
            cellules de coordination par département et comités mensuels. La même graine et le même nombre de \
            ménages donnent les mêmes données. Les indicateurs sont recalculés à la fin.

            Avec --bench, génère à la place la population que mesure bench/run.sh, sur les partenaires de \
            démonstration (hub seed-demo d'abord) : « households », les ménages du programme de démonstration \
            menés par ALFI et leur parcours, datés du jour ; « cell », la cellule de coordination et ses quatre \
            comités, sur ces ménages.
            """)

    @Option(help: "Nombre de ménages à générer.")
    var households: Int?

    @Option(help: "La population des mesures de bench/ : households ou cell.")
    var bench: BenchPopulation.Part?

    @Option(help: "Avec --bench cell : situations suivies par la cellule.")
    var situations = 500

    @Option(help: "Graine : la même graine donne les mêmes données.")
    var seed: Int64 = 1

    @Option(help: "Nom du programme (par défaut « Programme synthétique <graine> »).")
    var programme: String?

    @Option(help: "Transactions menées en parallèle pour les ménages, leurs rendez-vous et leurs diagnostics.")
    var workers = 2

    func validate() throws {
        guard bench == .cell || households != nil else { throw ValidationError("--households est demandé.") }
        guard (1...1_000_000).contains(households ?? 1) else {
            throw ValidationError("--households : entre 1 et 1 000 000 ménages.")
        }
        guard (1...100_000).contains(situations) else {
            throw ValidationError("--situations : entre 1 et 100 000 situations.")
        }
        guard (1...16).contains(workers) else { throw ValidationError("--workers : entre 1 et 16.") }
        if let programme, !(1...200).contains(programme.count) {
            throw ValidationError("--programme : un nom de 1 à 200 caractères.")
        }
    }

    func run() async throws {
        if let bench {
            let households = households ?? 0
            let started = ContinuousClock.now
            try await withOwnerClient { client in
                try await BenchPopulation.run(
                    bench, households: households, situations: situations, client: client, logger: .cli)
            }
            print("Population des mesures (\(bench.rawValue)) : \(SyntheticPopulation.format(.now - started)).")
            return
        }
        // validate() made sure of it.
        let households = households ?? 0
        let options = SyntheticPopulation.Options(
            households: households, seed: seed,
            programme: programme ?? SyntheticPopulation.Options.defaultProgramme(seed: seed), workers: workers)
        print("Génération de \(households) ménages (graine \(seed)) dans « \(options.programme) »…")
        let report = try await withOwnerClient { client in
            try await SyntheticPopulation.run(options, client: client, logger: .cli) { print("  \($0)") }
        }
        print(Self.summary(report))
    }

    static func summary(_ report: SyntheticPopulation.Report) -> String {
        let width = report.counts.map(\.table.count).max() ?? 0
        var lines = ["", "Lignes générées :"]
        for (table, rows) in report.counts {
            lines.append("  \(table.padding(toLength: width, withPad: " ", startingAt: 0))  \(grouped(rows))")
        }
        lines.append(
            "  \("total".padding(toLength: width, withPad: " ", startingAt: 0))  \(grouped(report.counts.map(\.rows).reduce(0, +)))"
        )
        lines += [
            "",
            "Génération : \(SyntheticPopulation.format(report.generation)) ; "
                + "recalcul des indicateurs (indicator_refresh) : \(SyntheticPopulation.format(report.refresh)).",
            "Programme : \(report.programmeID.uuidString.lowercased()) (« \(report.programme) »).",
            "",
            "Les comptes générés ne peuvent pas se connecter. Pour lire les indicateurs, créez un évaluateur :",
            "  hub user create --email … --name … --membership \"\(report.evaluatorOrganisationID.uuidString.lowercased()):evaluator\"",
            "  (\(report.evaluatorOrganisation), évaluateur du programme)",
            "puis GET /v1/programmes/\(report.programmeID.uuidString.lowercased())/indicators?period=2025.",
        ]
        return lines.joined(separator: "\n")
    }

    /// 1234567 → "1 234 567", as French figures are written.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(" ") }
            out.append(digit)
        }
        return out
    }
}
