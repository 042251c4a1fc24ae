import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Tenancy

/// A cell's comités as an iCalendar feed (RFC 5545) for a member's diary (issue 21): a secret
/// address per person and cell (sql/0023), opened and revoked from the cell's page. A diary
/// fetches it without a session, so it says only what a diary needs: the comité's kind, its
/// day, its stage and its reference. Never a household, never a reason (a reason is free text
/// that may name one).
enum CalendarFeedStore {
    /// A new address for the reader on this cell; the previous one stops answering. The token
    /// is shown once: only its hash is kept.
    static func open(cell: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger) async throws
        -> String
    {
        // Two clicks at once: the second waits for the first, then revokes its address.
        try await connection.perform(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(cell.uuidString + actor.userID.uuidString), 0))",
            logger: logger)
        try await revoke(cell: cell, by: actor, on: connection, logger: logger)
        let token = Credentials.newToken()
        try await connection.perform(
            """
            INSERT INTO calendar_feeds (id, cell_id, user_id, organisation_id, token_hash)
            VALUES (\(UUID()), \(cell), \(actor.userID), \(actor.organisationID), \(Credentials.tokenHash(token)))
            """, logger: logger)
        return token
    }

    static func revoke(cell: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.perform(
            """
            UPDATE calendar_feeds SET revoked_at = now()
            WHERE cell_id = \(cell) AND user_id = \(actor.userID) AND organisation_id = \(actor.organisationID)
              AND revoked_at IS NULL
            """, logger: logger)
    }

    /// When the reader's live address was opened, if they have one.
    static func live(cell: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger) async throws
        -> Date?
    {
        let rows = try await connection.query(
            """
            SELECT created_at FROM calendar_feeds
            WHERE cell_id = \(cell) AND user_id = \(actor.userID) AND organisation_id = \(actor.organisationID)
              AND revoked_at IS NULL
            """, logger: logger)
        for try await created in rows.decode(Date.self) { return created }
        return nil
    }

    struct Entry: Sendable {
        let id: UUID
        let reference: String
        let kind: String
        let heldOn: Day
        let status: String
        let updatedAt: Date
    }

    /// The cell's name and comités for a live address; nil for any other token.
    static func feed(token: String, on connection: PostgresConnection, logger: Logger) async throws
        -> (cellName: String, comites: [Entry])?
    {
        let rows = try await connection.query(
            "SELECT cell_name, comite_id, reference, kind, held_on, status, updated_at FROM calendar_feed(\(Credentials.tokenHash(token)))",
            logger: logger)
        var name: String?
        var comites: [Entry] = []
        for try await (cellName, id, reference, kind, heldOn, status, updatedAt) in rows.decode(
            (String, UUID?, String?, String?, Day?, String?, Date?).self)
        {
            name = cellName
            if let id, let reference, let kind, let heldOn, let status, let updatedAt {
                comites.append(
                    Entry(
                        id: id, reference: reference, kind: kind, heldOn: heldOn, status: status, updatedAt: updatedAt))
            }
        }
        return name.map { ($0, comites) }
    }

}

/// The feed's text: one all-day event per comité, cancelled ones kept as cancelled (a diary
/// then removes them), each linking to the comité's page.
enum CalendarDocument {
    static func ics(cellName: String, comites: [CalendarFeedStore.Entry], publicURL: String) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hub de coordination des partenaires//Comites//FR",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:\(text("Comités — \(cellName)"))",
            "X-WR-TIMEZONE:Europe/Paris",
        ]
        for comite in comites {
            let kind = ComiteVocabulary.comiteKinds[comite.kind]
            let stage = ComiteStatus(rawValue: comite.status)
            lines += [
                "BEGIN:VEVENT",
                "UID:\(comite.id.uuidString.lowercased())@hub-partenaires",
                "DTSTAMP:\(stamp(comite.updatedAt))",
                "LAST-MODIFIED:\(stamp(comite.updatedAt))",
                "DTSTART;VALUE=DATE:\(compact(comite.heldOn))",
                "DTEND;VALUE=DATE:\(compact(comite.heldOn.adding(days: 1)))",
                "SUMMARY:\(text("Comité de suivi \(kind) — \(cellName)"))",
                "DESCRIPTION:\(text("Référence \(comite.reference). \(stage.map { "État : \($0.label)." } ?? "")"))",
                "STATUS:\(stage == .cancelled ? "CANCELLED" : "CONFIRMED")",
                "TRANSP:TRANSPARENT",
                "URL:\(publicURL)/comites/\(comite.id.uuidString.lowercased())",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 5545 3.3.11: backslash, semicolon, comma and line breaks escaped.
    static func text(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n", "\r\n", "\r": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// RFC 5545 3.1: lines of at most 75 octets, continued after a space, never inside a
    /// UTF-8 sequence.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var folded = ""
        var count = 0
        for character in line {
            let size = String(character).utf8.count
            if count + size > 75 {
                folded += "\r\n "
                count = 1
            }
            folded.append(character)
            count += size
        }
        return folded
    }

    static func compact(_ day: Day) -> String { day.iso.replacingOccurrences(of: "-", with: "") }

    static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        formatter.timeZone = .gmt
        return formatter.string(from: date).replacingOccurrences(of: ":", with: "").replacingOccurrences(
            of: "-", with: "")
    }
}
