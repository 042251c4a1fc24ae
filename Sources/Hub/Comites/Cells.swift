import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A cellule de coordination of a programme, or an organisation's veille sociale: its member
/// organisations and people, its facilitator and the day of its monthly comité.
struct CoordinationCell: Encodable, Sendable {
    struct Facilitator: Encodable, Sendable {
        let userId: UUID
        let name: String
    }

    struct Person: Codable, Sendable {
        let userId: UUID
        let organisationId: UUID
        let name: String
    }

    let id: UUID
    let kind: String
    @Null var programmeId: UUID?
    let organisationId: UUID
    let name: String
    @Null var territory: String?
    let facilitator: Facilitator
    let comiteDay: Int
    let organisationIds: [UUID]
    let people: [Person]
    let createdAt: Date
}

extension CoordinationCell: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], kind: try row["kind"], programmeId: try row["programme_id"],
            organisationId: try row["organisation_id"], name: try row["name"], territory: try row["territory"],
            facilitator: Facilitator(userId: try row["facilitator_user_id"], name: try row["facilitator_name"]),
            comiteDay: try row["comite_day"], organisationIds: try row["organisation_ids"],
            people: try row[json: "people"], createdAt: try row["created_at"])
    }
}

/// A situation the cell follows, as a reader through its household's door sees it.
struct CellSituation: Encodable, Sendable {
    let id: UUID
    let householdId: UUID
    let reference: String
    let status: String
    let addedAt: Date
}

struct NewCellRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = [
        "kind", "programmeId", "name", "territory", "facilitatorUserId", "comiteDay", "organisationIds",
    ]
    static let kinds = ComiteVocabulary.cellKinds.codes
    let kind: String?
    let programmeId: UUID?
    let name: String
    let territory: String?
    let facilitatorUserId: UUID
    let comiteDay: Int
    let organisationIds: [UUID]?

    var isVeille: Bool { kind == "veilleSociale" }

    func validated() throws -> (name: String, territory: String?) {
        try checkCode(kind ?? "coordination", in: Self.kinds, field: "kind")
        guard let name = try optionalText(name, limit: 200, field: "name") else {
            throw Problem.unprocessable("La cellule a un nom.", field: "name")
        }
        try check(
            (1...28).contains(comiteDay), field: "comiteDay",
            "Le comité mensuel se tient un jour du mois de 1 à 28.")
        if isVeille {
            try check(
                programmeId == nil, field: "programmeId",
                "La veille sociale est interne à votre organisation : elle n'a pas de programme.")
            try check(
                (organisationIds ?? []).isEmpty, field: "organisationIds",
                "La veille sociale réunit les membres de votre seule organisation.")
        } else {
            try check(programmeId != nil, field: "programmeId", "Une cellule de coordination suit un programme.")
        }
        return (name, try optionalText(territory, limit: 200, field: "territory"))
    }
}

struct NewCellPersonRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["userId"]
    let userId: UUID
}

struct NewSituationRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["householdId"]
    let householdId: UUID
}

/// The cells' SQL, under the reader's settings: a cell is seen by its members only.
enum CellStore {
    static func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> CoordinationCell?
    {
        try await list(only: id, after: nil, limit: 1, on: connection, logger: logger).first
    }

