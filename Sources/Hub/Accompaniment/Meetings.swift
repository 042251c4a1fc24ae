import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A rendez-vous with the household, and its note when the reader may read it.
struct Meeting: Encodable, Sendable {
    struct Note: Encodable, Sendable {
        let body: String
        let level: String
    }

    let id: UUID
    let kind: String
    let status: String
    let startsAt: Date
    @Null var durationMinutes: Int?
    let authorOrganisationId: UUID
    @Null var note: Note?
}

extension Meeting: RowDecodable {
    init(row: NamedRow) throws {
        var note: Note?
        if let body: String = try row["body"], let level: String = try row["level"] {
            note = Note(body: body, level: level)
        }
        self.init(
            id: try row["id"], kind: try row["kind"], status: try row["status"], startsAt: try row["starts_at"],
            durationMinutes: try row["duration_minutes"], authorOrganisationId: try row["author_organisation_id"],
            note: note)
    }
}

struct NewMeetingRequest: ClosedJSONObject {
    static let fields: Set<String> = ["kind", "status", "startsAt", "durationMinutes", "note", "noteLevel"]
    static let kinds = HouseholdVocabulary.meetingKinds
    static let statuses = HouseholdVocabulary.meetingStatuses
    let kind: String
    let status: String
    let startsAt: Date
    let durationMinutes: Int?
    let note: String?
    let noteLevel: String?

    func validate() throws -> Level {
        try check(
            Self.kinds.contains(kind), field: "kind",
            "Type de rendez-vous inconnu ; valeurs possibles : " + Self.kinds.codes.joined(separator: ", ") + ".")
        try check(
            Self.statuses.contains(status), field: "status", "Le rendez-vous est planned, held ou missed.")
        if let durationMinutes {
            try check(
                (5...600).contains(durationMinutes), field: "durationMinutes",
                "La durée d'un rendez-vous va de 5 à 600 minutes.")
        }
        try check(
            status != "held" || durationMinutes != nil, field: "durationMinutes",
            "La durée d'un rendez-vous tenu est requise.")
        let now = Date()
        try check(
            status == "planned" || startsAt <= now, field: "startsAt",
            "Un rendez-vous tenu ou manqué ne peut pas être daté dans le futur.")
        try check(
            abs(startsAt.timeIntervalSince(now)) < 5 * 366 * 86400, field: "startsAt",
            "La date du rendez-vous est hors de portée (plus de cinq ans).")
        if let note {
            try check(
                (1...20000).contains(note.trimmed.length), field: "note",
                "La note doit compter de 1 à 20 000 caractères.")
        }
        return try level(noteLevel, default: .secret, field: "noteLevel")
    }
}

/// What a planned meeting became.
struct MeetingOutcomeRequest: ClosedJSONObject {
    static let fields: Set<String> = ["status", "durationMinutes"]
    let status: String
    let durationMinutes: Int?

    func validate() throws {
        try checkCode(status, in: ["held", "missed"], field: "status")
        if status == "held" {
            guard let durationMinutes, (5...600).contains(durationMinutes) else {
                throw Problem.unprocessable(
                    "Un rendez-vous tenu a une durée, de 5 à 600 minutes.", field: "durationMinutes")
            }
        } else {
            try check(durationMinutes == nil, field: "durationMinutes", "Un rendez-vous manqué n'a pas de durée.")
        }
    }
}

/// Meetings' SQL; RLS hides what the reader may not see, the note apart from the meeting.
enum MeetingStore {
    static func list(
        of household: UUID, only id: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Meeting] {
        let rows = try await connection.query(
            """
            SELECT m.id, m.kind, m.status, m.starts_at, m.duration_minutes, m.author_organisation_id, n.body, n.level
            FROM meetings m LEFT JOIN meeting_notes n ON n.meeting_id = m.id
            WHERE m.household_id = \(household) AND (\(id)::uuid IS NULL OR m.id = \(id))
            ORDER BY m.starts_at DESC, m.id DESC
            """, logger: logger)
        return try await rows.collect(Meeting.self)
    }

    static func create(
        _ request: NewMeetingRequest, noteLevel: Level, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Meeting {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO meetings (id, household_id, author_organisation_id, author_user_id, kind, status, starts_at,
                                  duration_minutes)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(request.kind), \(request.status),
                    \(request.startsAt), \(request.durationMinutes))
            """, logger: logger)
        var note: Meeting.Note?
        if let body = request.note?.trimmed {
            try await connection.perform(
                """
                INSERT INTO meeting_notes (meeting_id, household_id, author_organisation_id, body, level)
                VALUES (\(id), \(household), \(actor.organisationID), \(body), \(noteLevel.rawValue))
                """, logger: logger)
            note = Meeting.Note(body: body, level: noteLevel.rawValue)
        }
        if request.status == "held" { try await touchLastContact(household, on: connection, logger: logger) }
        return Meeting(
            id: id, kind: request.kind, status: request.status, startsAt: request.startsAt,
            durationMinutes: request.durationMinutes, authorOrganisationId: actor.organisationID, note: note)
    }

    static func complete(
        _ id: UUID, household: UUID, _ request: MeetingOutcomeRequest, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        // Two requests at once: the second finds it no longer planned.
        let rows = try await connection.query(
            """
            UPDATE meetings SET status = \(request.status), duration_minutes = \(request.durationMinutes)
            WHERE id = \(id) AND status = 'planned' RETURNING id
            """, logger: logger)
        guard try await rows.decode(UUID.self).first(where: { _ in true }) != nil else {
            throw Problem.conflict("Ce rendez-vous a déjà été déclaré tenu ou manqué.")
        }
        if request.status == "held" { try await touchLastContact(household, on: connection, logger: logger) }
    }

    /// A held meeting is a contact: the CNIL's two years of active base run from the last one (R12).
    static func touchLastContact(_ household: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform(
            "UPDATE households SET last_contact_at = now() WHERE id = \(household)", logger: logger)
    }
}
