import Foundation
import Logging
import PostgresNIO
import Tenancy

/// The meeting's SQL: attendance, decisions and their discussions and objections, actions,
/// and a household's comités. Read under the reader's settings, each row through its
/// household's door and level.
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
        for try await (user, organisation, name, present) in rows.decode((UUID, UUID, String, Bool).self) {
            attendees.append(Attendee(userId: user, organisationId: organisation, name: name, present: present))
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
            SELECT d.item_id, d.decision, d.detail, d.adopted, d.outcome_id, oc.kind AS outcome_kind,
                   oc.ended_on AS outcome_ended_on, s.body AS discussion_body,
                   s.level AS discussion_level, d.recorded_at,
                   coalesce((SELECT jsonb_agg(jsonb_build_object('organisationId', o.organisation_id,
                                                                 'organisationName', o.organisation_name,
                                                                 'reason', o.reason) ORDER BY o.organisation_name)
                             FROM comite_objections o WHERE o.item_id = d.item_id), '[]') AS objections
            FROM comite_decisions d LEFT JOIN comite_discussions s ON s.item_id = d.item_id
            LEFT JOIN outcomes oc ON oc.id = d.outcome_id
            WHERE (\(comite)::uuid IS NULL OR d.comite_id = \(comite)) AND (\(item)::uuid IS NULL OR d.item_id = \(item))
              AND (\(household)::uuid IS NULL OR d.household_id = \(household))
            """, logger: logger)
        var decisions: [UUID: ItemDecision] = [:]
        for decision in try await rows.collect(ItemDecision.self) { decisions[decision.itemId] = decision }
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
            SELECT (starts_at AT TIME ZONE 'UTC')::date FROM meetings
            WHERE household_id = \(household) AND kind = 'endReview' AND status = 'held'
            """, logger: logger)
        var days: [Date] = []
        for try await day in rows.decode(Day.self) { days.append(day.date) }
        return days
    }

    static let actionColumns = """
        id, item_id, household_id, description, owner_organisation_id,
        (SELECT name FROM organisations WHERE id = owner_organisation_id) AS owner_organisation_name,
        owner_user_id, owner_name, due_on, status, level, created_at, closed_at
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
        return try await rows.collect(ComiteAction.self)
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

    /// Every comité the household was on, as the reader may see it, with the decisions and
    /// actions about it, and the requests made for it.
    static func history(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> (comites: [HouseholdComiteRecord], requests: [ComiteRequestRecord])
    {
        let rows = try await connection.query(
            """
            SELECT i.id AS item_id, c.id AS comite_id, c.reference, c.kind, c.held_on, c.status, i.reasons
            FROM agenda_items i JOIN comites c ON c.id = i.comite_id
            WHERE i.household_id = \(household) ORDER BY c.held_on, c.created_at, c.id
            """, logger: logger)
        var items: [(item: UUID, comite: HouseholdComiteRecord)] = []
        for try await cells in rows {
            let row = NamedRow(cells)
            let comite = HouseholdComiteRecord(
                comiteId: try row["comite_id"], reference: try row["reference"], kind: try row["kind"],
                heldOn: try row["held_on"], status: try row["status"], reasons: try row[json: "reasons"],
                decision: nil, actions: [])
            items.append((try row["item_id"], comite))
        }
        // The household's decisions and actions in every comité, one query each, rather than a
        // comité's whole set for each item.
        let decisions = try await decisions(of: nil, about: household, on: connection, logger: logger)
        let actions = Dictionary(
            grouping: try await actions(of: nil, about: household, on: connection, logger: logger), by: \.itemId)
        let comites = items.map { item, comite in
            var comite = comite
            comite.decision = decisions[item]
            comite.actions = actions[item] ?? []
            return comite
        }
        let requests = try await connection.query(
            """
            SELECT id, household_id, kind, reason, organisation_id, requested_at, comite_id FROM comite_requests
            WHERE household_id = \(household) ORDER BY requested_at, id
            """, logger: logger
        ).collect(ComiteRequestRecord.self)
        return (comites, requests)
    }
}
