import Foundation
import Tenancy

/// Who came to the comité, per person and organisation.
struct Attendee: Encodable, Sendable {
    let userId: UUID
    let organisationId: UUID
    let name: String
    let present: Bool
}

/// What the comité decided on an item, with the discussion's summary at its level and the
/// objections that stopped an end of accompaniment.
struct ItemDecision: Encodable, Sendable {
    struct Discussion: Encodable, Sendable {
        let body: String
        let level: Level
    }

    struct Objection: Codable, Sendable {
        let organisationId: UUID
        let organisationName: String
        let reason: String
    }

    /// The outcome an adopted end of accompaniment recorded, in codes and in French.
    struct Outcome: Encodable, Sendable {
        let code: String
        let label: String
        let endedOn: Day
    }

    let itemId: UUID
    let decision: String
    @Null var detail: String?
    let adopted: Bool
    @Null var outcomeId: UUID?
    /// Read under the reader's policies, as the household's own outcome.
    @Null var outcome: Outcome?
    @Null var discussion: Discussion?
    let objections: [Objection]
    let recordedAt: Date
}

extension ItemDecision: RowDecodable {
    init(row: NamedRow) throws {
        var discussion: Discussion?
        if let body: String = try row["discussion_body"], let level: Level = try row["discussion_level"] {
            discussion = Discussion(body: body, level: level)
        }
        var outcome: Outcome?
        if let code: String = try row["outcome_kind"], let endedOn: Day = try row["outcome_ended_on"] {
            outcome = Outcome(code: code, label: HouseholdVocabulary.outcomes[code], endedOn: endedOn)
        }
        self.init(
            itemId: try row["item_id"], decision: try row["decision"], detail: try row["detail"],
            adopted: try row["adopted"], outcomeId: try row["outcome_id"], outcome: outcome, discussion: discussion,
            objections: try row[json: "objections"], recordedAt: try row["recorded_at"])
    }
}

/// A follow-up action decided on an item; its status is followed up after the minutes.
struct ComiteAction: Encodable, Sendable {
    let id: UUID
    let itemId: UUID
    let householdId: UUID
    let description: String
    let ownerOrganisationId: UUID
    /// Nil only if the reader may not read that organisation (never a partner of the cell).
    @Null var ownerOrganisationName: String?
    @Null var ownerUserId: UUID?
    @Null var ownerName: String?
    let dueOn: Day
    let status: String
    let level: Level
    let createdAt: Date
    @Null var closedAt: Date?
}

extension ComiteAction: RowDecodable {
    /// From `ComiteMeetingStore.actionColumns`.
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], itemId: try row["item_id"], householdId: try row["household_id"],
            description: try row["description"], ownerOrganisationId: try row["owner_organisation_id"],
            ownerOrganisationName: try row["owner_organisation_name"], ownerUserId: try row["owner_user_id"],
            ownerName: try row["owner_name"], dueOn: try row["due_on"],
            status: try row["status"], level: try row["level"], createdAt: try row["created_at"],
            closedAt: try row["closed_at"])
    }
}

struct HoldRequest: ClosedJSONObject, Sendable {
    struct Presence: Decodable, Sendable {
        let userId: UUID
        let present: Bool
    }

    static let fields: Set<String> = ["attendance"]
    let attendance: [Presence]
}

struct ComiteDecisionRequest: ClosedJSONObject, Sendable {
    struct Objection: Decodable, Sendable {
        let organisationId: UUID
        let reason: String
    }

    static let fields: Set<String> = ["decision", "detail", "discussion", "discussionLevel", "objections", "end"]
    let decision: String
    let detail: String?
    let discussion: String?
    let discussionLevel: String?
    let objections: [Objection]?
    /// The outcome an adopted end of accompaniment records (as `POST …/end` would).
    let end: EndRequest?

    struct Checked {
        let kind: ComiteDecisionKind
        let detail: String?
        let discussion: (body: String, level: Level)?
        let objections: [(organisationId: UUID, reason: String)]
    }

