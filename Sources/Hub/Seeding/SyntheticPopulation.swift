import Foundation
import Logging
import PostgresNIO
import Tenancy

/// One statement of the synthetic population (`SyntheticSQL`) and the phases that run it.
struct SyntheticStatement: Sendable {
    enum Phase: String, Sendable {
        /// Every transaction: its settings and the partners' vocabulary.
        case all
        /// The partners, their people and the programme, committed first.
        case setup
        /// Every transaction that generates rows: its parameters, helpers and the plan.
        case work
        /// A shard of households with their path and everything light about them.
        case households
        /// A shard's meetings and diagnostic entries: most of the rows.
        case heavy
        /// The coordination cells and their comités, over every household.
        case comites
    }

    let name: String
    let phases: Set<Phase>
    /// Run once per batch of households (`syn_batch`), to bound each statement's memory.
    let batched: Bool
    let sql: String

    init(_ name: String, _ phases: Set<Phase>, batched: Bool = false, _ sql: String) {
        self.name = name
        self.phases = phases
        self.batched = batched
        self.sql = sql
    }
}

/// The SQL of `hub seed-synthetic`, in the order it runs (one file per part of the domain).
/// Everything is set-based over `generate_series` and derived from the seed: the draws are
/// hashes of (seed, household, purpose), the ids hashes of (programme, seed, kind, household,
/// row), the dates days after an orientation drawn over 2024–2025 and cut at the programme's
/// last day. Nothing reads the clock or `random()`, so the same programme, seed and size give
/// the same rows.
enum SyntheticSQL {
    static let ordered: [SyntheticStatement] =
        vocabulary + setup + session + plan + households + diagnostics + accompaniment + housing + comites

    static func statements(for phase: SyntheticStatement.Phase) -> [SyntheticStatement] {
        let wanted: Set<SyntheticStatement.Phase> = phase == .setup ? [.all, .setup] : [.all, .work, phase]
        return ordered.filter { !$0.phases.isDisjoint(with: wanted) }
    }

    /// The session's helpers go with the transaction that made them: the connection returns
    /// to the pool as it came.
    static let dropHelpers = """
        DROP FUNCTION pg_temp.r(integer, integer, integer, integer), pg_temp.uid(text, integer, integer),
            pg_temp.at(date, integer), pg_temp.cidx(date, integer), pg_temp.cday(integer, integer)
        """
}

enum SyntheticError: Error, CustomStringConvertible {
    case programmeNotEmpty(String)
    case incomplete(String, underlying: any Error)
    /// PostgresNIO describes its errors generically; the operator (and a failing test) needs
    /// the server's SQLSTATE and message, which name a constraint, never a household.
    case database(step: String, sqlState: String, message: String)

    var description: String {
        switch self {
        case .programmeNotEmpty(let name):
            "Le programme « \(name) » contient déjà des ménages : choisissez un autre nom (--programme) "
                + "ou une autre graine (--seed)."
        case .incomplete(let name, let underlying):
            "La génération du programme « \(name) » a échoué et ses ménages n'ont pas pu être retirés : "
                + "ne l'utilisez pas, générez-en un autre sous un autre nom. Cause : \(underlying)"
        case .database(let step, let sqlState, let message):
            "Étape « \(step) » : PostgreSQL a refusé (SQLSTATE \(sqlState)) : \(message)"
        }
    }
}

/// A realistic programme population at any scale (issue 7): partners, people, households and
/// their paths, diagnostics, meetings, aid, flats, CAL decisions, leases, alerts, outcomes,
/// coordination cells and comités. See `SyntheticSQL` for what is drawn and how.
///
/// The work is split so that both cores of a small server work: the partners and programme
/// first; then the households in `workers` shards, each in its own transaction; then, at the
/// same time, the shards' meetings and diagnostic entries (most of the rows) and the comités
/// (over every household). The comités' transaction commits last, once the shards' have: a
/// held comité's records cannot be deleted afterwards (sql/0008's lifecycle triggers), so
/// if anything fails before, the households already committed are removed and nothing of
/// the run stays.
enum SyntheticPopulation {
    struct Options: Sendable {
        var households: Int
        var seed: Int64
        var programme: String
        /// Concurrent transactions for the households and their meetings and diagnostics.
        var workers = 2
        /// Households per statement in the batched statements.
        var batch = 10_000

