import Foundation
import Logging
import PostgresNIO
import Tenancy

/// One piece of a frozen fiche de synthèse, with the level and author organisation of the
/// item it was copied from.
struct SheetEntry: Encodable, Sendable {
    let section: String
    let code: String
    let value: JSONFragment
    let level: Level
    let authorOrganisationId: UUID
    /// The French words of the section, of the entry and of its value (`SheetWording`).
    let sectionLabel: String
    let label: String
    let text: String

    init(section: String, code: String, value: JSONFragment, level: Level, authorOrganisationId: UUID) {
        self.section = section
        self.code = code
        self.level = level
        self.authorOrganisationId = authorOrganisationId
        sectionLabel = ComiteVocabulary.sheetSections[section]
        if case .object(let fields) = value {
            let words = SheetWording.words(section: section, code: code, value: fields)
            (label, text, self.value) = (words.label, words.text, .object(words.value))
        } else {
            (label, text, self.value) = (code, "—", value)
        }
    }
}

struct SummarySheet: Encodable, Sendable {
    let itemId: UUID
    let householdId: UUID
    let reference: String
    @Null var householdName: String?
    let publishedAt: Date
    let entries: [SheetEntry]
}

/// A JSON value read from the database as it is (a sheet entry's facts).
indirect enum JSONFragment: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case text(String)
    case array([JSONFragment])
    case object([String: JSONFragment])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .text(value)
        } else if let value = try? container.decode([JSONFragment].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONFragment].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

struct NewAgendaItemRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["householdId", "reason"]
    let householdId: UUID
    let reason: String
}

struct AgendaOrderRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["itemIds"]
    let itemIds: [UUID]
}

