import Foundation
import Hummingbird
import Tenancy

/// A piece of the diagnostic with its level.
struct Levelled: Codable, Sendable, Equatable {
    let value: String
    let level: String
}

/// A version of the diagnostic social partagé as one reader may see it: what they may not
/// read is absent (an item without its comment, a section without the person's view).
struct Diagnostic: ResponseEncodable, Sendable {
    struct Item: Codable, Sendable {
        let code: String
        let label: String
        let assessment: Levelled?
        let comment: Levelled?
    }

    struct Section: Codable, Sendable {
        let code: String
        let title: String
        /// The person's own view of this section (co-évaluation).
        let view: Levelled?
        let items: [Item]
    }

    let id: UUID
    let version: Int
    let status: String
    let authorOrganisation: Organisation
    let referentName: String
    let revision: Int
    let createdAt: Date
    let updatedAt: Date
    /// The day it was validated with the household, and when that was recorded.
    let validatedOn: Day?
    let validatedAt: Date?
    let sections: [Section]
    let preconisations: Levelled?

    /// The levels this answer discloses, for the audit record.
    var levels: Set<Level> {
        var levels: Set<Level> = [.partners]
        let pieces =
            sections.flatMap { [$0.view] + $0.items.flatMap { [$0.assessment, $0.comment] } } + [preconisations]
        for piece in pieces.compactMap({ $0 }) { levels.insert(Level(rawValue: piece.level) ?? .private) }
        return levels
    }

    var etag: String { "\"\(id.uuidString.lowercased())-\(revision)\"" }
}

struct DiagnosticSummary: Codable, Sendable {
    let id: UUID
    let version: Int
    let status: String
    let authorOrganisation: Organisation
    let createdAt: Date
    let validatedAt: Date?
}

extension DiagnosticSummary: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], version: try row["version"], status: try row["status"],
            authorOrganisation: try Organisation(row: row, prefix: "author"), createdAt: try row["created_at"],
            validatedAt: try row["validated_at"])
    }
}

/// The optional body of a validation: the day the diagnostic was validated with the household
/// (today when absent), checked as every fact of the path.
struct DiagnosticValidation: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["validatedOn"]
    let validatedOn: String?
}

/// The body of a draft update: the whole content of the draft, replacing what it held.
struct DiagnosticUpdate: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["referentName", "items", "views", "preconisations"]

    struct Item: Decodable, Sendable {
        let code: String
        let assessment: String
        let assessmentLevel: String?
        let comment: String?
        let commentLevel: String?
    }

    struct View: Decodable, Sendable {
        let section: String
        let text: String
        let level: String?
    }

    struct Text: Decodable, Sendable {
        let text: String
        let level: String?
    }

    let referentName: String
    let items: [Item]
    let views: [View]?
    let preconisations: Text?

    /// One row per piece, with its level (ACCESS.md §2 defaults: assessment `partners`,
    /// comment, view and préconisations `secret`).
    struct Entry: Sendable, Equatable {
        let kind: String
        let code: String
        let value: String
        let level: Level
    }

    func entries() throws -> [Entry] {
        try check(
            (1...200).contains(referentName.trimmed.length), field: "referentName",
            "Le nom du référent doit compter de 1 à 200 caractères.")
        var entries: [Entry] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let field = "items[\(index)]"
            try check(
                DiagnosticGrid.itemCodes.contains(item.code), field: "\(field).code",
                "Item « \(item.code) » inconnu de la trame d'évaluation (voir GET /v1/diagnostic-grid).")
            try check(
                seen.insert(item.code).inserted, field: "\(field).code", "L'item « \(item.code) » figure deux fois.")
            try check(
                Assessment(rawValue: item.assessment) != nil, field: "\(field).assessment",
                "Appréciation inconnue ; valeurs possibles : acquis, enCours, soutienNecessaire, nonEvalue.")
            entries.append(
                Entry(
                    kind: "assessment", code: item.code, value: item.assessment,
                    level: try level(item.assessmentLevel, default: .partners, field: "\(field).assessmentLevel")))
            let commentLevel = try level(item.commentLevel, default: .secret, field: "\(field).commentLevel")
            if let comment = item.comment?.trimmed, !comment.isEmpty {
                try check(
                    comment.length <= 20000, field: "\(field).comment", "Le commentaire dépasse 20 000 caractères.")
                entries.append(Entry(kind: "comment", code: item.code, value: comment, level: commentLevel))
            }
        }
        var sections: Set<String> = []
        for (index, view) in (views ?? []).enumerated() {
            let field = "views[\(index)]"
            try check(
                DiagnosticGrid.sectionCodes.contains(view.section), field: "\(field).section",
                "Section « \(view.section) » inconnue ; valeurs possibles : \(DiagnosticGrid.sectionCodes.sorted().joined(separator: ", "))."
            )
            try check(
                sections.insert(view.section).inserted, field: "\(field).section",
                "La section « \(view.section) » figure deux fois.")
            try check(
                (1...20000).contains(view.text.trimmed.length), field: "\(field).text",
                "Le point de vue de la personne doit compter de 1 à 20 000 caractères.")
            entries.append(
                Entry(
                    kind: "view", code: view.section, value: view.text.trimmed,
                    level: try level(view.level, default: .secret, field: "\(field).level")))
        }
        if let preconisations {
            try check(
                (1...20000).contains(preconisations.text.trimmed.length), field: "preconisations.text",
                "Les préconisations doivent compter de 1 à 20 000 caractères.")
            entries.append(
                Entry(
                    kind: "preconisations", code: "", value: preconisations.text.trimmed,
                    level: try level(preconisations.level, default: .secret, field: "preconisations.level")))
        }
        return entries
    }
}

extension DiagnosticSummary: ResponseEncodable {}
