import Foundation
import Logging
import PostgresNIO
import Tenancy

/// Who came to the comité, per person and organisation.
struct Attendee: Encodable, Sendable {
    let userId: UUID
    let organisationId: UUID
    let name: String
    let present: Bool
}

/// What the comité decided on an item, with the discussion's summary at its level and the
/// objections that stopped an end of accompaniment.
struct ItemDecision: Encodable, Sendable {
    struct Discussion: Encodable, Sendable {
        let body: String
        let level: Level
    }

    struct Objection: Encodable, Sendable {
        let organisationId: UUID
        let organisationName: String
        let reason: String
    }

    let itemId: UUID
    let decision: String
    @Null var detail: String?
    let adopted: Bool
    @Null var outcomeId: UUID?
    @Null var discussion: Discussion?
    let objections: [Objection]
    let recordedAt: Date
}

/// A follow-up action decided on an item; its status is followed up after the minutes.
struct ComiteAction: Encodable, Sendable {
    let id: UUID
    let itemId: UUID
    let householdId: UUID
    let description: String
    let ownerOrganisationId: UUID
    @Null var ownerUserId: UUID?
    @Null var ownerName: String?
    let dueOn: String
    let status: String
    let level: Level
    let createdAt: Date
    @Null var closedAt: Date?
}

struct Erratum: Encodable, Sendable {
    let id: UUID
    let version: Int
    @Null var itemId: UUID?
    let body: String
    let level: Level
    let createdAt: Date
}

struct HoldRequest: ClosedJSONObject, Sendable {
    struct Presence: Decodable, Sendable {
        let userId: UUID
        let present: Bool
    }

    static let fields: Set<String> = ["attendance"]
    let attendance: [Presence]
}

struct ComiteDecisionRequest: ClosedJSONObject, Sendable {
    struct Objection: Decodable, Sendable {
        let organisationId: UUID
        let reason: String
    }

    static let fields: Set<String> = ["decision", "detail", "discussion", "discussionLevel", "objections", "end"]
    let decision: String
    let detail: String?
    let discussion: String?
    let discussionLevel: String?
    let objections: [Objection]?
    /// The outcome an adopted end of accompaniment records (as `POST …/end` would).
    let end: EndRequest?

    struct Checked {
        let kind: ComiteDecisionKind
        let detail: String?
        let discussion: (body: String, level: Level)?
        let objections: [(organisationId: UUID, reason: String)]
    }

    func validated(veille: Bool, bound: Bool) throws -> Checked {
        try checkCode(decision, in: ComiteDecisionKind.allCases.map(\.rawValue), field: "decision")
        let kind = ComiteDecisionKind(rawValue: decision)!
        let detail = try optionalText(detail, field: "detail")
        try check(
            kind != .other || detail != nil, field: "detail", "Une autre décision est décrite dans « detail ».")
        var discussion: (String, Level)?
        if let body = try optionalText(self.discussion, limit: 20000, field: "discussion") {
            let chosen = try level(discussionLevel, default: .partners, field: "discussionLevel")
            try checkWritable(chosen, veille: veille, bound: bound, field: "discussionLevel")
            discussion = (body, chosen)
        } else {
            try check(
                discussionLevel == nil, field: "discussionLevel",
                "Un niveau n'accompagne qu'un résumé de la discussion.")
        }
        var objections: [(UUID, String)] = []
        for (index, objection) in (self.objections ?? []).enumerated() {
            let field = "objections[\(index)]"
            try check(
                kind == .endAccompaniment, field: field,
                "Une objection ne s'exprime que contre une fin d'accompagnement.")
            guard let reason = try optionalText(objection.reason, field: "\(field).reason") else {
                throw Problem.unprocessable("Une objection est motivée.", field: "\(field).reason")
            }
            try check(
                !objections.contains { $0.0 == objection.organisationId }, field: "\(field).organisationId",
                "Une organisation objecte une seule fois.")
            objections.append((objection.organisationId, reason))
        }
        if kind == .endAccompaniment {
            guard let end else {
                throw Problem.unprocessable(
                    "Une fin d'accompagnement précise sa sortie : « end » avec « outcome » et « endedOn ».",
                    field: "end")
            }
            try end.validate()
        } else {
            try check(end == nil, field: "end", "Seule une fin d'accompagnement précise une sortie.")
        }
        return Checked(kind: kind, detail: detail, discussion: discussion, objections: objections)
    }
}

