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
    }

    @Sendable func report(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("programmeId")
        let query = request.uri.queryParameters
        guard let raw = query["period"], let period = EvaluationPeriod(String(raw)) else {
            throw Problem.badRequest(
                "Le paramètre « period » est une année (2025), un trimestre (2025-Q2) ou un mois (2025-03).",
                field: "period")
        }
        let format = query["format"].map(String.init) ?? "json"
        guard ["json", "csv"].contains(format) else {
            throw Problem.badRequest("Le paramètre « format » vaut json ou csv.", field: "format")
        }
        let report = try await document(of: id, period: period, csv: format == "csv", context: context)
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

    /// The programme's report for the period, JSON or CSV, for the reader of `context`: the
    /// route's and the console's dashboard's (`IndicatorPages`), so that the rule lives here.
    /// It is the one stored for the last refresh, or the first reader computes and stores
    /// the whole year. The read is audited either way.
    func document(of id: UUID, period: EvaluationPeriod, csv: Bool, context: AuthenticatedContext) async throws
        -> String
    {
        let actor = context.actor
        return try await client.withActor(actor, logger: context.logger) { connection in
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
            let threshold = programme.threshold ?? policy.threshold
            let refresh = try await IndicatorStore.lastRefresh(on: connection, logger: context.logger)
            var body = try await IndicatorStore.storedReport(
                id, refresh: refresh.id, period: period, threshold: threshold, csv: csv,
                on: connection, logger: context.logger)
            if body == nil {
                // The first reader since the refresh computes the whole year, once.
                let events = try await IndicatorStore.events(
                    of: id, year: period.year, on: connection, logger: context.logger)
                let groups = try await IndicatorStore.groups(
                    of: id, year: period.year, events: events, on: connection, logger: context.logger)
                let stocks = try await IndicatorStore.stocks(
                    of: id, year: period.year, on: connection, logger: context.logger)
                let landlords = try await IndicatorStore.landlords(
                    in: events, on: connection, logger: context.logger)
                // Seconds of arithmetic at a large programme: on a thread of its own, as
                // bcrypt, so that the server's other requests keep their cooperative threads.
                let documents = try await NIOThreadPool.singleton.runIfActive {
                    try IndicatorStore.documents(
                        IndicatorReport.year(
                            programme: (id, programme.name, programme.yearlyCents), year: period.year,
                            events: events, groups: groups, stocks: stocks, landlords: landlords,
                            threshold: threshold,
                            refreshedAt: refresh.at))
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
