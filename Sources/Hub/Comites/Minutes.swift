import Foundation
import Tenancy

/// The compte-rendu d'étape of a comité, as one reader may read it: the agenda items they
/// see through each household's door, with what was decided and the actions, each piece at
/// a level they may read (R10). Drafted from the meeting once held; version 1 at validation,
/// one more per erratum after diffusion.
struct Minutes: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        let id: UUID
        let householdId: UUID
        let reference: String
        @Null var householdName: String?
        let position: Int
        let reasons: [AgendaItem.Reason]
        @Null var decision: ItemDecision?
        let actions: [ComiteAction]
    }

    let comite: Comite
    let cellName: String
    /// 0 while a draft.
    let version: Int
    let draft: Bool
    let attendance: [Attendee]
    let items: [Item]
    let errata: [Erratum]

    /// The levels this reader was shown, for the audit record.
    var levels: Set<Level> {
        var levels: Set<Level> = [.partners]
        for item in items {
            if let discussion = item.decision?.discussion { levels.insert(discussion.level) }
            levels.formUnion(item.actions.map(\.level))
        }
        return levels.union(errata.map(\.level))
    }
}

struct Erratum: Encodable, Sendable {
    let id: UUID
    let version: Int
    @Null var itemId: UUID?
    let body: String
    let level: Level
    let createdAt: Date
}

extension Erratum: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], version: try row["version"], itemId: try row["item_id"], body: try row["body"],
            level: try row["level"], createdAt: try row["created_at"])
    }
}

struct NewErratumRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["body", "itemId", "level"]
    let body: String
    let itemId: UUID?
    let level: String?
}