struct NewActionRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["description", "ownerOrganisationId", "ownerUserId", "dueOn", "level"]
    let description: String
    let ownerOrganisationId: UUID
    let ownerUserId: UUID?
    let dueOn: String
    let level: String?

    func validated(veille: Bool, bound: Bool) throws -> (description: String, level: Level) {
        guard let text = try optionalText(description, field: "description") else {
            throw Problem.unprocessable("L'action est décrite.", field: "description")
        }
        guard let due = Day.date(dueOn), due > Date(timeIntervalSinceNow: -366 * 86400),
            due < Date(timeIntervalSinceNow: 3 * 366 * 86400)
        else {
            throw Problem.unprocessable(
                "Échéance attendue au format AAAA-MM-JJ, entre un an passé et trois ans à venir.", field: "dueOn")
        }
        let chosen = try Hub.level(level, default: .partners, field: "level")
        try checkWritable(chosen, veille: veille, bound: bound, field: "level")
        return (text, chosen)
    }
}

/// What a comité's record may be classified: `private` only in a veille sociale (a cell's
/// comité gathers several organisations), and above `partners` only by a professional bound
/// by secrecy, who may read what they write.
func checkWritable(_ level: Level, veille: Bool, bound: Bool, field: String) throws {
    try check(
        veille || level != .private, field: field,
        "Le niveau « private » est réservé à la veille sociale d'une organisation.")
    try check(
        bound || level == .partners, field: field,
        "Seul un professionnel tenu au secret rédige un contenu de niveau « secret » ou « private ».")
}

struct ActionUpdateRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["status"]
    static let statuses = ComiteVocabulary.actionStatuses.codes
    let status: String
}

struct NewErratumRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["body", "itemId", "level"]
    let body: String
    let itemId: UUID?
    let level: String?
}

struct NewComiteRequestRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["kind", "reason"]
    static let kinds = ComiteVocabulary.requestKinds.codes
    let kind: String
    let reason: String

    func validated() throws -> String {
        try checkCode(kind, in: Self.kinds, field: "kind")
        guard let reason = try optionalText(reason, field: "reason") else {
            throw Problem.unprocessable("La demande d'examen en comité est motivée.", field: "reason")
        }
        return reason
    }
}

struct ComiteRequestRecord: Encodable, Sendable {
    let id: UUID
    let householdId: UUID
    let kind: String
    let reason: String
    let organisationId: UUID
    let requestedAt: Date
    @Null var comiteId: UUID?
}

/// A household's passage on a comité's agenda, for its right-of-access export (R12).
struct HouseholdComiteRecord: Encodable, Sendable {
    let comiteId: UUID
    let reference: String
    let kind: String
    let heldOn: String
    let status: String
    let reasons: [AgendaItem.Reason]
    @Null var decision: ItemDecision?
    let actions: [ComiteAction]
}

