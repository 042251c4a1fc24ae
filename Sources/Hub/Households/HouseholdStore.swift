import Foundation
import Logging
import PostgresNIO
import Tenancy

/// The SQL of households, care teams, consents and notes, run under the actor's settings:
/// what the policies of sql/0002 hide is simply not there.
enum HouseholdStore {
    // MARK: Orientation

    /// The parts the acting organisation holds in a programme it can see, and the
    /// programme's partners; nil for a programme it is not a partner of.
    static func programmeParts(
        _ programmeID: UUID, for organisationID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws
        -> (mine: Set<ProgrammePart>, partners: [UUID: Set<ProgrammePart>])?
    {
        let rows = try await connection.query(
            "SELECT organisation_id, part FROM programme_partners WHERE programme_id = \(programmeID)", logger: logger)
        var partners: [UUID: Set<ProgrammePart>] = [:]
        var mine: Set<ProgrammePart> = []
        for try await (organisation, part) in rows.decode((UUID, String).self) {
            guard let part = ProgrammePart(rawValue: part) else { continue }
            partners[organisation, default: []].insert(part)
            if organisation == organisationID { mine.insert(part) }
        }
        return partners.isEmpty ? nil : (mine, partners)
    }

    /// The days a programme runs, as its partners see it; nil for another programme.
    static func period(ofProgramme id: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> ProgrammePeriod?
    {
        let rows = try await connection.query(
            "SELECT name, starts_on, ends_on FROM programmes WHERE id = \(id)", logger: logger)
        for try await (name, startsOn, endsOn) in rows.decode((String, Day, Day).self) {
            return ProgrammePeriod(name: name, startsOn: startsOn, endsOn: endsOn)
        }
        return nil
    }

    /// The days the household's programme runs (the gate let the reader through its door).
    static func period(ofHousehold id: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> ProgrammePeriod
    {
        let rows = try await connection.query(
            """
            SELECT p.name, p.starts_on, p.ends_on FROM households h JOIN programmes p ON p.id = h.programme_id
            WHERE h.id = \(id)
            """, logger: logger)
        for try await (name, startsOn, endsOn) in rows.decode((String, Day, Day).self) {
            return ProgrammePeriod(name: name, startsOn: startsOn, endsOn: endsOn)
        }
        throw Problem.internal
    }

    /// The orientation's facts, their days checked by the controller.
    struct Orientation {
        let request: OrientationRequest
        let orientedOn: Day
        let consentGivenOn: Day
        let consentExpiresAt: Date
    }

    static func orient(
        _ orientation: Orientation, by actor: Actor, operators: [UUID], on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (id: UUID, reference: String) {
        let request = orientation.request
        let id = UUID()
        let reference = "M-" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10))
        try await connection.perform(
            """
            INSERT INTO households (id, reference, programme_id, status, oriented_by, lead_organisation_id,
                single_parent, current_situation, situation_since, public, dalo_recognised_on, dalo_departement,
                action_logement_employee, resources_category, oriented_on)
            VALUES (\(id), \(reference), \(request.programmeId), 'oriented', \(actor.organisationID), \(actor.organisationID),
                \(request.singleParent), \(request.currentSituation), \(request.situationSince)::date, \(request.public),
                \(request.dalo?.recognisedOn)::date, \(request.dalo?.departement), \(request.actionLogementEmployee),
                \(request.resourcesCategory), \(orientation.orientedOn))
            """, logger: logger)
        for (position, person) in request.persons.enumerated() {
            try await connection.perform(
                """
                INSERT INTO household_persons (id, household_id, position, first_name, last_name, birth_date, relation)
                VALUES (\(UUID()), \(id), \(position), \(person.firstName.trimmed), \(person.lastName.trimmed),
                        \(person.birthDate)::date, \(person.relation))
                """, logger: logger)
        }
        // R5: the orienting organisation records the consent for itself and the opérateur,
        // both on the care team, so that both keep the door once the opérateur leads.
        for organisation in Set([actor.organisationID] + operators) {
            try await addToCareTeam(
                organisation, on: orientation.orientedOn, household: id, on: connection, logger: logger)
            try await recordConsent(
                request.consent, givenOn: orientation.consentGivenOn, expiresAt: orientation.consentExpiresAt,
                recipient: organisation, household: id, by: actor, on: connection, logger: logger)
        }
        return (id, reference)
    }

    // MARK: Reading

    static func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Household? {
        let rows = try await connection.query(
            """
            SELECT h.id, h.reference, h.programme_id, h.status, h.oriented_on, ob.id AS oriented_by_id,
                   ob.name AS oriented_by_name, ob.kind AS oriented_by_kind,
                   lead.id AS lead_id, lead.name AS lead_name, lead.kind AS lead_kind,
                   h.referent_name, h.decline_reason, h.single_parent, h.current_situation, h.situation_since,
                   h.public, h.dalo_recognised_on, h.dalo_departement, h.action_logement_employee,
                   h.resources_category, h.created_at
            FROM households h
            JOIN organisations ob ON ob.id = h.oriented_by JOIN organisations lead ON lead.id = h.lead_organisation_id
            WHERE h.id = \(id)
            """, logger: logger)
        guard var household = try await rows.first(Household.self) else { return nil }
        (household.persons, household.adults) = try await self.persons(of: id, on: connection, logger: logger)
        household.children = household.persons.count - household.adults
        return household
    }

    /// The persons, and how many are adults — counted as `list` counts them, in SQL.
    static func persons(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> (persons: [Person], adults: Int)
    {
        let rows = try await connection.query(
            """
            SELECT id, first_name, last_name, birth_date, relation,
                   birth_date <= current_date - interval '18 years' AS adult
            FROM household_persons WHERE household_id = \(household) ORDER BY position
            """, logger: logger)
        var persons: [Person] = []
        var adults = 0
        for try await cells in rows {
            let row = NamedRow(cells)
            persons.append(
                Person(
                    id: try row["id"], firstName: try row["first_name"], lastName: try row["last_name"],
                    birthDate: try row["birth_date"], relation: try row["relation"]))
            if try row["adult"] { adults += 1 }
        }
        return (persons, adults)
    }

    struct ListFilter {
        var programmeID: UUID?
        var status: String?
        var referentID: UUID?
        /// A piece of the reference or of a person's name, compared without case or accents.
        var search: String?

        /// A search term as the API and the console both take it: trimmed of spaces and line
        /// breaks (what the document's `\S` pattern calls a space), 1 to 100 characters
        /// (Unicode scalars, as every length the hub checks); nil otherwise.
        static func searchTerm(_ raw: String) -> String? {
            let term = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return (1...100).contains(term.length) ? term : nil
        }

        /// The `LIKE` pattern of `search`, its own `%`, `_` and `\` taken literally.
        var searchPattern: String? {
            search.map { term in
                "%"
                    + term.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            }
        }
    }

    /// Newest first; the cursor is the last row's `created_at|id`.
    static func list(
        _ filter: ListFilter, after: (Int64, UUID)?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [HouseholdSummary] {
        let rows = try await connection.query(
            """
            SELECT h.id, h.reference, h.programme_id, h.status, lead.id AS lead_id, lead.name AS lead_name,
                   lead.kind AS lead_kind, h.referent_name,
                   (SELECT first_name || ' ' || last_name FROM household_persons p
                    WHERE p.household_id = h.id AND p.relation = 'applicant') AS applicant_name,
                   (SELECT count(*) FILTER (WHERE birth_date <= current_date - interval '18 years') FROM household_persons p
                    WHERE p.household_id = h.id) AS adults,
                   (SELECT count(*) FILTER (WHERE birth_date > current_date - interval '18 years') FROM household_persons p
                    WHERE p.household_id = h.id) AS children,
                   h.created_at
            FROM households h JOIN organisations lead ON lead.id = h.lead_organisation_id
            WHERE (\(filter.programmeID)::uuid IS NULL OR h.programme_id = \(filter.programmeID))
              AND (\(filter.status)::text IS NULL OR h.status = \(filter.status))
              AND (\(filter.referentID)::uuid IS NULL OR h.referent_user_id = \(filter.referentID))
              -- Under the reader's own policies: a person's name matches only where the reader
              -- may read it, so "no match" and "not yours" give the same answer (R7).
              AND (\(filter.searchPattern)::text IS NULL
                   OR search_fold(h.reference) LIKE search_fold(\(filter.searchPattern))
                   OR EXISTS (SELECT 1 FROM household_persons p WHERE p.household_id = h.id
                              AND search_fold(p.first_name || ' ' || p.last_name || ' ' || p.first_name)
                                  LIKE search_fold(\(filter.searchPattern))))
              AND (\(after?.0)::bigint IS NULL
                   OR (h.created_at, h.id) < ('epoch'::timestamptz + \(after?.0) * interval '1 microsecond', \(after?.1)))
            ORDER BY h.created_at DESC, h.id DESC LIMIT \(limit)
            """, logger: logger)
        return try await rows.collect(HouseholdSummary.self)
    }

    /// Whether `organisation` is a partner of the household's programme (a care-team
    /// member or a consent's recipient must be).
    static func isProgrammePartner(
        _ organisation: UUID, of household: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM households h JOIN programme_partners p ON p.programme_id = h.programme_id
                           WHERE h.id = \(household) AND p.organisation_id = \(organisation))
            """, logger: logger)
        return try await rows.decode(Bool.self).first(where: { _ in true }) ?? false
    }

    // MARK: Path

    /// The opaque reference notifications carry (R13).
    static func reference(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> String
    {
        let rows = try await connection.query(
            "SELECT reference FROM households WHERE id = \(household)", logger: logger)
        for try await reference in rows.decode(String.self) { return reference }
        throw Problem.notFound
    }

    /// The référent must be an active social worker of the accepting organisation.
    static func referentName(_ userID: UUID, of organisation: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> String?
    {
        let rows = try await connection.query(
            """
            SELECT u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.user_id = \(userID) AND m.organisation_id = \(organisation) AND m.disabled_at IS NULL
              AND m.roles && ARRAY['socialWorker', 'serviceHead']
            """, logger: logger)
        for try await name in rows.decode(String.self) { return name }
        return nil
    }

    static func accept(
        _ household: UUID, on day: Day, by actor: Actor, referent: UUID, referentName: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            UPDATE households SET status = 'accepted', status_on = \(day), lead_organisation_id = \(actor.organisationID),
                referent_user_id = \(referent), referent_name = \(referentName), last_contact_at = now()
            WHERE id = \(household)
            """, logger: logger)
    }

    static func decline(
        _ household: UUID, on day: Day, reason: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            UPDATE households SET status = 'declined', status_on = \(day), decline_reason = \(reason)
            WHERE id = \(household)
            """, logger: logger)
    }

    // MARK: Care team and consents

    static func careTeam(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [CareTeamMember]
    {
        let rows = try await connection.query(
            """
            SELECT o.id, o.name, o.kind, c.added_on, c.added_at,
                   (SELECT max(k.level) FROM consents k WHERE k.household_id = c.household_id
                    AND k.recipient_organisation_id = c.organisation_id AND k.withdrawn_at IS NULL AND k.expires_at > now())
            FROM care_team c JOIN organisations o ON o.id = c.organisation_id
            WHERE c.household_id = \(household) AND c.removed_at IS NULL ORDER BY o.name
            """, logger: logger)
        var members: [CareTeamMember] = []
        for try await (id, name, kind, addedOn, addedAt, level) in rows.decode(
            (UUID, String, String, Day, Date, String?).self)
        {
            members.append(
                CareTeamMember(
                    organisation: try Organisation(id: id, name: name, kindText: kind), addedOn: addedOn,
                    addedAt: addedAt, consentLevel: level))
        }
        return members
    }

    static func addToCareTeam(
        _ organisation: UUID, on day: Day, household: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            INSERT INTO care_team (household_id, organisation_id, added_on) VALUES (\(household), \(organisation), \(day))
            ON CONFLICT (household_id, organisation_id) DO UPDATE
                SET removed_at = NULL, removed_on = NULL, added_at = now(), added_on = \(day)
            WHERE care_team.removed_at IS NOT NULL
            """, logger: logger)
    }

    static func removeFromCareTeam(
        _ organisation: UUID, on day: Day, household: UUID, on connection: PostgresConnection, logger: Logger
    )
        async throws -> Bool
    {
        let rows = try await connection.query(
            """
            UPDATE care_team SET removed_at = now(), removed_on = \(day)
            WHERE household_id = \(household) AND organisation_id = \(organisation) AND removed_at IS NULL
            RETURNING organisation_id
            """, logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    static func recordConsent(
        _ consent: ConsentInput, givenOn: Day, expiresAt: Date, recipient: UUID, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            INSERT INTO consents (id, household_id, recipient_organisation_id, level, purpose, obtained_how,
                informed_of_categories, informed_of_professionals, informed_of_medium, informed_of_protection,
                given_on, expires_at, recorded_by, recorded_by_organisation_id)
            VALUES (\(UUID()), \(household), \(recipient), \(consent.level), \(consent.purpose.trimmed), \(consent.obtainedHow),
                \(consent.informed.categories), \(consent.informed.professionals), \(consent.informed.medium),
                \(consent.informed.protection), \(givenOn), \(expiresAt), \(actor.userID), \(actor.organisationID))
            """, logger: logger)
    }

    static func consents(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> [ConsentRecord]
    {
        let rows = try await connection.query(
            """
            SELECT k.id, o.id AS recipient_id, o.name AS recipient_name, o.kind AS recipient_kind, k.level, k.purpose,
                   k.obtained_how, k.given_on, k.given_at, k.expires_at, k.withdrawn_on, k.withdrawn_at,
                   k.withdrawn_at IS NULL AND k.expires_at > now() AS active
            FROM consents k JOIN organisations o ON o.id = k.recipient_organisation_id
            WHERE k.household_id = \(household) ORDER BY k.given_at DESC, k.id
            """, logger: logger)
        return try await rows.collect(ConsentRecord.self)
    }

    /// The day an active consent of the household was given; nil if there is none.
    static func activeConsentDay(
        _ consent: UUID, household: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Day? {
        let rows = try await connection.query(
            """
            SELECT given_on FROM consents
            WHERE id = \(consent) AND household_id = \(household) AND withdrawn_at IS NULL
            """, logger: logger)
        for try await day in rows.decode(Day.self) { return day }
        return nil
    }

    /// Returns the recipient whose consent was withdrawn, nil if there was no active one.
    static func withdrawConsent(
        _ consent: UUID, on day: Day, household: UUID, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> UUID? {
        let rows = try await connection.query(
            """
            UPDATE consents SET withdrawn_at = now(), withdrawn_on = \(day), withdrawn_by = \(actor.userID)
            WHERE id = \(consent) AND household_id = \(household) AND withdrawn_at IS NULL
            RETURNING recipient_organisation_id
            """, logger: logger)
        for try await recipient in rows.decode(UUID.self) { return recipient }
        return nil
    }

    // MARK: Notes

    static func notes(
        of household: UUID, after: (Int64, UUID)?, limit: Int, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [NoteRecord] {
        let rows = try await connection.query(
            """
            SELECT n.id, o.id AS author_id, o.name AS author_name, o.kind AS author_kind, n.author_name AS writer,
                   n.written_at, n.body, n.level
            FROM notes n JOIN organisations o ON o.id = n.author_organisation_id
            WHERE n.household_id = \(household)
              AND (\(after?.0)::bigint IS NULL
                   OR (n.written_at, n.id) < ('epoch'::timestamptz + \(after?.0) * interval '1 microsecond', \(after?.1)))
            ORDER BY n.written_at DESC, n.id DESC LIMIT \(limit)
            """, logger: logger)
        return try await rows.collect(NoteRecord.self)
    }

    /// The note as written. Not read back from `notes`: its author may write a level they
    /// cannot read (an unbound user's `secret` note), and R6 lets them.
    static func addNote(
        _ body: String, level: Level, household: UUID, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> NoteRecord {
        let id = UUID()
        let rows = try await connection.query(
            """
            SELECT o.id, o.name, o.kind, u.display_name, now()
            FROM organisations o, users u WHERE o.id = \(actor.organisationID) AND u.id = \(actor.userID)
            """, logger: logger)
        guard
            let (organisationID, name, kind, author, writtenAt) =
                try await rows.decode((UUID, String, String, String, Date).self).first(where: { _ in true })
        else { throw Problem.unauthenticated }
        try await connection.perform(
            """
            INSERT INTO notes (id, household_id, author_organisation_id, author_user_id, author_name, written_at, body, level)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(author), \(writtenAt), \(body),
                    \(level.rawValue))
            """, logger: logger)
        try await connection.perform(
            "UPDATE households SET last_contact_at = now() WHERE id = \(household)", logger: logger)
        return NoteRecord(
            id: id, authorOrganisation: try Organisation(id: organisationID, name: name, kindText: kind),
            authorName: author, writtenAt: writtenAt, body: body, level: level.rawValue)
    }
}
