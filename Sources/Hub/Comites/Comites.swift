import Foundation
import Logging
import Notify
import PostgresNIO
import Tenancy

/// A comité de suivi of a cell (or a session of a veille sociale) and its stage.
struct Comite: Encodable, Sendable {
    let id: UUID
    let cellId: UUID
    let reference: String
    let kind: String
    let heldOn: Day
    let status: String
    @Null var reason: String?
    @Null var emergency: String?
    @Null var requestedByOrganisationId: UUID?
    @Null var publishedAt: Date?
    @Null var heldAt: Date?
    @Null var validatedAt: Date?
    @Null var diffusedAt: Date?
    let minutesVersion: Int
    let createdAt: Date
    @Null var cancelledAt: Date?
    @Null var cancellationReason: String?
    /// The agenda as the reader may see it; only on the comité's own route.
    var agenda: [AgendaItem]?
    /// Each move of its day, oldest first; only on the comité's own route.
    var reschedules: [ComiteReschedule]?

    var stage: ComiteStatus { ComiteStatus(rawValue: status)! }
}

extension Comite: RowDecodable {
    /// From `ComiteStore.columns`.
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], cellId: try row["cell_id"], reference: try row["reference"], kind: try row["kind"],
            heldOn: try row["held_on"], status: try row["status"], reason: try row["reason"],
            emergency: try row["emergency"], requestedByOrganisationId: try row["requested_by_organisation_id"],
            publishedAt: try row["published_at"], heldAt: try row["held_at"], validatedAt: try row["validated_at"],
            diffusedAt: try row["diffused_at"], minutesVersion: try row["minutes_version"],
            createdAt: try row["created_at"], cancelledAt: try row["cancelled_at"],
            cancellationReason: try row["cancellation_reason"])
    }
}

/// A comité moved to another day before it was held, and why.
struct ComiteReschedule: Encodable, Sendable, RowDecodable {
    let fromOn: Day
    let toOn: Day
    let reason: String
    let recordedAt: Date

    init(row: NamedRow) throws {
        fromOn = try row["from_on"]
        toOn = try row["to_on"]
        reason = try row["reason"]
        recordedAt = try row["recorded_at"]
    }
}

/// The day a comité is held on, as a member asks for it or its facilitator records it.
enum ComiteDay {
    /// A member asks for a session today or ahead, within the year; the cell's facilitator may
    /// also record one held up to a year ago (DOMAIN.md "Time": minutes are typed after the
    /// fact), not before the cell's programme began.
    static func checked(_ heldOn: String, byFacilitator: Bool, programme: ProgrammePeriod?) throws -> Day {
        let today = Day.today()
        guard let day = Day(iso: heldOn), day.date <= Date(timeIntervalSinceNow: 366 * 86400) else {
            throw Problem.unprocessable(
                "Date attendue au format AAAA-MM-JJ, dans l'année à venir.", field: "heldOn")
        }
        if day < today {
            guard byFacilitator else {
                throw Problem.unprocessable(
                    "Une séance se demande pour aujourd'hui ou plus tard ; seul l'animateur de la cellule enregistre une séance déjà tenue.",
                    field: "heldOn")
            }
            try check(
                day >= today.adding(days: -366), field: "heldOn",
                "Une séance déjà tenue s'enregistre dans l'année qui suit.")
            if let programme { try day.check(within: programme, field: "heldOn") }
        }
        return day
    }
}

/// The facilitator moves a comité not yet held to another day.
struct RescheduleComiteRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["heldOn", "reason"]
    let heldOn: String
    let reason: String

    func validated(programme: ProgrammePeriod?) throws -> (day: Day, reason: String) {
        let day = try ComiteDay.checked(heldOn, byFacilitator: true, programme: programme)
        guard let reason = try optionalText(reason, field: "reason") else {
            throw Problem.unprocessable("Le report du comité est motivé.", field: "reason")
        }
        return (day, reason)
    }
}

/// The facilitator cancels a comité not yet held.
struct CancelComiteRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["reason"]
    let reason: String

    func validated() throws -> String {
        guard let reason = try optionalText(reason, field: "reason") else {
            throw Problem.unprocessable("L'annulation du comité est motivée.", field: "reason")
        }
        return reason
    }
}