/// The meeting's SQL: attendance, decisions and their discussions and objections, actions,
/// errata, and the requests that put a situation on the agenda. Read under the reader's
/// settings, each row through its household's door and level.
enum ComiteMeetingStore {
    static func attendance(of comite: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [Attendee]
    {
        let rows = try await connection.query(
            """
            SELECT user_id, organisation_id, display_name, present FROM comite_attendance
            WHERE comite_id = \(comite) ORDER BY display_name, user_id
            """, logger: logger)
        var attendees: [Attendee] = []
        for try await row in rows.decode((UUID, UUID, String, Bool).self) {
            attendees.append(Attendee(userId: row.0, organisationId: row.1, name: row.2, present: row.3))
        }
        return attendees
    }

    /// Everyone invited to the cell, present or not as the facilitator says.
    static func recordAttendance(
        _ presence: [UUID: Bool], comite: UUID, cell: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            INSERT INTO comite_attendance (comite_id, user_id, organisation_id, display_name, present)
            SELECT \(comite), p.user_id, p.organisation_id, p.display_name, coalesce(a.present, false)
            FROM cell_people p
            LEFT JOIN unnest(\(Array(presence.keys))::uuid[], \(Array(presence.values))::boolean[]) AS a (user_id, present)
                ON a.user_id = p.user_id
            WHERE p.cell_id = \(cell)
            """, logger: logger)
    }

    /// A comité's decisions by item (or one item's); or, with no comité, a household's in
    /// every comité.
    static func decisions(
        of comite: UUID?, only item: UUID? = nil, about household: UUID? = nil, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [UUID: ItemDecision] {
        let rows = try await connection.query(
            """
            SELECT d.item_id, d.decision, d.detail, d.adopted, d.outcome_id, s.body, s.level, d.recorded_at,
                   ARRAY(SELECT o.organisation_id::text || '|' || o.organisation_name || '|' || o.reason
                         FROM comite_objections o WHERE o.item_id = d.item_id ORDER BY o.organisation_name)
            FROM comite_decisions d LEFT JOIN comite_discussions s ON s.item_id = d.item_id
            WHERE (\(comite)::uuid IS NULL OR d.comite_id = \(comite)) AND (\(item)::uuid IS NULL OR d.item_id = \(item))
              AND (\(household)::uuid IS NULL OR d.household_id = \(household))
            """, logger: logger)
        var decisions: [UUID: ItemDecision] = [:]
        for try await row in rows.decode(
            (UUID, String, String?, Bool, UUID?, String?, String?, Date, [String]).self)
        {
            let objections = row.8.compactMap { text -> ItemDecision.Objection? in
                let parts = text.split(separator: "|", maxSplits: 2).map(String.init)
                guard parts.count == 3, let org = UUID(uuidString: parts[0]) else { return nil }
                return .init(organisationId: org, organisationName: parts[1], reason: parts[2])
            }
            var discussion: ItemDecision.Discussion?
            if let body = row.5, let level = row.6.flatMap(Level.init(rawValue:)) {
                discussion = .init(body: body, level: level)
            }
            decisions[row.0] = ItemDecision(
                itemId: row.0, decision: row.1, detail: row.2, adopted: row.3, outcomeId: row.4,
                discussion: discussion, objections: objections, recordedAt: row.7)
        }
        return decisions
    }

    /// Whether any decision exists on the item, whoever may read it: one decision per item.
    static func isDecided(_ item: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM comite_decisions WHERE item_id = \(item)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    static func recordDecision(
        _ checked: ComiteDecisionRequest.Checked, adopted: Bool, outcome: UUID?, item: AgendaItem, comite: UUID,
        by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            INSERT INTO comite_decisions (item_id, comite_id, household_id, decision, detail, adopted, outcome_id,
                                          author_organisation_id, recorded_by)
            VALUES (\(item.id), \(comite), \(item.householdId), \(checked.kind.rawValue), \(checked.detail), \(adopted),
                    \(outcome), \(actor.organisationID), \(actor.userID))
            """, logger: logger)
        if let discussion = checked.discussion {
            try await connection.perform(
                """
                INSERT INTO comite_discussions (item_id, comite_id, household_id, body, level, author_organisation_id)
                VALUES (\(item.id), \(comite), \(item.householdId), \(discussion.body), \(discussion.level.rawValue),
                        \(actor.organisationID))
                """, logger: logger)
        }
        for objection in checked.objections {
            try await connection.perform(
                """
                INSERT INTO comite_objections (item_id, comite_id, household_id, organisation_id, organisation_name,
                                               reason, author_organisation_id)
                SELECT \(item.id), \(comite), \(item.householdId), o.id, o.name, \(objection.reason), \(actor.organisationID)
                FROM organisations o WHERE o.id = \(objection.organisationId)
                """, logger: logger)
        }
    }

