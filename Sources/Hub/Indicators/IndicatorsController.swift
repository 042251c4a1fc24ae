import Foundation
import Hummingbird
import NIOPosix
import PostgresNIO
import Tenancy

/// What the State and the comité see of a programme as a whole (issue 7, ACCESS.md R9):
/// `GET /v1/programmes/{id}/indicators?period=2025|2025-Q2|2025-03&format=json|csv`, for
/// the programme's evaluators and for its members who work on households.
struct IndicatorsController {
    let client: PostgresClient
    let policy: DisclosurePolicy

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("programmes/:programmeId/indicators", use: report)
        group.get("indicators", use: pooledReport)
    }

    @Sendable func report(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("programmeId")
        let period = try Self.period(request)
        let format = try Self.format(request)
        let report = try await document(of: id, period: period, csv: format == "csv", context: context)
        return Self.response(report, format: format, period: period)
    }

    static func period(_ request: Request) throws -> EvaluationPeriod {
        guard let raw = request.uri.queryParameters["period"], let period = EvaluationPeriod(String(raw)) else {
            throw Problem.badRequest(
                "Le paramètre « period » est une année (2025), un trimestre (2025-Q2) ou un mois (2025-03).",
                field: "period")
        }
        return period
    }

    static func format(_ request: Request) throws -> String {
        let format = request.uri.queryParameters["format"].map(String.init) ?? "json"
        guard ["json", "csv"].contains(format) else {
            throw Problem.badRequest("Le paramètre « format » vaut json ou csv.", field: "format")
        }
        return format
    }

    static func response(_ report: String, format: String, period: EvaluationPeriod) -> Response {
        if format == "csv" {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"indicateurs-\(period.code).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: report)))
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: report)))
    }

    /// A regroupement's report (issue 22, pooling): `GET /v1/indicators?programmes=a,b,…`
    /// with every programme of one pool the operator declared, each readable by the reader.
    @Sendable func pooledReport(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let listed = request.uri.queryParameters["programmes"].map { $0.split(separator: ",").map(String.init) } ?? []
        let ids = listed.compactMap { UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }
        guard ids.count == listed.count, (1...50).contains(ids.count) else {
            throw Problem.badRequest(
                "Le paramètre « programmes » donne les identifiants des programmes d'un regroupement (de 2 à 50), séparés par des virgules.",
                field: "programmes")
        }
        // Well formed, but no pool has one programme or the same one twice.
        guard Set(ids).count == ids.count, ids.count >= 2 else {
            throw Problem.unprocessable(
                "Un regroupement compte au moins 2 programmes différents : donnez chacun une fois.", field: "programmes")
        }
        let period = try Self.period(request)
        let format = try Self.format(request)
        let report = try await pooledDocument(
            of: Array(Set(ids)), period: period, csv: format == "csv", context: context)
        return Self.response(report, format: format, period: period)
    }

    /// The pool's report for the period: stored for the refresh, or computed (with each of
    /// its programmes' own releases) by its first reader and stored. Audited either way.
    func pooledDocument(of ids: [UUID], period: EvaluationPeriod, csv: Bool, context: AuthenticatedContext)
        async throws -> String
    {
        let actor = context.actor
        return try await client.withActor(actor, logger: context.logger) { connection in
            var programmes: [(id: UUID, name: String, yearlyCents: Int64, threshold: Int?)] = []
            for id in ids.sorted(by: { $0.uuidString < $1.uuidString }) {
                programmes.append(try await readable(id, connection: connection, context: context))
            }
            guard let pool = try await IndicatorStore.pool(of: ids, on: connection, logger: context.logger) else {
                throw Problem.unprocessable(
                    "Ces programmes ne forment pas un regroupement : les indicateurs se lisent ensemble pour tous les programmes d'un regroupement déclaré par l'opérateur, et seulement eux.",
                    field: "programmes")
            }
            let threshold = programmes.map { $0.threshold ?? policy.threshold }.max()!
            let refresh = try await IndicatorStore.lastRefresh(on: connection, logger: context.logger)
            var body = try await IndicatorStore.storedPoolReport(
                pool, refresh: refresh.id, period: period, threshold: threshold, csv: csv,
                on: connection, logger: context.logger)
            if body == nil {
                var members: [IndicatorReport.PoolMember] = []
                var landlords: [String: String] = [:]
                for programme in programmes {
                    let rollUp = try await IndicatorStore.rollUp(
                        of: programme.id, year: period.year, on: connection, logger: context.logger)
                    landlords.merge(
                        try await IndicatorStore.landlords(in: rollUp.events, on: connection, logger: context.logger)
                    ) { first, _ in first }
                    members.append(
                        .init(
                            id: programme.id, name: programme.name, yearlyCents: programme.yearlyCents, rollUp: rollUp,
                            threshold: programme.threshold ?? policy.threshold))
                }
                let documents = try await NIOThreadPool.singleton.runIfActive { [members, landlords] in
                    try IndicatorStore.documents(
                        IndicatorReport.pooled(
                            name: pool, members: members, year: period.year, landlords: landlords,
                            refreshedAt: refresh.at))
                }
                try await IndicatorStore.storePool(
                    documents, of: pool, refresh: refresh.id, threshold: threshold, on: connection,
                    logger: context.logger)
                let document = documents.first { $0.period == period.code }!
                body = csv ? document.csv : document.json
            }
            try await connection.append(
                "indicators.read", .disclosed([], []), actor: actor,
                requestID: context.id, logger: context.logger)
            return body!
        }
    }

    /// The programme as its indicators' reader sees it: 404 outside it (R7), 403 for a role
    /// that does not read indicators.
    func readable(_ id: UUID, connection: PostgresConnection, context: AuthenticatedContext) async throws -> (
        id: UUID, name: String, yearlyCents: Int64, threshold: Int?
    ) {
        let actor = context.actor
        // A programme the organisation is not a partner of does not exist for it (R7).
        guard
            let parts = try await HouseholdStore.programmeParts(
                id, for: actor.organisationID, on: connection, logger: context.logger), !parts.mine.isEmpty,
            let programme = try await IndicatorStore.programme(id, on: connection, logger: context.logger)
        else { throw Problem.notFound }
        guard (parts.mine.contains(.evaluator) && actor.has(.evaluator)) || AccessRules.worksOnHouseholds(actor)
        else {
            throw Problem.forbidden(
                "Les indicateurs d'un programme sont lus par ses évaluateurs et par ses partenaires qui suivent les ménages."
            )
        }
        return (id, programme.name, programme.yearlyCents, programme.threshold)
    }

    /// The programme's report for the period, JSON or CSV, for the reader of `context`: the
    /// route's and the console's dashboard's (`IndicatorPages`), so that the rule lives here.
    /// It is the one stored for the last refresh, or the first reader computes and stores
    /// the whole year. The read is audited either way.
    func document(of id: UUID, period: EvaluationPeriod, csv: Bool, context: AuthenticatedContext) async throws
        -> String
    {
        let actor = context.actor
        return try await client.withActor(actor, logger: context.logger) { connection in
            let programme = try await readable(id, connection: connection, context: context)
            let threshold = programme.threshold ?? policy.threshold
            let refresh = try await IndicatorStore.lastRefresh(on: connection, logger: context.logger)
            var body = try await IndicatorStore.storedReport(
                id, refresh: refresh.id, period: period, threshold: threshold, csv: csv,
                on: connection, logger: context.logger)
            if body == nil {
                // The first reader since the refresh computes the whole year, once.
                let rollUp = try await IndicatorStore.rollUp(
                    of: id, year: period.year, on: connection, logger: context.logger)
                let landlords = try await IndicatorStore.landlords(
                    in: rollUp.events, on: connection, logger: context.logger)
                // Seconds of arithmetic at a large programme: on a thread of its own, as
                // bcrypt, so that the server's other requests keep their cooperative threads.
                let documents = try await NIOThreadPool.singleton.runIfActive {
                    try IndicatorStore.documents(
                        IndicatorReport.year(
                            programme: (id, programme.name, programme.yearlyCents), year: period.year,
                            events: rollUp.events, groups: rollUp.groups, stocks: rollUp.stocks,
                            landlords: landlords, threshold: threshold, refreshedAt: refresh.at))
                }
                try await IndicatorStore.store(
                    documents, of: id, refresh: refresh.id, threshold: threshold, on: connection,
                    logger: context.logger)
                let document = documents.first { $0.period == period.code }!
                body = csv ? document.csv : document.json
            }
            // Aggregates name no household; the read is recorded all the same.
            try await connection.append(
                "indicators.read", .disclosed([], []), actor: actor,
                requestID: context.id, logger: context.logger)
            return body!
        }
    }
}

/// R9's threshold for a programme the operator set none for (`HUB_DISCLOSURE_THRESHOLD`,
/// default 5; a programme's own is set by `hub programme seuil`), and how often the
/// roll-ups are recomputed (`HUB_INDICATORS_REFRESH_SECONDS`, default 3600: a full refresh costs about a minute of database time at 100,000 households; 0 turns it off).
struct DisclosurePolicy: Sendable {
    var threshold = DisclosureControl.defaultThreshold
    var refreshInterval: Duration = .seconds(3600)
}
