import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// A household's tabs beside its dossier: its whole path, its care team and consents (for the
/// lead organisation), and « qui a consulté mon dossier » to print for the household (for the
/// lead's bound professionals). Each through the gate, with its own audit record.
extension HouseholdPages {
    /// What every tab reads beside its own: the household, for its header, and the reader's
    /// name, for the layout.
    struct TabFrame: Sendable {
        let me: Me
        let household: Household
        let facts: HouseholdFacts

        func shell(_ context: AuthenticatedContext) -> Shell {
            Shell(me, actor: context.actor, csrf: context.csrfToken ?? "")
        }

        func header(_ current: HouseholdHeader.Tab, _ context: AuthenticatedContext) -> HouseholdHeader {
            HouseholdHeader(household, actor: context.actor, facts: facts, current: current)
        }
    }

    /// A tab's read: through the gate as its API route's `action` (one transaction, one audit
    /// record of what `body` disclosed), then its frame. `body` runs first, so that a tab's own
    /// refusal comes before any other read.
    func tab<Result: Sendable>(
        _ id: UUID, action: String, context: AuthenticatedContext,
        _ body: @Sendable @escaping (PostgresConnection, Actor, HouseholdFacts) async throws -> (Result, Disclosure)
    ) async throws -> (TabFrame, Result) {
        try await gate.run(id, action: action, context: context) { connection, actor, facts in
            let (result, disclosure) = try await body(connection, actor, facts)
            guard let household = try await HouseholdStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.notFound
            }
            let frame = TabFrame(
                me: try await Me.load(actor, on: connection, logger: context.logger), household: household,
                facts: facts)
            return ((frame, result), disclosure)
        }
    }

    // MARK: The path

    struct PathView {
        let shell: Shell
        let header: HouseholdHeader
        let events: [TimelineRow]
        let hasEvents: Bool
        let earlierEvents: Bool
        let timelineShown = HouseholdPages.timelineShown
        let mayExport: Bool
    }

    /// Every event of the path the reader may see, as the API's `…/timeline` reads them (its
    /// store and its `timeline.read` record): the latest `timelineShown`, oldest first.
    @Sendable func path(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let (frame, events) = try await tab(id, action: "timeline.read", context: context) { connection, _, _ in
            let events = try await Self.latestEvents(of: id, on: connection, context: context)
            return (events, .disclosed(Set(events.events.compactMap { Level(rawValue: $0.level) }).union([.partners])))
        }
        let view = PathView(
            shell: frame.shell(context), header: frame.header(.path, context),
            events: events.events.map(TimelineRow.init), hasEvents: !events.events.isEmpty,
            earlierEvents: events.earlier, mayExport: AccessRules.mayReadAccessLog(context.actor, frame.facts))
        return pages.page("household-path", view)
    }

    /// The path's latest `timelineShown` events, oldest first.
    static func latestEvents(of id: UUID, on connection: PostgresConnection, context: AuthenticatedContext)
        async throws -> (events: [TimelineEntry], earlier: Bool)
    {
        let events = try await TimelineStore.all(of: id, on: connection, logger: context.logger)
        return (Array(events.suffix(timelineShown)), events.count > timelineShown)
    }

    // MARK: Care team and consents

    struct SharingView {
        let shell: Shell
        let header: HouseholdHeader
        let careTeam: [CareTeamRow]
        let consents: [ConsentRow]

        struct CareTeamRow {
            let name: String
            let addedOn: String
            let consent: String
        }
        struct ConsentRow {
            let recipient: String
            let levelLabel: String
            let purpose: String
            let givenOn: String
            let obtainedHow: String
            let expiresOn: String
            let state: String
        }
    }

    /// Who shares the household's information and on what consent, for its lead organisation
    /// (which records them: R5), through the API's stores, in one `household.sharing` record.
    @Sendable func sharing(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let (frame, (team, consents)) = try await tab(id, action: "household.sharing", context: context) {
            connection, actor, facts in
            guard AccessRules.isLead(actor, facts) else {
                throw Problem.forbidden(
                    "L'équipe de suivi et les consentements du ménage sont tenus par son organisation référente.")
            }
            return (
                (
                    try await HouseholdStore.careTeam(of: id, on: connection, logger: context.logger),
                    try await HouseholdStore.consents(of: id, on: connection, logger: context.logger)
                ), .disclosed([.partners])
            )
        }
        let view = SharingView(
            shell: frame.shell(context), header: frame.header(.sharing, context),
            careTeam: team.map {
                .init(
                    name: $0.organisation.name, addedOn: FrenchText.day($0.addedOn),
                    consent: $0.consentLevel.flatMap(Level.init(rawValue:)).map(\.label) ?? "aucun")
            },
            consents: consents.map {
                .init(
                    recipient: $0.recipientOrganisation.name,
                    levelLabel: Level(rawValue: $0.level)?.label ?? $0.level, purpose: $0.purpose,
                    givenOn: FrenchText.day($0.givenOn),
                    obtainedHow: HouseholdVocabulary.consentMethods[$0.obtainedHow],
                    expiresOn: FrenchText.day(Day($0.expiresAt)),
                    state: $0.active ? "actif" : ($0.withdrawnOn.map { "retiré le \(FrenchText.day($0))" } ?? "expiré"))
            })
        return pages.page("household-sharing", view)
    }

    // MARK: Qui a consulté mon dossier

    struct AccessLogView {
        let shell: Shell
        let header: HouseholdHeader
        let reference: String
        let leadName: String
        let generatedOn: String
        let caption: String
        let entries: [Entry]
        let more: Bool

        struct Entry {
            let at: String
            let userName: String
            let organisation: String
            let action: String
            let levels: String
            let outcome: String
        }
    }

    /// The access log as the household reads it (R11), for the lead organisation's bound
    /// professionals, as the API's `…/access-log` allows: its 200 latest records.
    @Sendable func accessLog(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let limit = 200
        let (frame, entries) = try await tab(id, action: "accessLog.read", context: context) {
            connection, actor, facts in
            guard AccessRules.mayReadAccessLog(actor, facts) else {
                throw Problem.forbidden(
                    "Le journal d'accès est consultable par les professionnels tenus au secret de l'organisation référente."
                )
            }
            let entries = try await AccessLogController.entries(
                of: id, before: nil, limit: limit + 1, on: connection, context: context)
            return (entries, .disclosed([.partners]))
        }
        let view = AccessLogView(
            shell: frame.shell(context), header: frame.header(.accessLog, context),
            reference: frame.household.reference, leadName: frame.household.leadOrganisation.name,
            generatedOn: FrenchText.day(Day.today()),
            caption: entries.count == 1
                ? "Le seul accès" : "Les \(min(entries.count, limit)) derniers accès, du plus récent au plus ancien",
            entries: entries.prefix(limit).map {
                .init(
                    at: FrenchText.moment($0.at), userName: $0.userName ?? "—", organisation: $0.organisation ?? "—",
                    action: AuditActionLabels.actions[$0.action].capitalisedFirstLetter,
                    levels: $0.levels.compactMap { Level(rawValue: $0)?.label }.joined(separator: ", "),
                    outcome: HouseholdVocabulary.accessOutcomes[$0.outcome])
            }, more: entries.count > limit)
        return pages.page("access-log", view)
    }
}
