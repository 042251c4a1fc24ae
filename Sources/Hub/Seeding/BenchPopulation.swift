import ArgumentParser
import Foundation
import Logging
import PostgresNIO

/// The SQL of the benchmarks' population (`BenchSQL+Households.swift`, `BenchSQL+Cell.swift`).
enum BenchSQL {}

enum BenchError: Error, CustomStringConvertible {
    case noDemoProgramme

    var description: String {
        switch self {
        case .noDemoProgramme:
            "La population des mesures s'ajoute aux partenaires de démonstration : lancez d'abord "
                + "HUB_MODE=demo hub seed-demo."
        }
    }
}

/// `hub seed-synthetic --bench households|cell`: the population `bench/run.sh` measures, on top
/// of the demo partners, so that both of its clients can name it: the households' ids are
/// `md5('bench-' || n)::uuid`, their readers the demo accounts (Claire Martin, Karim Haddad,
/// Thomas Leroy), their dates relative to the day of the run, and the timeline's audit levels
/// follow from n. The national-scale programme of `SyntheticPopulation` has none of these:
/// its partners cannot sign in and its dates end in 2025. bench/README.md gives the rates.
enum BenchPopulation {
    enum Part: String, ExpressibleByArgument, CaseIterable, Sendable {
        /// The households of the demo programme and their paths (one transaction).
        case households
        /// The comités' cell and its four comités, on households generated first.
        case cell
    }

    /// Runs one part in one transaction, then refreshes the statistics of what it wrote, on
    /// one connection: its temporary tables and functions go with it.
    static func run(_ part: Part, households: Int, situations: Int, client: PostgresClient, logger: Logger)
        async throws
    {
        let (statements, statistics) =
            switch part {
            case .households: (BenchSQL.households, BenchSQL.householdsStatistics)
            case .cell: (BenchSQL.cell, BenchSQL.cellStatistics)
            }
        try await client.withConnection { connection in
            let demo = try await connection.query(
                "SELECT count(*)::integer FROM programmes WHERE name = \(DemoData.programme)", logger: logger)
            for try await count in demo.decode(Int.self) where count == 0 { throw BenchError.noDemoProgramme }
            try await connection.perform("BEGIN", logger: logger)
            do {
                try await connection.perform(
                    "CREATE TEMP TABLE bench_input (households integer, situations integer) ON COMMIT DROP",
                    logger: logger)
                try await connection.perform(
                    "INSERT INTO bench_input VALUES (\(households), \(situations))", logger: logger)
                for sql in statements {
                    try await connection.perform(PostgresQuery(unsafeSQL: sql), logger: logger)
                }
                try await connection.perform("COMMIT", logger: logger)
            } catch {
                try? await connection.perform("ROLLBACK", logger: logger)
                throw error
            }
            for sql in statistics {
                try await connection.perform(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
            try await connection.perform("DISCARD TEMP", logger: logger)
        }
    }
}
