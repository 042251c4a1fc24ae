import Foundation
import Logging
import PostgresNIO
import Tenancy

/// One event of a household's path. `details` holds codes, days and amounts, never free
/// text: the item itself is read from its own route.
struct TimelineEntry: Encodable, Sendable {
    let id: UUID
    let kind: String
    /// The day it happened (a lease's signature, a meeting's date…).
    let on: Day
    let recordedAt: Date
    @Null var authorOrganisationId: UUID?
    let level: String
    let details: [String: String]

    /// Entries sort by day, then by when they were recorded; a lease or an alert gives
    /// several entries under one id, told apart by their kind.
    var cursor: String {
        let (micros, id) = TimeCursor.key(recordedAt, id)
        return "\(on)|\(micros)|\(kind)|\(id.uuidString)"
    }

    static func decode(cursor text: String) throws -> (Day, Int64, String, UUID) {
        let parts = text.split(separator: "|").map(String.init)
        guard parts.count == 4, let day = Day(iso: parts[0]), let micros = Int64(parts[1]),
            let id = UUID(uuidString: parts[3])
        else { throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor") }
        return (day, micros, parts[2], id)
    }
}

extension TimelineEntry: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], kind: try row["kind"], on: try row["day"], recordedAt: try row["recorded_at"],
            authorOrganisationId: try row["author"], level: try row["level"], details: try row[json: "details"])
    }
}

/// Every table of the path, each read under its own policy: the reader gets the events of
/// the items they may read, and nothing of the others (R2–R4, R7).
enum TimelineStore {
    /// The path's moves from stage to stage: the first table of the timeline, and the
    /// console's household page's short timeline on its own (`moves`).
    static let movesSQL = """
        SELECT t.id, 'pathTransition' AS kind, t.occurred_on AS day, t.at AS recorded_at,
               t.organisation_id AS author, 'partners' AS level,
               jsonb_build_object('from', t.from_state, 'to', t.to_state) AS details
        FROM path_transitions t WHERE t.household_id = $1
        """