    func validated(veille: Bool, bound: Bool) throws -> Checked {
        try checkCode(decision, in: ComiteDecisionKind.allCases.map(\.rawValue), field: "decision")
        let kind = ComiteDecisionKind(rawValue: decision)!
        let detail = try optionalText(detail, field: "detail")
        try check(
            kind != .other || detail != nil, field: "detail", "Une autre décision est décrite dans « detail ».")
        var discussion: (String, Level)?
        if let body = try optionalText(self.discussion, limit: 20000, field: "discussion") {
            let chosen = try level(discussionLevel, default: .partners, field: "discussionLevel")
            try checkWritable(chosen, veille: veille, bound: bound, field: "discussionLevel")
            discussion = (body, chosen)
        } else {
            try check(
                discussionLevel == nil, field: "discussionLevel",
                "Un niveau n'accompagne qu'un résumé de la discussion.")
        }
        var objections: [(UUID, String)] = []
        for (index, objection) in (self.objections ?? []).enumerated() {
            let field = "objections[\(index)]"
            try check(
                kind == .endAccompaniment, field: field,
                "Une objection ne s'exprime que contre une fin d'accompagnement.")
            guard let reason = try optionalText(objection.reason, field: "\(field).reason") else {
                throw Problem.unprocessable("Une objection est motivée.", field: "\(field).reason")
            }
            try check(
                !objections.contains { $0.0 == objection.organisationId }, field: "\(field).organisationId",
                "Une organisation objecte une seule fois.")
            objections.append((objection.organisationId, reason))
        }
        if kind == .endAccompaniment {
            guard let end else {
                throw Problem.unprocessable(
                    "Une fin d'accompagnement précise sa sortie : « end » avec « outcome » et « endedOn ».",
                    field: "end")
            }
            try end.validate()
        } else {
            try check(end == nil, field: "end", "Seule une fin d'accompagnement précise une sortie.")
        }
        return Checked(kind: kind, detail: detail, discussion: discussion, objections: objections)
    }
}

struct NewActionRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["description", "ownerOrganisationId", "ownerUserId", "dueOn", "level"]
    let description: String
    let ownerOrganisationId: UUID
    let ownerUserId: UUID?
    let dueOn: String
    let level: String?

    func validated(veille: Bool, bound: Bool) throws -> (description: String, level: Level) {
        guard let text = try optionalText(description, field: "description") else {
            throw Problem.unprocessable("L'action est décrite.", field: "description")
        }
        guard let due = Day(iso: dueOn)?.date, due > Date(timeIntervalSinceNow: -366 * 86400),
            due < Date(timeIntervalSinceNow: 3 * 366 * 86400)
        else {
            throw Problem.unprocessable(
                "Échéance attendue au format AAAA-MM-JJ, entre un an passé et trois ans à venir.", field: "dueOn")
        }
        let chosen = try Hub.level(level, default: .partners, field: "level")
        try checkWritable(chosen, veille: veille, bound: bound, field: "level")
        return (text, chosen)
    }
}

/// What a comité's record may be classified: `private` only in a veille sociale (a cell's
/// comité gathers several organisations), and above `partners` only by a professional bound
/// by secrecy, who may read what they write.
func checkWritable(_ level: Level, veille: Bool, bound: Bool, field: String) throws {
    try check(
        veille || level != .private, field: field,
        "Le niveau « private » est réservé à la veille sociale d'une organisation.")
    try check(
        bound || level == .partners, field: field,
        "Seul un professionnel tenu au secret rédige un contenu de niveau « secret » ou « private ».")
}

struct ActionUpdateRequest: ClosedJSONObject, Sendable {
    static let fields: Set<String> = ["status"]
    static let statuses = ComiteVocabulary.actionStatuses.codes
    let status: String
}

/// A household's passage on a comité's agenda, for its right-of-access export (R12).
struct HouseholdComiteRecord: Encodable, Sendable {
    let comiteId: UUID
    let reference: String
    let kind: String
    let heldOn: Day
    let status: String
    let reasons: [AgendaItem.Reason]
    @Null var decision: ItemDecision?
    var actions: [ComiteAction]
}