        static func defaultProgramme(seed: Int64) -> String { "Programme synthétique \(seed)" }
    }

    struct Report: Sendable {
        let programmeID: UUID
        let programme: String
        /// The State's organisation of the programme: its evaluators read the indicators.
        let evaluatorOrganisationID: UUID
        let evaluatorOrganisation: String
        /// Rows of the programme per table, in the order of `countedTables`.
        let counts: [(table: String, rows: Int)]
        let phases: [(name: String, duration: Duration)]
        let generation: Duration
        let refresh: Duration
    }

    /// Generates the population, then refreshes the indicators' roll-ups.
    static func run(
        _ options: Options, client: PostgresClient, logger: Logger, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let clock = ContinuousClock()
        let started = clock.now
        var phases: [(String, Duration)] = []
        func explained<T>(_ step: String, _ body: () async throws -> T) async throws -> T {
            do {
                return try await body()
            } catch let error as PSQLError {
                throw SyntheticError.database(
                    step: step, sqlState: error.serverInfo?[.sqlState] ?? "-",
                    message: error.serverInfo?[.message] ?? "\(error.code)")
            }
        }
        func phase<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
            let begun = clock.now
            let result = try await explained(name, body)
            phases.append((name, begun.duration(to: clock.now)))
            progress("\(name) : \(format(begun.duration(to: clock.now)))")
            return result
        }

