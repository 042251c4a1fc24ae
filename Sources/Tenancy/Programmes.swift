import Foundation
import Logging
import PostgresNIO

public struct Organisation: Codable, Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let kind: OrganisationKind

    public init(id: UUID, name: String, kind: OrganisationKind) {
        self.id = id
        self.name = name
        self.kind = kind
    }

    /// From a row: the database's CHECK constraint allows only known kinds, so an unknown
    /// one is a schema this binary does not match, not a value to guess.
    public init(id: UUID, name: String, kindText: String) throws {
        guard let kind = OrganisationKind(rawValue: kindText) else { throw UnknownValue(kindText) }
        self.init(id: id, name: name, kind: kind)
    }
}

extension Organisation {
    /// An organisation joined into a row as `<prefix>_id`, `<prefix>_name`, `<prefix>_kind`.
    public init(row: NamedRow, prefix: String) throws {
        try self.init(
            id: try row["\(prefix)_id"], name: try row["\(prefix)_name"], kindText: try row["\(prefix)_kind"])
    }
}

public struct UnknownValue: Error, CustomStringConvertible {
    public let description: String
    public init(_ value: String) { description = "valeur inconnue en base : \(value)" }
}

public struct Programme: Codable, Sendable, Equatable {
    public struct Partner: Codable, Sendable, Equatable {
        public let organisation: Organisation
        public let parts: [ProgrammePart]
    }

    public let id: UUID
    public let name: String
    /// A programme's period is made of days, not instants.
    public let startsOn: Day
    public let endsOn: Day
    /// Exact decimal as text ("65000.00"): money is never a floating-point number.
    public let yearlyBudgetEuros: String
    public let targetHouseholds: Int
    /// The regroupement whose indicators it is read with (sql/0027); absent when none.
    public let pool: String?
    public var partners: [Partner]
}

extension Programme: RowDecodable {
    public init(row: NamedRow) throws {
        self.init(
            id: try row["id"], name: try row["name"], startsOn: try row["starts_on"], endsOn: try row["ends_on"],
            yearlyBudgetEuros: try row["yearly_budget_euros"], targetHouseholds: try row["target_households"],
            pool: try row["pool"], partners: [])
    }
}

/// Programmes the acting organisation is a partner of (the policies of sql/0001 hide the others).
public enum Programmes {
    public static func list(
        on connection: PostgresConnection, after: String?, limit: Int, logger: Logger
    ) async throws -> [Programme] {
        try await load(
            on: connection,
            """
            SELECT id, name, starts_on, ends_on, yearly_budget_euros::text AS yearly_budget_euros, target_households, pool
            FROM programmes WHERE \(after)::text IS NULL OR name > \(after) ORDER BY name LIMIT \(limit)
            """, logger: logger)
    }

    public static func find(on connection: PostgresConnection, id: UUID, logger: Logger) async throws -> Programme? {
        try await load(
            on: connection,
            """
            SELECT id, name, starts_on, ends_on, yearly_budget_euros::text AS yearly_budget_euros, target_households, pool
            FROM programmes WHERE id = \(id)
            """, logger: logger
        ).first
    }

    /// The programmes of `query`, then their partners in one more query.
    static func load(on connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws
        -> [Programme]
    {
        let programmes = try await connection.query(query, logger: logger).collect(Programme.self)
        guard !programmes.isEmpty else { return [] }
        var partners: [UUID: [Programme.Partner]] = [:]
        let rows = try await connection.query(
            """
            SELECT p.programme_id, o.id, o.name, o.kind, array_agg(p.part ORDER BY p.part)
            FROM programme_partners p JOIN organisations o ON o.id = p.organisation_id
            WHERE p.programme_id = ANY(\(programmes.map(\.id)))
            GROUP BY p.programme_id, o.id, o.name, o.kind ORDER BY o.name
            """, logger: logger)
        for try await (programmeID, organisationID, name, kind, parts)
            in rows.decode((UUID, UUID, String, String, [String]).self)
        {
            let organisation = try Organisation(id: organisationID, name: name, kindText: kind)
            partners[programmeID, default: []].append(
                .init(organisation: organisation, parts: parts.compactMap(ProgrammePart.init(rawValue:)).sorted()))
        }
        return programmes.map { programme in
            var programme = programme
            programme.partners = partners[programme.id] ?? []
            return programme
        }
    }
}
