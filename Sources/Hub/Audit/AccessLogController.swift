import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// "Qui a consulté mon dossier" (R11) and the right of access (R12), for bound users of
/// the household's lead organisation.
struct AccessLogController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("households/:householdId/access-log", use: accessLog)
        group.get("households/:householdId/export", use: export)
    }

    struct Access: Codable, Sendable {
        /// The record's own hash, in hex: an id that counts nothing (the log's global
        /// numbering would tell how busy the whole hub was between two reads).
        let id: String
        let at: Date
        let userName: String?
        let organisation: String?
        let action: String
        let levels: [String]
        let outcome: String
        /// Where the next page starts: the record's time in whole microseconds, as
        /// PostgreSQL holds it (a `Date` would round), and its hash.
        var cursor = ""

        enum CodingKeys: CodingKey { case id, at, userName, organisation, action, levels, outcome }
    }

    /// The key of the last record of a page: microseconds and hash.
    struct AccessCursor {
        let micros: Int64
        let hash: [UInt8]

        init?(_ key: String) {
            let parts = key.split(separator: "|")
            guard parts.count == 2, let micros = Int64(parts[0]), let hash = [UInt8](hex: String(parts[1])),
                hash.count == 32
            else { return nil }
            self.micros = micros
            self.hash = hash
        }
    }

    @Sendable func accessLog(_ request: Request, context: AuthenticatedContext) async throws -> Page<Access> {
        let id = try context.parameters.uuid("householdId")
        let page = try PageRequest(request)
        let before = try page.after.map { raw in
            guard let cursor = AccessCursor(raw) else {
                throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor")
            }
            return cursor
        }
        let entries = try await gate.run(id, action: "accessLog.read", context: context) { connection, actor, facts in
            guard AccessRules.mayReadAccessLog(actor, facts) else {
                throw Problem.forbidden(
                    "Le journal d'accès est consultable par les professionnels tenus au secret de l'organisation référente."
                )
            }
            let entries = try await Self.entries(
                of: id, before: before, limit: page.fetchLimit, on: connection, context: context)
            return (entries, .disclosed([.partners]))
        }
        return page.page(entries, key: \.cursor)
    }

    static func entries(
        of household: UUID, before: AccessCursor?, limit: Int, on connection: PostgresConnection,
        context: AuthenticatedContext
    ) async throws -> [Access] {
        let rows = try await connection.query(
            """
            SELECT hash, at, at_micros, user_name, organisation_name, action, levels, outcome
            FROM audit_access_log(\(household), \(before?.micros), \(before.map { ByteBuffer(bytes: $0.hash) }),
                                  \(limit)::integer)
            """, logger: context.logger)
        var entries: [Access] = []
        for try await (hash, at, micros, userName, organisation, action, levels, outcome) in rows.decode(
            (ByteBuffer, Date, Int64, String?, String?, String, [String], String).self)
        {
            let hash = Array(buffer: hash).hex
            entries.append(
                Access(
                    id: hash, at: at, userName: userName, organisation: organisation, action: action, levels: levels,
                    outcome: outcome, cursor: "\(micros)|\(hash)"))
        }
        return entries
    }

    /// Everything the reader may see of the household, with its whole access log.
    struct Export: Encodable, Sendable {
        let generatedAt: Date
        let household: Household
        let careTeam: [CareTeamMember]
        let consents: [ConsentRecord]
        let diagnostics: [Diagnostic]
        let notes: [NoteRecord]
        /// The path (issue 5): its moves and every record of it the reader may see.
        let path: [TimelineEntry]
        let contracts: [Contract]
        let meetings: [Meeting]
        let aids: [Aid]
        let proposals: [Proposal]
        let calDecisions: [CALDecision]
        let leases: [Lease]
        let alerts: [Alert]
        let outcomes: [Outcome]
        /// The comités de suivi that reviewed the household (issue 6), and the requests made for it.
        let comites: [HouseholdComiteRecord]
        let comiteRequests: [ComiteRequestRecord]
        let accessLog: [Access]
    }

    @Sendable func export(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let format = request.uri.queryParameters["format"].map(String.init) ?? "json"
        guard ["json", "markdown"].contains(format) else {
            throw Problem.badRequest("Le paramètre « format » vaut json ou markdown.", field: "format")
        }
        let export = try await gate.run(id, action: "household.export", context: context) { connection, actor, facts in
            guard AccessRules.mayReadAccessLog(actor, facts) else {
                throw Problem.forbidden(
                    "L'export du dossier est fait par un professionnel tenu au secret de l'organisation référente.")
            }
            guard let household = try await HouseholdStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.notFound
            }
            var diagnostics: [Diagnostic] = []
            for version in try await DiagnosticStore.history(of: id, on: connection, logger: context.logger) {
                if let diagnostic = try await DiagnosticStore.load(
                    version.id, household: id, reader: actor, facts: facts, on: connection, logger: context.logger)
                {
                    diagnostics.append(diagnostic)
                }
            }
            var notes: [NoteRecord] = []
            var after: (Int64, UUID)?
            repeat {
                let page = try await HouseholdStore.notes(
                    of: id, after: after, limit: 500, on: connection, logger: context.logger)
                notes += page.filter { $0.isReadable(by: actor, facts) }
                after = page.count == 500 ? page.last.map { TimeCursor.key($0.writtenAt, $0.id) } : nil
            } while after != nil
            let path = try await TimelineStore.all(of: id, on: connection, logger: context.logger)
            let meetings = try await MeetingStore.list(of: id, on: connection, logger: context.logger)
            let aids = try await AidStore.list(of: id, on: connection, logger: context.logger)
            var log: [Access] = []
            var before: AccessCursor?
            repeat {
                let page = try await Self.entries(of: id, before: before, limit: 1000, on: connection, context: context)
                log += page
                before = page.count == 1000 ? page.last.flatMap { AccessCursor($0.cursor) } : nil
            } while before != nil
            let comites = try await ComiteMeetingStore.history(of: id, on: connection, logger: context.logger)
            let export = Export(
                generatedAt: Date(), household: household,
                careTeam: try await HouseholdStore.careTeam(of: id, on: connection, logger: context.logger),
                consents: try await HouseholdStore.consents(of: id, on: connection, logger: context.logger),
                diagnostics: diagnostics, notes: notes, path: path,
                contracts: try await ContractStore.list(of: id, on: connection, logger: context.logger),
                meetings: meetings, aids: aids,
                proposals: try await CandidacyStore.proposals(of: id, on: connection, logger: context.logger),
                calDecisions: try await CandidacyStore.decisions(of: id, on: connection, logger: context.logger),
                leases: try await LeaseStore.list(of: id, on: connection, logger: context.logger),
                alerts: try await AlertStore.list(of: id, on: connection, logger: context.logger),
                outcomes: try await OutcomeStore.list(of: id, on: connection, logger: context.logger),
                comites: comites.comites, comiteRequests: comites.requests, accessLog: log)
            let levels = diagnostics.reduce(into: Set<Level>([.partners])) { $0.formUnion($1.levels) }
                .union(notes.compactMap { Level(rawValue: $0.level) })
                .union(path.compactMap { Level(rawValue: $0.level) })
                .union(meetings.compactMap { $0.note.flatMap { Level(rawValue: $0.level) } })
                .union(comites.comites.compactMap { $0.decision?.discussion?.level })
                .union(comites.comites.flatMap { $0.actions.map(\.level) })
            return (export, .disclosed(levels))
        }
        if format == "markdown" {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/markdown; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"dossier-\(export.household.reference).md\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: ExportDocument.markdown(export))))
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.hub.encode(export))))
    }
}
