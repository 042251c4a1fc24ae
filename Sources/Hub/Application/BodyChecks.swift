import Foundation
import Tenancy

/// The checks JSON decoding cannot make, shared by every route's body: free vocabularies are
/// decoded as strings and checked here, so that a wrong value gets a French 422 naming the
/// field and the values allowed.
func check(_ condition: Bool, field: String, _ detail: String) throws {
    guard condition else { throw Problem.unprocessable(detail, field: field) }
}

/// The optional body of a route that records a fact with no other detail (a withdrawal, a
/// reopening): the day it happened, today when absent.
struct OccurrenceRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["occurredOn"]
    let occurredOn: String?
}

/// A code from a fixed list (a kind, a reason…): a 422 listing the possible values otherwise.
func checkCode(_ value: String, in allowed: [String], field: String) throws {
    try check(
        allowed.contains(value), field: field,
        "Valeur inconnue ; valeurs possibles : " + allowed.joined(separator: ", ") + ".")
}

/// An optional free text of at most `limit` characters, trimmed; blank counts as absent.
func optionalText(_ raw: String?, limit: Int = 2000, field: String) throws -> String? {
    guard let text = raw?.trimmed, !text.isEmpty else { return nil }
    try check(text.length <= limit, field: field, "Ce texte compte au plus \(limit) caractères.")
    return text
}

/// A level named in a body: the item's default when absent, a 422 when unknown.
func level(_ raw: String?, default fallback: Level, field: String) throws -> Level {
    guard let raw else { return fallback }
    guard let level = Level(rawValue: raw) else {
        throw Problem.unprocessable("Niveau inconnu ; valeurs possibles : partners, secret, private.", field: field)
    }
    return level
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The length PostgreSQL's `length()` and JSON Schema's `maxLength` count: code points.
    /// (`count` counts what a reader sees as one character: "o\u{0332}\u{0333}" is 1 there and
    /// 3 here, and a check on `count` let a 210-code-point commune through to a CHECK of 100: a 500.)
    var length: Int { unicodeScalars.count }
}
