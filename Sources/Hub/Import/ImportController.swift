import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// `POST /v1/programmes/{programmeId}/imports`: a bound social worker or service head of an
/// organisation of the programme brings in its caseload (`Importer`); their organisation leads
/// the imported households. The body is the import file itself (JSON Lines), up to `bodyLimit`;
/// larger files go through `hub import`, which streams them.
struct ImportController {
    let client: PostgresClient
    let api: ImportAPI

    /// 2 Mio: about a thousand households with their history, imported within `deadline`.
    static let bodyLimit = 2 * 1024 * 1024
    /// The import answers once every line is done: longer than another request's 12 s.
    static let deadline: Duration = .seconds(120)
    static let mediaTypes: Set<String> = ["application/x-ndjson", "application/jsonl"]
    /// Households written at once: two, so that an import leaves the pool to other requests.
    static let parallel = 2

    static func isImport(_ path: String) -> Bool {
        // `/v1/programmes/{id}/imports`, a trailing slash allowed. Asked of every request (its
        // deadline): a prefix and a split, not a regular expression (4 % of a page's time).
        guard path.hasPrefix("/v1/programmes/") else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return (parts.count == 5 || (parts.count == 6 && parts[5].isEmpty)) && !parts[3].isEmpty
            && parts[4] == "imports"
    }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.post("programmes/:programmeId/imports", use: run)
    }

    /// The report of an import: one result per line, in the order of the file.
    struct Report: Sendable, Encodable {
        let programmeId: UUID
        let dryRun: Bool
        let lines: Int
        let imported: Int
        let unchanged: Int
        let refused: Int
        /// In French, for the person who sent the file.
        let summary: String
        let results: [Importer.Result]

        init(programme: UUID, dryRun: Bool, results: [Importer.Result]) {
            programmeId = programme
            self.dryRun = dryRun
            self.results = results
            lines = results.count
            imported = results.count { $0.outcome == .imported }
            unchanged = results.count { $0.outcome == .unchanged }
            refused = results.count { $0.outcome == .refused }
            summary = Self.summary(
                lines: lines, imported: imported, unchanged: unchanged, refused: refused, dryRun: dryRun)
        }

        static func summary(lines: Int, imported: Int, unchanged: Int, refused: Int, dryRun: Bool) -> String {
            let written = dryRun ? "à importer (essai : rien n'est écrit)" : "importé(s)"
            return
                "\(lines) ligne(s) : \(imported) ménage(s) \(written), \(unchanged) déjà importé(s) à l'identique, \(refused) ligne(s) refusée(s)."
        }
    }

    /// A report with refused lines, as problem+json: the request as a whole was not accepted,
    /// though each household it did import is kept.
    struct RefusedReport: Encodable {
        let type = "urn:hub:problem:import-refused"
        let title = "Lignes refusées"
        let status = 422
        let detail: String
        let requestId: String
        let report: Report
    }

    @Sendable func run(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let programme = try context.parameters.uuid("programmeId")
        let dryRun = try Self.dryRun(request)
        let actor = try context.actorBeyondAggregates()
        guard Importer.mayImport(actor) else { throw Problem.forbidden(Importer.importerOnly) }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let mediaType, Self.mediaTypes.contains(mediaType) else {
            throw Problem(
                status: .unsupportedMediaType, code: "unsupported-media-type", title: "Format non pris en charge",
                detail:
                    "Le fichier d'import est envoyé en JSON Lines (Content-Type: application/x-ndjson), un ménage par ligne."
            )
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.bodyLimit)
        } catch is NIOTooManyBytesError {
            throw Problem.payloadTooLarge(limit: Self.bodyLimit)
        }
        let isPartner = try await client.withActor(actor, logger: context.logger) { connection in
            try await HouseholdStore.programmeParts(
                programme, for: actor.organisationID, on: connection, logger: context.logger)?
                .mine.isEmpty == false
        }
        // Another programme, or none: the same answer (no existence leak).
        guard isPartner else { throw Problem.notFound }

        let importer = Importer(
            client: client, api: api, programme: programme, actor: actor, dryRun: dryRun, requestID: context.id,
            logger: context.logger)
        var results: [Importer.Result] = []
        var lines = body.readableBytesView.split(separator: 0x0A, omittingEmptySubsequences: false).makeIterator()
        var number = 0
        try await importer.importAll(
            parallel: Self.parallel,
            next: {
                guard let line = lines.next() else { return nil }
                number += 1
                return (number, Array(line.last == 0x0D ? line.dropLast() : line[...]))
            },
            emit: { results.append($0) })
        guard !results.isEmpty else {
            throw Problem.badRequest("Le fichier d'import est vide : un ménage par ligne, en JSON.")
        }
        let report = Report(programme: programme, dryRun: dryRun, results: results)
        context.logger.info(
            "import",
            metadata: [
                "lines": "\(report.lines)", "imported": "\(report.imported)",
                "unchanged": "\(report.unchanged)", "refused": "\(report.refused)", "dryRun": "\(dryRun)",
            ])
        guard report.refused == 0 else {
            let refused = RefusedReport(detail: report.summary, requestId: context.id, report: report)
            return Response(
                status: .unprocessableContent, headers: [.contentType: "application/problem+json"],
                body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.hub.encode(refused))))
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.hub.encode(report))))
    }

    static func dryRun(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters["dryRun"].map(String.init) {
        case nil, "false": return false
        case "true": return true
        default: throw Problem.badRequest("Le paramètre « dryRun » vaut true ou false.", field: "dryRun")
        }
    }
}
