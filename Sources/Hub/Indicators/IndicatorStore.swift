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

    /// The same cell counting something else than events (a session's participants), with
    /// no household behind it: its households are its value, which no threshold looks at.
    func counting(_ value: (IndicatorRow) -> Int) -> IndicatorRow {
        IndicatorRow(
            indicator: indicator, period: period, dimension: dimension, category: category, events: value(self),
            households: value(self), amount: amount, months: months)
    }
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

    /// The coarser categories' counts for the year (recoding, `IndicatorBreakdown.group(of:)`),
    /// for the categories `events` holds: each group's distinct households, which the sum of
    /// its categories' would overstate. Rows of dimension `public/grouped`, `detail/grouped`…
    static func groups(
        of programme: UUID, year: Int, events: [IndicatorRow], on connection: PostgresConnection, logger: Logger
    ) async throws -> [IndicatorRow] {
        var indicators: [String] = []
        var dimensions: [String] = []
        var categories: [String] = []
        var groups: [String] = []
        var seen: Set<String> = []
        for definition in IndicatorCatalogue.counted {
            guard case .events(let key) = definition.source else { continue }
            for breakdown in definition.breakdowns {
                for level in breakdown.levels where level != .detailed {
                    for row in events where row.indicator == key && row.dimension == breakdown.dimension {
                        let category = row.category ?? "nonRenseigne"
                        guard seen.insert("\(key)|\(breakdown.dimension)|\(category)").inserted else { continue }
                        indicators.append(key)
                        dimensions.append(breakdown.dimension)
                        categories.append(category)
                        groups.append(breakdown.category(category, at: level))
                    }
                }
            }
        }
        guard !indicators.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT indicator, period, dimension, category, events, households
            FROM indicator_event_groups(\(programme), \(year)::integer, \(indicators), \(dimensions), \(categories),
                                        \(groups))
            """, logger: logger)
        var figures: [IndicatorRow] = []
        for try await (indicator, period, dimension, category, events, households) in rows.decode(
            (String, String, String, String, Int, Int).self)
        {
            figures.append(
                IndicatorRow(
                    indicator: indicator, period: period, dimension: dimension + "/" + BreakdownLevel.grouped.rawValue,
                    category: category, events: events, households: households, amount: 0, months: 0))
        }
        return figures
    }

    /// The stocks of every period of the year, per public (and evolution), then summed into
    /// each period's total.
    static func stocks(of programme: UUID, year: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [IndicatorRow]
    {
        let rows = try await connection.query(
            """
            SELECT period, indicator, public, detail, households, coalesce(round(amount * 100), 0)::bigint
            FROM indicator_year_stocks(\(programme), \(year)::integer)
            """, logger: logger)
        struct Key: Hashable {
            let period: String
            let indicator: String
            let dimension: String
            let category: String
        }
        var sums: [Key: (households: Int, amount: Int64)] = [:]
        for try await (period, indicator, publicCategory, detail, households, hundredths) in rows.decode(
            (String, String, String, String?, Int, Int64).self)
        {
            // Evolutions are broken down by their detail (over every public); the others by public.
            let key = Key(
                period: period, indicator: indicator, dimension: detail == nil ? "public" : "detail",
                category: detail ?? publicCategory)
            let sum = sums[key] ?? (0, 0)
            sums[key] = (sum.households + households, sum.amount + hundredths)
        }
        let figures = sums.map { key, sum in
            IndicatorRow(
                indicator: key.indicator, period: key.period, dimension: key.dimension, category: key.category,
                events: sum.households, households: sum.households, amount: sum.amount, months: 0)
        }
        // Each household has one public and one evolution per item: the total is the sum.
        let totals = Dictionary(grouping: figures) { "\($0.period)|\($0.indicator)" }.map { _, rows in
            IndicatorRow(
                indicator: rows[0].indicator, period: rows[0].period, dimension: "total", category: nil,
                events: rows.reduce(0) { $0 + $1.events }, households: rows.reduce(0) { $0 + $1.households },
                amount: rows.reduce(0) { $0 + $1.amount }, months: 0)
        }
        return figures + totals
    }

    /// The names of the landlords the year's landlord breakdowns count (organisations are
    /// not persons: their names are published). A landlord of the programme's flats is one
    /// of its partners, which every reader of its indicators may read (sql/0001).
    static func landlords(in events: [IndicatorRow], on connection: PostgresConnection, logger: Logger)
        async throws -> [String: String]
    {
        let keys = Set(
            IndicatorCatalogue.counted.filter { $0.breakdowns.contains(.landlord) }.compactMap { definition in
                if case .events(let key) = definition.source { key } else { nil }
            })
        let ids = Array(
            Set(
                events.filter { keys.contains($0.indicator) && $0.dimension == IndicatorBreakdown.landlord.dimension }
                    .compactMap { $0.category.flatMap(UUID.init(uuidString:)) }))
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(
            "SELECT id, name FROM organisations WHERE id = ANY(\(ids))", logger: logger)
        var names: [String: String] = [:]
        for try await (id, name) in rows.decode((UUID, String).self) { names[id.uuidString.lowercased()] = name }
        return names
    }

    /// A programme's year as the reports read it: events, their coarser groups, stocks.
    static func rollUp(of programme: UUID, year: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> RollUp
    {
        let events = try await Self.events(of: programme, year: year, on: connection, logger: logger)
        let groups = try await Self.groups(of: programme, year: year, events: events, on: connection, logger: logger)
        let stocks = try await Self.stocks(of: programme, year: year, on: connection, logger: logger)
        return RollUp(events: events, groups: groups, stocks: stocks)
    }

    /// The regroupement whose programmes are exactly `programmes`, if the reader may read it
    /// (sql/0027).
    static func pool(of programmes: [UUID], on connection: PostgresConnection, logger: Logger) async throws
        -> String?
    {
        let rows = try await connection.query("SELECT indicator_pool_of(\(programmes))", logger: logger)
        for try await pool in rows.decode(String?.self) { return pool }
        return nil
    }

    /// The regroupements the reader reads as a whole (each of their programmes'
    /// indicators), with their programmes: the dashboard's choices.
    static func readablePools(on connection: PostgresConnection, logger: Logger) async throws
        -> [(name: String, programmes: [UUID])]
    {
        let rows = try await connection.query(
            """
            SELECT pool, array_agg(id ORDER BY id) FROM programmes
            WHERE pool IS NOT NULL AND indicator_may_read_pool(pool)
            GROUP BY pool ORDER BY pool
            """, logger: logger)
        var pools: [(name: String, programmes: [UUID])] = []
        for try await (name, programmes) in rows.decode((String, [UUID]).self) { pools.append((name, programmes)) }
        return pools
    }

    /// A pool's period report stored for this refresh and threshold, as JSON or CSV.
    static func storedPoolReport(
        _ pool: String, refresh: Int64, period: EvaluationPeriod, threshold: Int, csv: Bool,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        let rows = try await connection.query(
            """
            SELECT CASE WHEN \(csv) THEN csv ELSE json END FROM indicator_pool_reports
            WHERE pool = \(pool) AND refresh_id = \(refresh) AND period = \(period.code) AND threshold = \(threshold)
            """, logger: logger)
        for try await body in rows.decode(String.self) { return body }
        return nil
    }

    /// Stores a pool's year of reports.
    static func storePool(
        _ documents: [(period: String, json: String, csv: String)], of pool: String, refresh: Int64,
        threshold: Int, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let periods = documents.map(\.period)
        let jsons = documents.map(\.json)
        let csvs = documents.map(\.csv)
        try await connection.perform(
            """
            INSERT INTO indicator_pool_reports (pool, refresh_id, period, threshold, json, csv)
            SELECT \(pool), \(refresh), period, \(threshold), json, csv
            FROM unnest(\(periods)::text[], \(jsons)::text[], \(csvs)::text[]) AS r(period, json, csv)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// The last refresh: its number (0 before the first) and when it ended.
    static func lastRefresh(on connection: PostgresConnection, logger: Logger) async throws -> (
        id: Int64, at: Date?
    ) {
        let rows = try await connection.query(
            "SELECT coalesce(max(id), 0), max(refreshed_at) FROM indicator_refreshes", logger: logger)
        for try await (id, at) in rows.decode((Int64, Date?).self) { return (id, at) }
        return (0, nil)
    }

    /// A period's report stored for this refresh and threshold, as JSON or CSV.
    static func storedReport(
        _ programme: UUID, refresh: Int64, period: EvaluationPeriod, threshold: Int, csv: Bool,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        let rows = try await connection.query(
            """
            SELECT CASE WHEN \(csv) THEN csv ELSE json END FROM indicator_reports
            WHERE programme_id = \(programme) AND refresh_id = \(refresh) AND period = \(period.code)
              AND threshold = \(threshold)
            """, logger: logger)
        for try await body in rows.decode(String.self) { return body }
        return nil
    }

    /// A year's reports as the route serves them, JSON and CSV, by period code.
    static func documents(_ reports: [EvaluationPeriod: IndicatorReport]) throws -> [(
        period: String, json: String, csv: String
    )] {
        try reports.map { period, report in
            (
                period.code, String(decoding: try JSONEncoder.hub.encode(report), as: UTF8.self),
                IndicatorCSV.document(report)
            )
        }
    }

    /// Stores a year's reports; a reader who computed them at the same moment stored the same.
    static func store(
        _ documents: [(period: String, json: String, csv: String)], of programme: UUID, refresh: Int64,
        threshold: Int, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let periods = documents.map(\.period)
        let jsons = documents.map(\.json)
        let csvs = documents.map(\.csv)
        try await connection.perform(
            """
            INSERT INTO indicator_reports (programme_id, refresh_id, period, threshold, json, csv)
            SELECT \(programme), \(refresh), period, \(threshold), json, csv
            FROM unnest(\(periods)::text[], \(jsons)::text[], \(csvs)::text[]) AS r(period, json, csv)
            ON CONFLICT DO NOTHING
            """, logger: logger)
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