    /// The days end-review meetings (bilan de fin) were held with the household, as the
    /// reader sees them.
    static func endReviews(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [Date]
    {
        let rows = try await connection.query(
            """
            SELECT (starts_at AT TIME ZONE 'UTC')::date::text FROM meetings
            WHERE household_id = \(household) AND kind = 'endReview' AND status = 'held'
            """, logger: logger)
        var days: [Date] = []
        for try await text in rows.decode(String.self) { days.append(Day.date(text)!) }
        return days
    }

    static let actionColumns = """
        id, item_id, household_id, description, owner_organisation_id, owner_user_id, owner_name, due_on::text, status,
        level, created_at, closed_at
        """

    /// A comité's actions (or one of them); or, with no comité, a household's in every comité.
    static func actions(
        of comite: UUID?, only id: UUID? = nil, about household: UUID? = nil, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [ComiteAction] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: actionColumns) FROM comite_actions a
            WHERE (\(comite)::uuid IS NULL OR comite_id = \(comite)) AND (\(id)::uuid IS NULL OR id = \(id))
              AND (\(household)::uuid IS NULL OR household_id = \(household))
            ORDER BY a.due_on, a.created_at, a.id
            """, logger: logger)
        var actions: [ComiteAction] = []
        for try await row in rows.decode(
            (UUID, UUID, UUID, String, UUID, UUID?, String?, String, String, String, Date, Date?).self)
        {
            actions.append(
                ComiteAction(
                    id: row.0, itemId: row.1, householdId: row.2, description: row.3, ownerOrganisationId: row.4,
                    ownerUserId: row.5, ownerName: row.6, dueOn: row.7, status: row.8, level: Level(rawValue: row.9)!,
                    createdAt: row.10, closedAt: row.11))
        }
        return actions
    }

    static func addAction(
        _ request: NewActionRequest, description: String, level: Level, ownerName: String?, item: AgendaItem,
        comite: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO comite_actions (id, comite_id, item_id, household_id, description, owner_organisation_id,
                                        owner_user_id, owner_name, due_on, level, author_organisation_id)
            VALUES (\(id), \(comite), \(item.id), \(item.householdId), \(description), \(request.ownerOrganisationId),
                    \(request.ownerUserId), \(ownerName), \(request.dueOn)::date, \(level.rawValue),
                    \(actor.organisationID))
            """, logger: logger)
        return id
    }

    /// False when the reader may not follow this action up (RLS: its owner organisation or
    /// the facilitator).
    static func setStatus(_ status: String, of action: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> Bool
    {
        let rows = try await connection.query(
            """
            UPDATE comite_actions
            SET status = \(status), closed_at = CASE WHEN \(status) = 'open' THEN NULL ELSE now() END
            WHERE id = \(action) RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    static func errata(of comite: UUID, upTo version: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [Erratum]
    {
        let rows = try await connection.query(
            """
            SELECT id, version, item_id, body, level, created_at FROM comite_errata
            WHERE comite_id = \(comite) AND version <= \(version) ORDER BY version
            """, logger: logger)
        var errata: [Erratum] = []
        for try await row in rows.decode((UUID, Int, UUID?, String, String, Date).self) {
            errata.append(
                Erratum(
                    id: row.0, version: row.1, itemId: row.2, body: row.3, level: Level(rawValue: row.4)!,
                    createdAt: row.5))
        }
        return errata
    }

    /// A new version of the minutes: the erratum and the comité's version move together.
    static func addErratum(
        body: String, level: Level, item: AgendaItem?, comite: Comite, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        let version = comite.minutesVersion + 1
        try await connection.perform(
            """
            INSERT INTO comite_errata (id, comite_id, version, item_id, household_id, body, level,
                                       author_organisation_id)
            VALUES (\(id), \(comite.id), \(version), \(item?.id), \(item?.householdId), \(body), \(level.rawValue),
                    \(actor.organisationID))
            """, logger: logger)
        try await connection.perform(
            "UPDATE comites SET minutes_version = \(version) WHERE id = \(comite.id)", logger: logger)
        return id
    }

    /// Every comité the household was on, as the reader may see it, with the decisions and
    /// actions about it, and the requests made for it.
    static func history(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> (comites: [HouseholdComiteRecord], requests: [ComiteRequestRecord])
    {
        let rows = try await connection.query(
            """
            SELECT i.id, c.id, c.reference, c.kind, c.held_on::text, c.status, i.reasons::text
            FROM agenda_items i JOIN comites c ON c.id = i.comite_id
            WHERE i.household_id = \(household) ORDER BY c.held_on, c.created_at, c.id
            """, logger: logger)
        var items: [(UUID, UUID, String, String, String, String, String)] = []
        for try await row in rows.decode((UUID, UUID, String, String, String, String, String).self) {
            items.append(row)
        }
        // The household's decisions and actions in every comité, one query each, rather than a
        // comité's whole set for each item.
        let decisions = try await decisions(of: nil, about: household, on: connection, logger: logger)
        let actions = Dictionary(
            grouping: try await actions(of: nil, about: household, on: connection, logger: logger), by: \.itemId)
        var comites: [HouseholdComiteRecord] = []
        for (item, comite, reference, kind, heldOn, status, reasons) in items {
            comites.append(
                HouseholdComiteRecord(
                    comiteId: comite, reference: reference, kind: kind, heldOn: heldOn, status: status,
                    reasons: try JSONDecoder().decode([AgendaItem.Reason].self, from: Data(reasons.utf8)),
                    decision: decisions[item], actions: actions[item] ?? []))
        }
        let requestRows = try await connection.query(
            """
            SELECT id, household_id, kind, reason, organisation_id, requested_at, comite_id FROM comite_requests
            WHERE household_id = \(household) ORDER BY requested_at, id
            """, logger: logger)
        var requests: [ComiteRequestRecord] = []
        for try await row in requestRows.decode((UUID, UUID, String, String, UUID, Date, UUID?).self) {
            requests.append(
                ComiteRequestRecord(
                    id: row.0, householdId: row.1, kind: row.2, reason: row.3, organisationId: row.4,
                    requestedAt: row.5, comiteId: row.6))
        }
        return (comites, requests)
    }

    static func request(
        _ body: NewComiteRequestRequest, reason: String, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> ComiteRequestRecord {
        let id = UUID()
        let rows = try await connection.query(
            """
            INSERT INTO comite_requests (id, household_id, kind, reason, organisation_id, user_id)
            VALUES (\(id), \(household), \(body.kind), \(reason), \(actor.organisationID), \(actor.userID))
            RETURNING requested_at
            """, logger: logger)
        var requestedAt = Date()
        for try await at in rows.decode(Date.self) { requestedAt = at }
        return ComiteRequestRecord(
            id: id, householdId: household, kind: body.kind, reason: reason, organisationId: actor.organisationID,
            requestedAt: requestedAt, comiteId: nil)
    }
}
