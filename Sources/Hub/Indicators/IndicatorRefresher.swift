import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Tenancy

/// Recomputes the indicators' roll-ups every `interval` while the hub serves. The refresh
/// runs CONCURRENTLY: readers keep the previous figures until it commits. The roll-ups
/// outlive a restart, so the first refresh waits an interval too: starting a server does not
/// cost a minute of database time at national scale (the demo seed and `seed-synthetic`
/// refresh what they load).
struct IndicatorRefresher: Service {
    let client: PostgresClient
    let interval: Duration
    let logger: Logger

    /// A refresh under way is left to finish at shutdown: it is one statement, and ROLLBACK
    /// would waste it. Each refresh is a round (`ConnectionWait.round`): one lost under a
    /// PostgreSQL restart does not stop the next.
    func run() async throws {
        await everyInterval(interval) {
            do {
                try await ConnectionWait.round { [client, logger] in
                    try await client.withConnectionOrUnavailable { connection in
                        try await IndicatorStore.refresh(on: connection, logger: logger)
                    }
                }
            } catch {
                logger.error("indicators: refresh failed", metadata: ["error": "\(type(of: error))"])
            }
        }
    }
}

/// `hub indicators refresh`: recomputes the roll-ups now (after an import, a generation, or
/// where the server's loop is off).
struct IndicatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators", abstract: "Indicateurs d'évaluation des programmes.", subcommands: [Refresh.self])

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recalcule les agrégats des indicateurs.")

        func run() async throws {
            let started = ContinuousClock.now
            try await withOwnerClient { client in
                try await client.withConnection { try await IndicatorStore.refresh(on: $0, logger: .cli) }
            }
            print("Agrégats recalculés en \(FrenchSeconds.format(started.duration(to: .now))).")
        }
    }
}
