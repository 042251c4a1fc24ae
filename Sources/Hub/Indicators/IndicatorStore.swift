import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A figure of the roll-up for one period: `dimension` is `total` or the breakdown's column
/// (`public`, `departement`, `detail`), `category` its value.
struct IndicatorRow: Sendable, Equatable {
    let indicator: String
    let period: String
    let dimension: String
    let category: String?
    let events: Int
    let households: Int
    let amount: Int64
    let months: Int64
}

/// The indicators' SQL: the definer functions of sql/0009, which check who asks and return
/// counts and sums only.
enum IndicatorStore {
    /// Every event figure of the programme's year (months, quarters, the year).
    static func events(of programme: UUID, year: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [IndicatorRow]
    {
        let rows = try await connection.query(
            """
            SELECT indicator, period, dimension, category, events, households, amount, months
            FROM indicator_event_periods(\(programme), \(year)::integer)
            """, logger: logger)
        // Thousands of rows: a tuple named as the SELECT names its columns, with no per-row
        // lookup by name.
        var figures: [IndicatorRow] = []
        for try await (indicator, period, dimension, category, events, households, amount, months) in rows.decode(
            (String, String, String, String?, Int, Int, Int64, Int64).self)
        {
            figures.append(
                IndicatorRow(
                    indicator: indicator, period: period, dimension: dimension, category: category, events: events,
                    households: households, amount: amount, months: months))
        }
        return figures
    }

    /// The stocks of one period, per public (and evolution), then summed into the total.
    static func stocks(
        of programme: UUID, period: EvaluationPeriod, on connection: PostgresConnection, logger: Logger
    ) async throws -> [IndicatorRow] {
        let rows = try await connection.query(
            """
            SELECT indicator, public, detail, households, coalesce(round(amount * 100), 0)::bigint
            FROM indicator_stocks(\(programme), \(period.code))
            """, logger: logger)
        var sums: [String: [String: (households: Int, amount: Int64)]] = [:]
        for try await (indicator, publicCategory, detail, households, hundredths) in rows.decode(
            (String, String, String?, Int, Int64).self)
        {
            // Evolutions are broken down by their detail (over every public); the others by public.
            let key = detail.map { "detail|" + $0 } ?? "public|" + publicCategory
            let sum = sums[indicator, default: [:]][key] ?? (0, 0)
            sums[indicator, default: [:]][key] = (sum.households + households, sum.amount + hundredths)
        }
        let figures = sums.flatMap { indicator, cells in
            cells.map { key, sum in
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                return IndicatorRow(
                    indicator: indicator, period: period.code, dimension: parts[0], category: parts[1],
                    events: sum.households, households: sum.households, amount: sum.amount, months: 0)
            }
        }
        // Each household has one public and one evolution per item: the total is the sum.
        let totals = Dictionary(grouping: figures, by: \.indicator).map { indicator, rows in
            IndicatorRow(
                indicator: indicator, period: period.code, dimension: "total", category: nil,
                events: rows.reduce(0) { $0 + $1.events }, households: rows.reduce(0) { $0 + $1.households },
                amount: rows.reduce(0) { $0 + $1.amount }, months: 0)
        }
        return figures + totals
    }

    static func refreshedAt(on connection: PostgresConnection, logger: Logger) async throws -> Date? {
        let rows = try await connection.query(
            "SELECT max(refreshed_at) FROM indicator_refreshes", logger: logger)
        for try await at in rows.decode(Date?.self) { return at }
        return nil
    }

    /// Recomputes the roll-ups (the server's loop, `hub indicators refresh`, tests).
    static func refresh(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform("SELECT indicator_refresh()", logger: logger)
    }

    /// The programme's name, yearly budget and own threshold of disclosure control, if the
    /// operator set one.
    static func programme(_ programme: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> (name: String, yearlyCents: Int64, threshold: Int?)?
    {
        let rows = try await connection.query(
            """
            SELECT name, (yearly_budget_euros * 100)::bigint, disclosure_threshold FROM programmes
            WHERE id = \(programme)
            """, logger: logger)
        for try await (name, cents, threshold) in rows.decode((String, Int64, Int?).self) {
            return (name, cents, threshold)
        }
        return nil
    }
}