        let setup = try await phase("partenaires et programme") {
            try await prepare(options, client: client, logger: logger)
        }
        let shards = shards(of: options.households, into: options.workers)
        do {
            try await phase("ménages et parcours (\(shards.count) transactions)") {
                try await inParallel(shards) { shard in
                    try await generate(.households, options, shard: shard, client: client, logger: logger)
                }
            }
            try await phase("rendez-vous, diagnostics et comités") {
                // The comités' transaction waits for the shards' before committing.
                let heavy = Task {
                    try await inParallel(shards) { shard in
                        try await generate(.heavy, options, shard: shard, client: client, logger: logger)
                    }
                }
                do {
                    try await generate(
                        .comites, options, shard: 1...options.households, client: client, logger: logger,
                        beforeCommit: { try await heavy.value })
                } catch {
                    heavy.cancel()
                    _ = await heavy.result
                    throw error
                }
            }
        } catch let failure {
            do {
                try await remove(programme: setup.programmeID, client: client, logger: logger)
            } catch {
                throw SyntheticError.incomplete(options.programme, underlying: failure)
            }
            throw failure
        }
        let generation = started.duration(to: clock.now)
        try await phase("statistiques") { try await analyze(client: client, logger: logger) }
        let counts = try await explained("décompte") {
            try await count(programme: setup.programmeID, client: client, logger: logger)
        }
        let refreshStarted = clock.now
        try await explained("calcul des indicateurs") {
            try await client.withConnection { try await IndicatorStore.refresh(on: $0, logger: logger) }
        }
        let refresh = refreshStarted.duration(to: clock.now)
        return Report(
            programmeID: setup.programmeID, programme: options.programme,
            evaluatorOrganisationID: setup.evaluator.id, evaluatorOrganisation: setup.evaluator.name,
            counts: counts, phases: phases, generation: generation, refresh: refresh)
    }

    /// `1...n` cut into `workers` contiguous ranges (fewer when there are fewer households).
    static func shards(of households: Int, into workers: Int) -> [ClosedRange<Int>] {
        let count = max(1, min(workers, households))
        let size = (households + count - 1) / count
        return stride(from: 1, through: households, by: size).map { $0...min(households, $0 + size - 1) }
    }

    /// The partners, people and programme, committed on their own: later runs find them by
    /// name. Refuses a programme that already holds households.
    static func prepare(_ options: Options, client: PostgresClient, logger: Logger) async throws
        -> (programmeID: UUID, evaluator: (id: UUID, name: String))
    {
        try await client.transaction(logger: logger) { connection in
            try await begin(options, shard: 1...options.households, on: connection, logger: logger)
            for statement in SyntheticSQL.statements(for: .setup) {
                try await connection.perform(PostgresQuery(unsafeSQL: statement.sql), logger: logger)
            }
            let rows = try await connection.query(
                """
                SELECT p.id, (SELECT count(*) FROM households x WHERE x.programme_id = p.id)::integer, o.id, o.name
                FROM programmes p, syn_orgs so JOIN organisations o ON o.name = so.name
                WHERE p.name = \(options.programme) AND so.role = 'state'
                """, logger: logger)
            for try await (programme, households, state, stateName) in rows.decode((UUID, Int, UUID, String).self) {
                guard households == 0 else { throw SyntheticError.programmeNotEmpty(options.programme) }
                return (programme, (state, stateName))
            }
            throw OperatorError.missingRow
        }
    }

    /// One transaction of a phase: its parameters, then its statements, the batched ones once
    /// per batch of the shard's households.
    static func generate(
        _ phase: SyntheticStatement.Phase, _ options: Options, shard: ClosedRange<Int>, client: PostgresClient,
        logger: Logger, beforeCommit: () async throws -> Void = {}
    ) async throws {
        try await client.transaction(logger: logger) { connection in
            try await begin(options, shard: shard, on: connection, logger: logger)
            for statement in SyntheticSQL.statements(for: phase) {
                let query = PostgresQuery(unsafeSQL: statement.sql)
                guard statement.batched else {
                    try await connection.perform(query, logger: logger)
                    continue
                }
                for low in stride(from: shard.lowerBound - 1, to: shard.upperBound, by: options.batch) {
                    let high = min(shard.upperBound, low + options.batch)
                    try await connection.perform("UPDATE syn_batch SET lo = \(low), hi = \(high)", logger: logger)
                    try await connection.perform(query, logger: logger)
                }
            }
            try await connection.perform(PostgresQuery(unsafeSQL: SyntheticSQL.dropHelpers), logger: logger)
            try await beforeCommit()
        }
    }

    /// The run's parameters, as the statements read them (`syn_input`, `syn_batch`).
    static func begin(_ options: Options, shard: ClosedRange<Int>, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.perform(
            """
            CREATE TEMP TABLE syn_input (programme_name text NOT NULL, seed bigint NOT NULL, households integer NOT NULL,
                                         lo integer NOT NULL, hi integer NOT NULL) ON COMMIT DROP
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO syn_input VALUES (\(options.programme), \(options.seed), \(options.households),
                                          \(shard.lowerBound), \(shard.upperBound))
            """, logger: logger)
        try await connection.perform(
            "CREATE TEMP TABLE syn_batch (lo integer NOT NULL, hi integer NOT NULL) ON COMMIT DROP", logger: logger)
        try await connection.perform("INSERT INTO syn_batch VALUES (0, 0)", logger: logger)
    }

    static func inParallel(
        _ shards: [ClosedRange<Int>], _ body: @escaping @Sendable (ClosedRange<Int>) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for shard in shards { group.addTask { try await body(shard) } }
            try await group.waitForAll()
        }
    }

    /// Removes the households of a programme whose generation failed, with every row that
    /// names them (the comités' transaction, the only one whose rows could not be deleted,
    /// rolled back).
    static func remove(programme: UUID, client: PostgresClient, logger: Logger) async throws {
        try await client.transaction(logger: logger) { connection in
            try await connection.perform(
                """
                CREATE TEMP TABLE syn_gone ON COMMIT DROP AS SELECT id FROM households WHERE programme_id = \(programme)
                """, logger: logger)
            try await connection.perform(
                """
                CREATE TEMP TABLE syn_gone_flats ON COMMIT DROP AS
                SELECT DISTINCT flat_id AS id FROM proposals WHERE household_id IN (SELECT id FROM syn_gone)
                """, logger: logger)
            for table in [
                "meeting_notes", "meetings", "diagnostic_entries", "diagnostics", "notes", "consents", "care_team",
                "household_persons", "contracts", "aids", "proposal_answers", "cal_decisions", "leases", "alerts",
                "outcomes", "comite_requests", "path_transitions", "proposals",
            ] {
                try await connection.perform(
                    PostgresQuery(
                        unsafeSQL: "DELETE FROM \(table) WHERE household_id IN (SELECT id FROM syn_gone)"),
                    logger: logger)
            }
            try await connection.perform(
                "DELETE FROM flats WHERE id IN (SELECT id FROM syn_gone_flats)", logger: logger)
            try await connection.perform(
                "DELETE FROM households WHERE id IN (SELECT id FROM syn_gone)", logger: logger)
        }
    }

    /// Fresh statistics for what follows (the indicators' refresh, the API's plans); the
    /// dead transitions the insert trigger wrote are vacuumed away.
    static func analyze(client: PostgresClient, logger: Logger) async throws {
        try await client.withConnection { connection in
            try await connection.perform("VACUUM (ANALYZE) path_transitions", logger: logger)
            try await connection.perform(
                """
                ANALYZE households, household_persons, care_team, consents, notes, diagnostics, diagnostic_entries,
                    contracts, meetings, meeting_notes, aids, flats, proposals, proposal_answers, cal_decisions, leases,
                    alerts, outcomes, coordination_cells, cell_situations, comites, agenda_items, comite_attendance,
                    comite_decisions, comite_discussions, comite_objections, comite_actions, comite_errata, comite_requests
                """, logger: logger)
        }
    }

    /// The tables the generation fills, counted for one programme.
    static let countedTables: [(table: String, scope: String)] = [
        ("households", "id IN (SELECT id FROM h)"),
        ("path_transitions", "household_id IN (SELECT id FROM h)"),
        ("household_persons", "household_id IN (SELECT id FROM h)"),
        ("care_team", "household_id IN (SELECT id FROM h)"),
        ("consents", "household_id IN (SELECT id FROM h)"),
        ("notes", "household_id IN (SELECT id FROM h)"),
        ("diagnostics", "household_id IN (SELECT id FROM h)"),
        ("diagnostic_entries", "household_id IN (SELECT id FROM h)"),
        ("contracts", "household_id IN (SELECT id FROM h)"),
        ("meetings", "household_id IN (SELECT id FROM h)"),
        ("meeting_notes", "household_id IN (SELECT id FROM h)"),
        ("aids", "household_id IN (SELECT id FROM h)"),
        ("flats", "id IN (SELECT flat_id FROM proposals WHERE household_id IN (SELECT id FROM h))"),
        ("proposals", "household_id IN (SELECT id FROM h)"),
        ("proposal_answers", "household_id IN (SELECT id FROM h)"),
        ("cal_decisions", "household_id IN (SELECT id FROM h)"),
        ("leases", "household_id IN (SELECT id FROM h)"),
        ("alerts", "household_id IN (SELECT id FROM h)"),
        ("outcomes", "household_id IN (SELECT id FROM h)"),
        ("coordination_cells", "programme_id = (SELECT id FROM p)"),
        ("cell_organisations", "cell_id IN (SELECT id FROM c)"),
        ("cell_people", "cell_id IN (SELECT id FROM c)"),
        ("cell_situations", "cell_id IN (SELECT id FROM c)"),
        ("comites", "cell_id IN (SELECT id FROM c)"),
        ("agenda_items", "comite_id IN (SELECT id FROM k)"),
        ("comite_attendance", "comite_id IN (SELECT id FROM k)"),
        ("comite_decisions", "comite_id IN (SELECT id FROM k)"),
        ("comite_discussions", "comite_id IN (SELECT id FROM k)"),
        ("comite_objections", "comite_id IN (SELECT id FROM k)"),
        ("comite_actions", "comite_id IN (SELECT id FROM k)"),
        ("comite_errata", "comite_id IN (SELECT id FROM k)"),
        ("comite_requests", "household_id IN (SELECT id FROM h)"),
    ]

    static func count(programme: UUID, client: PostgresClient, logger: Logger) async throws
        -> [(table: String, rows: Int)]
    {
        let selects = countedTables.enumerated().map { index, entry in
            "SELECT \(index), count(*)::bigint FROM \(entry.table) WHERE \(entry.scope)"
        }
        let sql = """
            WITH p AS (SELECT $1::uuid AS id), h AS (SELECT id FROM households WHERE programme_id = $1),
                 c AS (SELECT id FROM coordination_cells WHERE programme_id = $1),
                 k AS (SELECT id FROM comites WHERE cell_id IN (SELECT id FROM c))
            \(selects.joined(separator: "\nUNION ALL "))
            """
        var binds = PostgresBindings()
        binds.append(programme)
        var counts = Array(repeating: 0, count: countedTables.count)
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await (index, rows) in rows.decode((Int, Int).self) { counts[index] = rows }
        return zip(countedTables, counts).map { ($0.0.table, $0.1) }
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) + Double(attoseconds) / 1e18
        return String(format: "%.1f s", total).replacingOccurrences(of: ".", with: ",")
    }
}
