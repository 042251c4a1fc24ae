import Foundation
import Logging
import PostgresNIO
import Tenancy

/// Versions of the diagnostic: drafts edited by the lead organisation, validated versions
/// kept for ever. Entries are read under the reader's policies, then checked again by
/// `AccessRules.mayRead`: the two enforcements must agree.
enum DiagnosticStore {
    static func current(
        of household: UUID, reader: Actor, facts: HouseholdFacts, on connection: PostgresConnection, logger: Logger
    ) async throws -> Diagnostic? {
        let rows = try await connection.query(
            """
            SELECT id FROM diagnostics WHERE household_id = \(household) AND status = 'validated'
            ORDER BY version DESC LIMIT 1
            """, logger: logger)
        for try await id in rows.decode(UUID.self) {
            return try await load(
                id, household: household, reader: reader, facts: facts, on: connection, logger: logger)
        }
        return nil
    }

    static func load(
        _ id: UUID, household: UUID, reader: Actor, facts: HouseholdFacts, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Diagnostic? {
        let headers = try await connection.query(
            """
            SELECT d.version, d.status, o.id AS author_id, o.name AS author_name, o.kind AS author_kind,
                   d.referent_name, d.revision, d.created_at, d.updated_at, d.validated_on, d.validated_at
            FROM diagnostics d JOIN organisations o ON o.id = d.author_organisation_id
            WHERE d.id = \(id) AND d.household_id = \(household)
            """, logger: logger)
        struct Header: RowDecodable {
            let version: Int
            let status: String
            let author: Organisation
            let referentName: String
            let revision: Int
            let createdAt: Date
            let updatedAt: Date
            let validatedOn: Day?
            let validatedAt: Date?

            init(row: NamedRow) throws {
                version = try row["version"]
                status = try row["status"]
                author = try Organisation(row: row, prefix: "author")
                referentName = try row["referent_name"]
                revision = try row["revision"]
                createdAt = try row["created_at"]
                updatedAt = try row["updated_at"]
                validatedOn = try row["validated_on"]
                validatedAt = try row["validated_at"]
            }
        }
        let header = try await headers.first(Header.self)
        guard let header else { return nil }

        var entries: [String: Levelled] = [:]
        let rows = try await connection.query(
            "SELECT kind, code, value, level, author_organisation_id FROM diagnostic_entries WHERE diagnostic_id = \(id)",
            logger: logger)
        for try await (kind, code, value, level, author) in rows.decode((String, String, String, String, UUID).self) {
            guard let parsed = Level(rawValue: level), AccessRules.mayRead(parsed, author: author, reader, facts) else {
                continue
            }
            entries["\(kind):\(code)"] = Levelled(value: value, level: level)
        }
        let sections = DiagnosticGrid.sections.map { section in
            Diagnostic.Section(
                code: section.code, title: section.title, view: entries["view:\(section.code)"],
                items: section.items.map { item in
                    Diagnostic.Item(
                        code: item.code, label: item.label, assessment: entries["assessment:\(item.code)"],
                        comment: entries["comment:\(item.code)"])
                })
        }
        return Diagnostic(
            id: id, version: header.version, status: header.status, authorOrganisation: header.author,
            referentName: header.referentName, revision: header.revision, createdAt: header.createdAt,
            updatedAt: header.updatedAt, validatedOn: header.validatedOn, validatedAt: header.validatedAt,
            sections: sections,
            preconisations: entries["preconisations:"])
    }

    static func history(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [DiagnosticSummary]
    {
        let rows = try await connection.query(
            """
            SELECT d.id, d.version, d.status, o.id AS author_id, o.name AS author_name, o.kind AS author_kind,
                   d.created_at, d.validated_at
            FROM diagnostics d JOIN organisations o ON o.id = d.author_organisation_id
            WHERE d.household_id = \(household) ORDER BY d.version DESC
            """, logger: logger)
        return try await rows.collect(DiagnosticSummary.self)
    }

    /// A new draft, starting from the last validated version ("enriched and updated
    /// continuously"): its entries are copied as far as the author may read them.
    static func startDraft(
        _ household: UUID, by actor: Actor, referentName: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        do {
            try await connection.perform(
                """
                INSERT INTO diagnostics (id, household_id, version, status, author_organisation_id, referent_name, created_by)
                SELECT \(id), \(household), coalesce(max(version), 0) + 1, 'draft', \(actor.organisationID), \(referentName),
                       \(actor.userID)
                FROM diagnostics WHERE household_id = \(household)
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Problem.conflict("Un brouillon de diagnostic est déjà en cours pour ce ménage : complétez-le.")
        }
        try await connection.perform(
            """
            INSERT INTO diagnostic_entries (diagnostic_id, household_id, author_organisation_id, kind, code, value, level)
            SELECT \(id), e.household_id, \(actor.organisationID), e.kind, e.code, e.value, e.level
            FROM diagnostic_entries e
            WHERE e.diagnostic_id = (SELECT d.id FROM diagnostics d WHERE d.household_id = \(household)
                                     AND d.status = 'validated' ORDER BY d.version DESC LIMIT 1)
            """, logger: logger)
        return id
    }

    /// The draft's revision, or nil if `id` is not a draft of this household.
    static func draftRevision(_ id: UUID, household: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> Int?
    {
        let rows = try await connection.query(
            """
            SELECT revision FROM diagnostics
            WHERE id = \(id) AND household_id = \(household) AND status = 'draft' FOR UPDATE
            """, logger: logger)
        for try await revision in rows.decode(Int.self) { return revision }
        return nil
    }

    static func replaceDraft(
        _ id: UUID, household: UUID, referentName: String, entries: [DiagnosticUpdate.Entry], by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform("DELETE FROM diagnostic_entries WHERE diagnostic_id = \(id)", logger: logger)
        for entry in entries {
            try await connection.perform(
                """
                INSERT INTO diagnostic_entries (diagnostic_id, household_id, author_organisation_id, kind, code, value, level)
                VALUES (\(id), \(household), \(actor.organisationID), \(entry.kind), \(entry.code), \(entry.value),
                        \(entry.level.rawValue))
                """, logger: logger)
        }
        try await connection.perform(
            """
            UPDATE diagnostics SET referent_name = \(referentName), revision = revision + 1, updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }

    static func validate(
        _ id: UUID, on day: Day, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            UPDATE diagnostics SET status = 'validated', validated_on = \(day), validated_at = now(),
                validated_by = \(actor.userID),
                revision = revision + 1, updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }
}