/// An item of the agenda: a situation, through its household's door, and why it is there.
struct AgendaItem: Encodable, Sendable {
    struct Reason: Codable, Sendable {
        let kind: String
        let detail: String
        /// The organisation that asked, for a partner's request.
        var organisationId: UUID? = nil
    }

    let id: UUID
    let householdId: UUID
    let reference: String
    /// The applicant's name, for a reader who may read the household's identity (read under
    /// their own policies: nil otherwise).
    @Null var householdName: String?
    let position: Int
    let reasons: [Reason]
    let addedBy: String
}

extension AgendaItem: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], householdId: try row["household_id"], reference: try row["reference"],
            householdName: try row["household_name"], position: try row["position"], reasons: try row[json: "reasons"],
            addedBy: try row["added_by"])
    }
}

struct NewComiteRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["heldOn", "reason", "emergency"]
    let heldOn: String
    let reason: String
    let emergency: String?

    /// The day as `ComiteDay` reads it; the reason, and the veille's emergency.
    func validated(veille: Bool, byFacilitator: Bool, programme: ProgrammePeriod?) throws -> String {
        _ = try ComiteDay.checked(heldOn, byFacilitator: byFacilitator, programme: programme)
        guard let reason = try optionalText(reason, field: "reason") else {
            throw Problem.unprocessable("Une séance extraordinaire est demandée avec un motif.", field: "reason")
        }
        if veille {
            guard let emergency else {
                throw Problem.unprocessable(
                    "Une séance d'urgence de la veille sociale précise l'urgence : death, violence, socialEmergency.",
                    field: "emergency")
            }
            try checkCode(emergency, in: VeilleEmergency.allCases.map(\.rawValue), field: "emergency")
        } else {
            try check(
                emergency == nil, field: "emergency", "Seule la veille sociale tient des séances d'urgence.")
        }
        return reason
    }
}

/// The comités' SQL, under the reader's settings: members of the cell see its comités.
enum ComiteStore {
    static let columns = """
        c.id, c.cell_id, c.reference, c.kind, c.held_on, c.status, c.reason, c.emergency,
        c.requested_by_organisation_id, c.published_at, c.held_at, c.validated_at, c.diffused_at, c.minutes_version,
        c.created_at, c.cancelled_at, c.cancellation_reason
        """