    /// The cells the acting organisation is a member of, newest first.
    static func list(
        only id: UUID? = nil, after: (Int64, UUID)?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [CoordinationCell] {
        let rows = try await connection.query(
            """
            SELECT c.id, c.kind, c.programme_id, c.organisation_id, c.name, c.territory, c.facilitator_user_id,
                   c.facilitator_name, c.comite_day,
                   ARRAY(SELECT organisation_id FROM cell_organisations WHERE cell_id = c.id ORDER BY organisation_id)
                       AS organisation_ids,
                   coalesce((SELECT jsonb_agg(jsonb_build_object('userId', user_id, 'organisationId', organisation_id,
                                                                 'name', display_name) ORDER BY display_name, user_id)
                             FROM cell_people WHERE cell_id = c.id), '[]') AS people,
                   c.created_at
            FROM coordination_cells c
            WHERE app_cell_member(c.id) AND (\(id)::uuid IS NULL OR c.id = \(id))
              AND (\(after?.0)::bigint IS NULL
                   OR (c.created_at, c.id) < (to_timestamp(0) + \(after?.0)::bigint * interval '1 microsecond',
                                              \(after?.1)::uuid))
            ORDER BY c.created_at DESC, c.id DESC LIMIT \(limit)
            """, logger: logger)
        return try await rows.collect(CoordinationCell.self)
    }

    /// A colleague's active membership, as the acting organisation sees its members.
    static func colleague(_ user: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> (name: String, roles: Set<Role>)?
    {
        let rows = try await connection.query(
            """
            SELECT u.display_name, m.roles FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.user_id = \(user) AND m.organisation_id = app_org_id() AND m.disabled_at IS NULL
            """, logger: logger)
        for try await (name, roles) in rows.decode((String, [String]).self) {
            return (name, Set(roles.compactMap(Role.init(rawValue:))))
        }
        return nil
    }

    static func create(
        _ request: NewCellRequest, name: String, territory: String?, facilitatorName: String,
        organisations: Set<UUID>, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO coordination_cells (id, kind, programme_id, organisation_id, name, territory,
                                            facilitator_user_id, facilitator_name, comite_day)
            VALUES (\(id), \(request.kind ?? "coordination"), \(request.programmeId), \(actor.organisationID), \(name),
                    \(territory), \(request.facilitatorUserId), \(facilitatorName), \(request.comiteDay))
            """, logger: logger)
        try await connection.perform(
            """
            INSERT INTO cell_organisations (cell_id, organisation_id)
            SELECT \(id), unnest(\(Array(organisations.union([actor.organisationID]))))
            """, logger: logger)
        try await addPerson(
            request.facilitatorUserId, name: facilitatorName, to: id, by: actor, on: connection, logger: logger)
        return id
    }

    /// Adds one of the acting organisation's people; false if already invited.
    @discardableResult
    static func addPerson(
        _ user: UUID, name: String, to cell: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO cell_people (cell_id, user_id, organisation_id, display_name)
            VALUES (\(cell), \(user), \(actor.organisationID), \(name))
            ON CONFLICT (cell_id, user_id) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// The situations the reader may see (through each household's door), oldest first.
    static func situations(
        of cell: UUID, only household: UUID? = nil, after: (Int64, UUID)?, limit: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [CellSituation] {
        let rows = try await connection.query(
            """
            SELECT s.id, s.household_id, x.reference, x.status, s.added_at
            FROM cell_situations s JOIN households x ON x.id = s.household_id
            WHERE s.cell_id = \(cell) AND s.removed_at IS NULL
              AND (\(household)::uuid IS NULL OR s.household_id = \(household))
              AND (\(after?.0)::bigint IS NULL
                   OR (s.added_at, s.id) > (to_timestamp(0) + \(after?.0)::bigint * interval '1 microsecond',
                                            \(after?.1)::uuid))
            ORDER BY s.added_at, s.id LIMIT \(limit)
            """, logger: logger)
        var situations: [CellSituation] = []
        for try await (id, household, reference, status, addedAt) in rows.decode(
            (UUID, UUID, String, String, Date).self)
        {
            situations.append(
                CellSituation(id: id, householdId: household, reference: reference, status: status, addedAt: addedAt))
        }
        return situations
    }

    /// Follows a household (again, if it was removed); false if already followed.
    static func follow(
        _ household: UUID, in cell: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO cell_situations (id, cell_id, household_id, added_by_organisation_id)
            VALUES (\(UUID()), \(cell), \(household), \(actor.organisationID))
            ON CONFLICT (cell_id, household_id) DO UPDATE
                SET removed_at = NULL, added_at = now(), added_by_organisation_id = EXCLUDED.added_by_organisation_id
                WHERE cell_situations.removed_at IS NOT NULL
            RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    static func unfollow(_ household: UUID, in cell: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> Bool
    {
        let rows = try await connection.query(
            """
            UPDATE cell_situations SET removed_at = now()
            WHERE cell_id = \(cell) AND household_id = \(household) AND removed_at IS NULL RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }
}