    static let events =
        movesSQL + """

            UNION ALL
            SELECT d.id, 'diagnosticValidated', d.validated_on, d.validated_at,
                   d.author_organisation_id, 'partners', jsonb_build_object('version', d.version::text)
            FROM diagnostics d WHERE d.household_id = $1 AND d.status = 'validated'
            UNION ALL
            SELECT c.id, 'contractSigned', c.signed_on, c.created_at, c.author_organisation_id, c.level,
                   jsonb_build_object('kind', c.kind, 'startsOn', c.starts_on::text, 'plannedEndOn', c.planned_end_on::text)
            FROM contracts c WHERE c.household_id = $1
            UNION ALL
            SELECT m.id, 'meeting', (m.starts_at AT TIME ZONE 'UTC')::date, m.created_at, m.author_organisation_id,
                   m.level, jsonb_build_object('kind', m.kind, 'status', m.status,
                                               'durationMinutes', m.duration_minutes::text)
            FROM meetings m WHERE m.household_id = $1
            UNION ALL
            SELECT a.id, 'aid', a.requested_on, a.created_at, a.author_organisation_id, a.level,
                   jsonb_build_object('kind', a.kind, 'status', a.status,
                                      'amount', to_char(a.amount_cents / 100.0, 'FM9999999990.00'))
            FROM aids a WHERE a.household_id = $1
            UNION ALL
            SELECT p.id, 'flatProposed', p.proposed_on, p.created_at, p.author_organisation_id, p.level,
                   jsonb_build_object('flatId', p.flat_id::text)
            FROM proposals p WHERE p.household_id = $1
            UNION ALL
            SELECT a.proposal_id, 'proposalAnswered', a.answered_on, a.created_at, a.author_organisation_id, a.level,
                   jsonb_build_object('answer', a.answer, 'refusalReason', a.refusal_reason)
            FROM proposal_answers a WHERE a.household_id = $1
            UNION ALL
            SELECT c.id, 'calDecision', c.decided_on, c.created_at, c.author_organisation_id, c.level,
                   jsonb_build_object('decision', c.decision, 'refusalReason', c.refusal_reason)
            FROM cal_decisions c WHERE c.household_id = $1
            UNION ALL
            SELECT l.id, 'leaseSigned', l.signed_on, l.created_at, l.author_organisation_id, l.level,
                   jsonb_build_object('kind', l.kind, 'referentAttended', l.referent_attended::text)
            FROM leases l WHERE l.household_id = $1
            UNION ALL
            SELECT l.id, 'enteredFlat', l.entry_inspection_on, l.created_at, l.author_organisation_id, l.level, '{}'
            FROM leases l WHERE l.household_id = $1 AND l.entry_inspection_on IS NOT NULL
            UNION ALL
            SELECT l.id, 'leaseSlid', l.slid_on, l.created_at, l.author_organisation_id, l.level, '{}'
            FROM leases l WHERE l.household_id = $1 AND l.slid_on IS NOT NULL
            UNION ALL
            SELECT a.id, 'alertReported', a.reported_on, a.created_at, a.author_organisation_id, a.level,
                   jsonb_build_object('kind', a.kind, 'arrearsMonths', a.arrears_months::text,
                                      'arrearsAmount', to_char(a.arrears_cents / 100.0, 'FM9999999990.00'))
            FROM alerts a WHERE a.household_id = $1
            UNION ALL
            SELECT a.id, 'alertResolved', a.resolved_on, a.created_at, a.author_organisation_id, a.level,
                   jsonb_build_object('kind', a.kind)
            FROM alerts a WHERE a.household_id = $1 AND a.resolved_on IS NOT NULL
            UNION ALL
            SELECT o.id, 'outcome', o.ended_on, o.created_at, o.author_organisation_id, o.level,
                   jsonb_build_object('kind', o.kind, 'inFlatAt6Months', o.in_flat_at_6_months::text,
                                      'inFlatAt12Months', o.in_flat_at_12_months::text)
            FROM outcomes o WHERE o.household_id = $1
            """

    /// The whole path the reader may see, a thousand events at a time: the export, and the
    /// console's path tab (a path is rarely longer than one read).
    static func all(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [TimelineEntry]
    {
        var events: [TimelineEntry] = []
        var cursor: (Day, Int64, String, UUID)?
        repeat {
            let page = try await Self.page(of: household, after: cursor, limit: 1000, on: connection, logger: logger)
            events += page
            cursor = try page.count == 1000 ? page.last.map { try TimelineEntry.decode(cursor: $0.cursor) } : nil
        } while cursor != nil
        return events
    }

    /// The moves alone, in the timeline's order: one table instead of fourteen.
    static func moves(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [TimelineEntry]
    {
        var bindings = PostgresBindings()
        bindings.append(household)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, kind, day, recorded_at, author, level, jsonb_strip_nulls(details) AS details
                    FROM (\(movesSQL)) e ORDER BY day, recorded_at, kind, id
                    """, binds: bindings), logger: logger)
        return try await rows.collect(TimelineEntry.self)
    }

    static func page(
        of household: UUID, after: (Day, Int64, String, UUID)?, limit: Int, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [TimelineEntry] {
        var bindings = PostgresBindings()
        bindings.append(household)
        bindings.append(after?.0)
        bindings.append(after?.1)
        bindings.append(after?.2)
        bindings.append(after?.3)
        bindings.append(limit)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, kind, day, recorded_at, author, level, jsonb_strip_nulls(details) AS details
                    FROM (\(events)) e
                    WHERE $2::date IS NULL
                       OR (day, recorded_at, kind, id)
                          > ($2::date, 'epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::text, $5::uuid)
                    ORDER BY day, recorded_at, kind, id
                    LIMIT $6
                    """, binds: bindings), logger: logger)
        return try await rows.collect(TimelineEntry.self)
    }
}