    /// The comité, locked for the request when `forUpdate`.
    static func find(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection, logger: Logger)
        async throws -> Comite?
    {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM comites c WHERE c.id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")",
            logger: logger)
        return try await rows.first(Comite.self)
    }

    /// A cell's comités, most recent day first.
    static func list(
        of cell: UUID, after: (Day, UUID)?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Comite] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM comites c
            WHERE c.cell_id = \(cell)
              AND (\(after?.0)::date IS NULL OR (c.held_on, c.id) < (\(after?.0), \(after?.1)::uuid))
            ORDER BY c.held_on DESC, c.id DESC LIMIT \(limit)
            """, logger: logger)
        return try await rows.collect(Comite.self)
    }

    /// Schedules the cell's monthly comités on `days` (each once, and never again on a day a
    /// monthly comité was moved from) and invites the cell's people to each new one.
    static func scheduleMonthly(
        _ days: [Date], cell: CoordinationCell, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await lockCalendar(of: cell.id, on: connection, logger: logger)
        for day in days {
            let id = UUID()
            let rows = try await connection.query(
                """
                INSERT INTO comites (id, cell_id, reference, kind, held_on)
                SELECT \(id), \(cell.id), \(newReference()), 'monthly', \(Day(day))
                WHERE NOT EXISTS (
                    SELECT 1 FROM comite_reschedules r JOIN comites c ON c.id = r.comite_id
                    WHERE r.from_on = \(Day(day)) AND c.cell_id = \(cell.id) AND c.kind = 'monthly')
                ON CONFLICT (cell_id, held_on) WHERE kind = 'monthly' DO NOTHING RETURNING reference
                """, logger: logger)
            for try await reference in rows.decode(String.self) {
                try await invite(
                    .comiteScheduled, comite: id, reference: reference, cell: cell, by: actor,
                    on: connection, logger: logger)
            }
        }
    }

    /// An extraordinary session (or a veille's emergency), requested by a member organisation.
    static func request(
        _ body: NewComiteRequest, reason: String, cell: CoordinationCell, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        let reference = newReference()
        try await connection.perform(
            """
            INSERT INTO comites (id, cell_id, reference, kind, held_on, reason, emergency, requested_by_organisation_id)
            VALUES (\(id), \(cell.id), \(reference), \(cell.isVeille ? "emergency" : "extraordinary"), \(body.heldOn)::date,
                    \(reason), \(body.emergency), \(actor.organisationID))
            """, logger: logger)
        try await invite(
            .comiteScheduled, comite: id, reference: reference, cell: cell, by: actor, on: connection,
            logger: logger)
        return id
    }

    /// Tells the cell's people, as the request loaded them (R13: the comité's opaque reference
    /// and a link, nothing else).
    static func invite(
        _ topic: Topic, comite: UUID, reference: String, cell: CoordinationCell, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let people = cell.people.map(\.userId)
        try await Outbox.record(
            .comite(topic, comite, reference: reference, by: actor, to: people), on: connection, logger: logger)
    }

    /// Moves the comité one stage forward, stamping when.
    static func advance(_ comite: Comite, on connection: PostgresConnection, logger: Logger) async throws {
        guard let next = comite.stage.next else { return }
        let stamp =
            switch next {
            case .planned, .cancelled: ""
            case .agendaPublished: ", published_at = now()"
            case .held: ", held_at = now()"
            case .minutesValidated: ", validated_at = now(), minutes_version = 1"
            case .minutesDiffused: ", diffused_at = now()"
            }
        try await connection.perform(
            "UPDATE comites SET status = \(next.rawValue) \(unescaped: stamp) WHERE id = \(comite.id)",
            logger: logger)
    }

    /// One writer at a time on a cell's days, until the transaction ends: two comités moved
    /// onto the same day at once (or a move and the recurrence) would otherwise both pass the
    /// check and meet the unique index, a 500 instead of the 409.
    static func lockCalendar(of cell: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform(
            "SELECT pg_advisory_xact_lock(hashtextextended(\("comite-days:" + cell.uuidString), 0))",
            logger: logger)
    }

    /// Each move of the comité's day, oldest first.
    static func reschedules(of id: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [ComiteReschedule]
    {
        try await connection.query(
            """
            SELECT from_on, to_on, reason, recorded_at FROM comite_reschedules
            WHERE comite_id = \(id) ORDER BY recorded_at, id
            """, logger: logger
        ).collect(ComiteReschedule.self)
    }

    /// Moves a comité not yet held to `day`, its reason kept beside it (the database refuses
    /// a change of day without it). False if a monthly comité of the cell is on that day.
    static func reschedule(
        _ comite: Comite, to day: Day, reason: String, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        try await lockCalendar(of: comite.cellId, on: connection, logger: logger)
        if comite.kind == "monthly" {
            let taken = try await connection.query(
                """
                SELECT 1 FROM comites WHERE cell_id = \(comite.cellId) AND held_on = \(day) AND kind = 'monthly'
                """, logger: logger)
            for try await _ in taken { return false }
        }
        try await connection.perform(
            """
            INSERT INTO comite_reschedules (id, comite_id, from_on, to_on, reason, recorded_by)
            VALUES (\(UUID()), \(comite.id), \(comite.heldOn), \(day), \(reason), \(actor.userID))
            """, logger: logger)
        try await connection.perform(
            "UPDATE comites SET held_on = \(day) WHERE id = \(comite.id)", logger: logger)
        return true
    }

    /// Cancels a comité not yet held; the review requests its agenda took wait for the next
    /// one (sql/0016).
    static func cancel(_ comite: Comite, reason: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.perform(
            """
            UPDATE comites SET status = 'cancelled', cancelled_at = now(), cancellation_reason = \(reason)
            WHERE id = \(comite.id)
            """, logger: logger)
    }

    static func newReference() -> String {
        "CS-" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10))
    }
}