/// The agenda's SQL. Items and sheets are read under the reader's settings (each through its
/// household's door and level); the rules' facts and the freezing go through the
/// facilitator-only functions of sql/0008.
enum AgendaStore {
    static func items(
        of comite: UUID, only item: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [AgendaItem] {
        // Numbered among the items this reader sees (R7): the stored position only orders
        // them, since "1, 3" would tell a partner that a situation 2 exists.
        let rows = try await connection.query(
            """
            SELECT id, household_id, reference, household_name, position, reasons, added_by FROM (
                SELECT i.id, i.household_id, x.reference,
                       (SELECT p.first_name || ' ' || p.last_name FROM household_persons p
                        WHERE p.household_id = i.household_id AND p.relation = 'applicant') AS household_name,
                       row_number() OVER (ORDER BY i.position, i.id)::integer AS position, i.reasons, i.added_by
                FROM agenda_items i JOIN households x ON x.id = i.household_id
                WHERE i.comite_id = \(comite)) shown
            WHERE \(item)::uuid IS NULL OR id = \(item)
            ORDER BY position
            """, logger: logger)
        return try await rows.collect(AgendaItem.self)
    }

    /// The days of the cell's comités held before `day`: the rules' "previous comité".
    static func earlierHeld(in cell: UUID, before day: Day, on connection: PostgresConnection, logger: Logger)
        async throws -> [Date]
    {
        let rows = try await connection.query(
            """
            SELECT held_on FROM comites
            WHERE cell_id = \(cell) AND held_on < \(day)
              AND status IN ('held', 'minutesValidated', 'minutesDiffused')
            """, logger: logger)
        var days: [Date] = []
        for try await day in rows.decode(Day.self) { days.append(day.date) }
        return days
    }

    /// Every followed situation's facts, keyed by the situation (never the household).
    static func facts(of comite: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [(UUID, SituationFacts)]
    {
        let rows = try await connection.query(
            """
            SELECT situation_id, accompanied_since, contract_ends_on, alerts_on, cal_decisions_on, end_proposed_on,
                   requests, reviewed_on
            FROM comite_situation_facts(\(comite))
            """, logger: logger)
        struct Request: Decodable, Sendable {
            let organisationId: UUID
            let reason: String
        }
        var facts: [(UUID, SituationFacts)] = []
        for try await cells in rows {
            let row = NamedRow(cells)
            let accompaniedSince: Day? = try row["accompanied_since"]
            let contractEndsOn: Day? = try row["contract_ends_on"]
            let alertsOn: [Day] = try row["alerts_on"]
            let calDecisionsOn: [Day] = try row["cal_decisions_on"]
            let endProposedOn: Day? = try row["end_proposed_on"]
            let requests: [Request] = try row[json: "requests"]
            let reviewedOn: [Day] = try row["reviewed_on"]
            facts.append(
                (
                    try row["situation_id"],
                    SituationFacts(
                        accompaniedSince: accompaniedSince?.date, contractEndsOn: contractEndsOn?.date,
                        alertsReportedOn: alertsOn.map(\.date), calDecisionsOn: calDecisionsOn.map(\.date),
                        endProposedOn: endProposedOn?.date,
                        partnerRequests: requests.map { .init(organisationID: $0.organisationId, reason: $0.reason) },
                        reviewedAt: reviewedOn.map(\.date))
                ))
        }
        return facts
    }

    /// Replaces the rule items with `placed`, in that order, after the facilitator's own.
    static func place(
        _ placed: [(situation: UUID, reasons: [AgendaItem.Reason])], in comite: UUID,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Int? {
        let encoder = JSONEncoder()
        let reasons = try placed.map { String(decoding: try encoder.encode($0.reasons), as: UTF8.self) }
        let rows = try await connection.query(
            "SELECT comite_place_rule_items(\(comite), \(placed.map(\.situation)), \(reasons)::jsonb[])",
            logger: logger)
        for try await count in rows.decode(Int?.self) { return count }
        return nil
    }

    /// The followed situation of a household, as the reader sees it.
    static func situation(of household: UUID, in cell: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> UUID?
    {
        try await CellStore.situations(
            of: cell, only: household, after: nil, limit: 1, on: connection, logger: logger
        ).first?.id
    }

    /// The facilitator's own item, first on the agenda; nil if the situation is already on it.
    static func add(
        situation: UUID, reason: String, to comite: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID? {
        let id = UUID()
        let reasons = try JSONEncoder().encode([AgendaItem.Reason(kind: "facilitator", detail: reason)])
        let rows = try await connection.query(
            """
            INSERT INTO agenda_items (id, comite_id, situation_id, position, reasons, added_by)
            SELECT \(id), \(comite), \(situation),
                   coalesce((SELECT min(position) FROM agenda_items WHERE comite_id = \(comite)), 1) - 1,
                   \(String(decoding: reasons, as: UTF8.self))::jsonb, 'facilitator'
            ON CONFLICT (comite_id, situation_id) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return id }
        return nil
    }

    static func remove(_ item: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM agenda_items WHERE id = \(item) RETURNING 1", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// Numbers the given items 1, 2, 3… in that order.
    static func order(_ items: [UUID], in comite: UUID, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.perform(
            """
            UPDATE agenda_items i SET position = o.n
            FROM unnest(\(items)::uuid[]) WITH ORDINALITY AS o (id, n)
            WHERE i.id = o.id AND i.comite_id = \(comite)
            """, logger: logger)
    }

    /// Freezes the sheets and publishes; nil if the comité cannot be published.
    static func publish(_ comite: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int? {
        let rows = try await connection.query("SELECT comite_publish(\(comite))", logger: logger)
        for try await count in rows.decode(Int?.self) { return count }
        return nil
    }

    /// The sheet's entries the reader may read (R1–R4 at read time).
    static func sheet(of item: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [SheetEntry] {
        let rows = try await connection.query(
            """
            SELECT section, code, value, level, author_organisation_id FROM summary_sheet_entries
            WHERE item_id = \(item) ORDER BY position
            """, logger: logger)
        var entries: [SheetEntry] = []
        for try await cells in rows {
            let row = NamedRow(cells)
            entries.append(
                SheetEntry(
                    section: try row["section"], code: try row["code"], value: try row[json: "value"],
                    level: try row["level"], authorOrganisationId: try row["author_organisation_id"]))
        }
        return entries
    }
}
