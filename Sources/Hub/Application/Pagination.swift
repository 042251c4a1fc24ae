import Foundation
import Hummingbird

/// Keyset pagination: `limit` (1…200, default 50) and an opaque `cursor`, the sort key of
/// the last item of the previous page. Keyset rather than offset so that pages stay
/// stable while rows are added, and cost the same at any depth.
struct PageRequest {
    static let defaultLimit = 50
    static let maximumLimit = 200

    let limit: Int
    let after: String?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        if let raw = query["limit"] {
            guard let limit = Int(String(raw)), (1...Self.maximumLimit).contains(limit) else {
                throw Problem.badRequest(
                    "Le paramètre « limit » doit être un entier entre 1 et \(Self.maximumLimit).", field: "limit")
            }
            self.limit = limit
        } else {
            limit = Self.defaultLimit
        }
        after = try query["cursor"].map { try Self.key(ofCursor: String($0)) }
    }

    /// A page of `limit` after a cursor the hub gave (a console form carries it in its body).
    init(limit: Int = defaultLimit, cursor: String?) throws {
        self.limit = limit
        after = try cursor.map(Self.key(ofCursor:))
    }

    private static func key(ofCursor raw: String) throws -> String {
        // A cursor is one the hub gave: a key decoding to a NUL is no sort key of ours.
        guard !raw.isEmpty, let data = Data(base64URLEncoded: raw), let key = String(data: data, encoding: .utf8),
            !key.contains("\0")
        else {
            throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor")
        }
        return key
    }

    /// Asks the database for one more row than the page holds, to know whether a next page exists.
    var fetchLimit: Int { limit + 1 }

    func page<Item: Encodable & Sendable>(_ rows: [Item], key: (Item) -> String) -> Page<Item> {
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { Data(key($0).utf8).base64URLEncodedString() } : nil
        return Page(items: items, nextCursor: next)
    }
}

struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
    let nextCursor: String?

    // nextCursor is written as null on the last page rather than left out.
    enum CodingKeys: CodingKey { case items, nextCursor }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// A list that is complete in one answer (a care team, a household's consents).
struct ItemList<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
}

/// Cursor of lists ordered by a time then an id, newest first. The time travels as whole
/// microseconds, PostgreSQL's own precision, so that no row is skipped or repeated.
enum TimeCursor {
    static func key(_ date: Date, _ id: UUID) -> (Int64, UUID) {
        (Int64((date.timeIntervalSince1970 * 1_000_000).rounded()), id)
    }

    static func encode(_ date: Date, _ id: UUID) -> String {
        let (micros, id) = key(date, id)
        return "\(micros)|\(id.uuidString)"
    }

    static func decode(_ text: String) throws -> (Int64, UUID) {
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor")
        }
        return (micros, id)
    }
}

extension Data {
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }

    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
