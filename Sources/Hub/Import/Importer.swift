import Foundation
import Hummingbird
import Logging
import Notify
import PostgresNIO
import Tenancy

/// Brings a caseload into a programme, one household per line (`ImportLine`), for the `hub
/// import` command and `POST /v1/programmes/{id}/imports` alike.
///
/// Each fact of a line is recorded by the API's own handler, as the importing user would by
/// hand: the rules, the days, the access model and the audit are the API's by construction,
/// not a second copy of them. The calls of one line run in one transaction that the import
/// holds (`AmbientTransaction`): a refused call rolls the whole household back, and a dry run
/// rolls every household back. Notifications stay silent (`Outbox.silenced`): history is not
/// news, and the import itself is audited, with the importing user, on each household.
struct Importer: Sendable {
    let client: PostgresClient
    /// The API, as the import calls it in-process (`ImportAPI`).
    let api: ImportAPI
    let programme: UUID
    let actor: Actor
    /// A housing officer of the programme's bailleur, for the bailleur's facts of a line
    /// (`housing`): only `hub import --landlord-as` has one, since no user acts for another
    /// organisation through the API.
    var landlord: Actor? = nil
    let dryRun: Bool
    /// The import's request id: every audit record it writes carries it.
    let requestID: String
    let logger: Logger

    /// A bound social worker or service head: who writes a household's facts (ACCESS.md).
    static func mayImport(_ actor: Actor) -> Bool {
        actor.boundBySecret && (actor.has(.socialWorker) || actor.has(.serviceHead))
    }

    static let importerOnly =
        "Un import est fait par un travailleur social ou un chef de service tenu au secret d'une organisation du programme."

    enum Outcome: String, Sendable, Encodable {
        /// Written now (or, on a dry run, would be).
        case imported
        /// Already imported from the same line: nothing changed.
        case unchanged
        case refused
    }

    struct Result: Sendable, Encodable {
        let line: Int
        let reference: String?
        let outcome: Outcome
        let householdId: UUID?
        let householdReference: String?
        let refusals: [ImportRefusals.Refusal]
    }

    /// Imports the lines `next` reads (numbered, blank ones left out), `parallel` households at
    /// a time, each in its own transaction, and hands each result to `emit` in the file's
    /// order. At most `parallel` lines are held, whatever the file's size. Throws only when
    /// the database is away, which ends the import (the households before are kept, each whole).
    func importAll(
        parallel: Int, next: () throws -> (number: Int, bytes: [UInt8])?, emit: (Result) throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Result.self) { group in
            var done: [Int: Result] = [:]
            var order: [Int] = []
            // The lines being written, by number: their reference and digest.
            var writing: [Int: (reference: String, digest: [UInt8])] = [:]
            // A dry run writes nothing: what its earlier lines would have imported.
            var seen: [String: [UInt8]] = [:]
            func flush() throws {
                while let first = order.first, let result = done.removeValue(forKey: first) {
                    order.removeFirst()
                    try emit(result)
                }
            }
            func collectOne() async throws {
                guard let result = try await group.next() else { return }
                if let line = writing.removeValue(forKey: result.line), dryRun, result.outcome != .refused {
                    seen[line.reference] = line.digest
                }
                done[result.line] = result
                try flush()
            }
            while let (number, bytes) = try next() {
                // A request answered 503 (deadline, database lost) stops reading its file.
                try Task.checkCancellation()
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                order.append(number)
                let line: ImportLine
                do {
                    line = try ImportLine(bytes)
                } catch let error as ImportRefusals {
                    done[number] = Result(
                        line: number, reference: nil, outcome: .refused, householdId: nil, householdReference: nil,
                        refusals: error.refusals)
                    try flush()
                    continue
                }
                // One household per reference at a time: a reference given twice in the file is
                // written once, then found, whatever `parallel` is.
                while writing.values.contains(where: { $0.reference == line.reference }) { try await collectOne() }
                if let earlier = seen[line.reference] {
                    done[number] =
                        earlier == line.digest
                        ? Result(
                            line: number, reference: line.reference, outcome: .unchanged, householdId: nil,
                            householdReference: nil, refusals: [])
                        : refused(number, line, ImportRefusals(field: "reference", Self.otherContent(line.reference)))
                    try flush()
                    continue
                }
                writing[number] = (line.reference, line.digest)
                group.addTask { try await importLine(number, line) }
                while writing.count >= parallel { try await collectOne() }
            }
            while !writing.isEmpty { try await collectOne() }
            try flush()
        }
    }

    /// One line in its transaction. A refused line is audited as a denied import: its own
    /// records went with its rollback.
    private func importLine(_ number: Int, _ line: ImportLine) async throws -> Result {
        let result = try await outcome(of: line, number)
        if result.outcome == .refused {
            try await client.withActor(actor, logger: logger) { connection in
                try await connection.append(
                    "household.import", Disclosure(households: [], levels: [], outcome: .denied), actor: actor,
                    requestID: requestID, logger: logger)
            }
        }
        return result
    }

    private func outcome(of line: ImportLine, _ number: Int) async throws -> Result {
        do {
            let (household, outcome) = try await write(line)
            return Result(
                line: number, reference: line.reference, outcome: outcome, householdId: dryRun ? nil : household.id,
                householdReference: dryRun ? nil : household.reference, refusals: [])
        } catch let refusals as ImportRefusals {
            return refused(number, line, refusals)
        } catch is DryRunRollback {
            return Result(
                line: number, reference: line.reference, outcome: .imported, householdId: nil,
                householdReference: nil, refusals: [])
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // Two imports of one reference at once: the other one kept it first.
            return refused(
                number, line,
                ImportRefusals(
                    field: "reference",
                    "La référence « \(line.reference) » vient d'être importée par un autre import : relancez celui-ci, la ligne sera reconnue."
                ))
        } catch let error as PSQLError where !error.meansDatabaseUnavailable {
            // The SQLSTATE only: the server's detail can quote the line's values.
            let state = error.serverInfo?[.sqlState] ?? "-"
            logger.error("import: a line's transaction failed", metadata: ["sqlstate": "\(state)"])
            return refused(
                number, line,
                ImportRefusals(
                    field: nil,
                    "La base de données a refusé ce ménage (code \(state)) : rien n'en est écrit. Réessayez ; si le refus persiste, transmettez ce code au support."
                ))
        }
    }

    private func refused(_ number: Int, _ line: ImportLine, _ refusals: ImportRefusals) -> Result {
        Result(
            line: number, reference: line.reference, outcome: .refused, householdId: nil, householdReference: nil,
            refusals: refusals.refusals)
    }

    static func otherContent(_ reference: String) -> String {
        "La référence « \(reference) » est déjà importée avec un autre contenu : rien n'est fusionné. Corrigez ce ménage dans le hub, ou donnez-lui une autre référence."
    }

    /// A dry run's way out of its transaction: thrown after the last call, it rolls back what
    /// the line would have imported.
    private struct DryRunRollback: Error {}

    /// One household in one transaction: its reference looked up, its facts recorded, the
    /// import kept and audited.
    private func write(_ line: ImportLine) async throws -> (household: HouseholdRef, outcome: Outcome) {
        try await client.withActor(actor, logger: logger) { connection in
            if let known = try await ImportStore.find(line.reference, on: connection, logger: logger) {
                guard known.digest == line.digest else {
                    throw ImportRefusals(field: "reference", Self.otherContent(line.reference))
                }
                return (known.household, .unchanged)
            }
            let household = try await AmbientTransaction.$connection.withValue(connection) {
                try await Outbox.$silenced.withValue(true) { try await record(line, on: connection) }
            }
            // The calls left the settings of the last one's actor (the bailleur's, maybe).
            try await connection.applySettings(of: actor, logger: logger)
            try await ImportStore.keep(line, household: household.id, by: actor, on: connection, logger: logger)
            try await connection.append(
                "household.import", .changed([household.id]), actor: actor, requestID: requestID, logger: logger)
            if dryRun { throw DryRunRollback() }
            return (household, .imported)
        }
    }

    struct HouseholdRef: Sendable {
        let id: UUID
        let reference: String?
    }

    /// The line's facts, each by its API call, in the order of the path.
    private func record(_ line: ImportLine, on connection: PostgresConnection) async throws -> HouseholdRef {
        var orientation = line.object("orientation") ?? [:]
        orientation["programmeId"] = programme.uuidString
        let oriented = try await api.call(
            .post, "/v1/households", orientation, field: "orientation", as: actor, requestID: requestID)
        guard let id = (oriented.object["id"] as? String).flatMap(UUID.init(uuidString:)),
            let reference = oriented.object["reference"] as? String
        else { throw ImportRefusals(field: "orientation", "L'orientation n'a pas rendu de ménage.") }
        let household = "/v1/households/\(id)"
        @discardableResult
        func call(
            _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]?, field: String,
            ifMatch: String? = nil, as who: Actor? = nil
        ) async throws -> ImportAPI.Answer {
            try await api.call(
                method, household + path, body, field: field, ifMatch: ifMatch, as: who ?? actor, requestID: requestID)
        }

        if let decline = line.object("decline") {
            try await call(.post, "/decline", decline, field: "decline")
        }
        if var acceptance = line.object("acceptance") {
            // The référent by e-mail, as an importer knows them; the importing user by default.
            if let email = acceptance.removeValue(forKey: "referentEmail") {
                guard let email = email as? String, !email.contains("\0"),
                    let referent = try await ImportStore.referent(email: email, on: connection, logger: logger)
                else {
                    throw ImportRefusals(
                        field: "acceptance.referentEmail",
                        "Aucun travailleur social actif de votre organisation n'a cette adresse.")
                }
                acceptance["referentUserId"] = referent.uuidString
            } else if acceptance["referentUserId"] == nil {
                acceptance["referentUserId"] = actor.userID.uuidString
            }
            try await call(.post, "/accept", acceptance, field: "acceptance")
        }
        for (index, member) in line.list("careTeam").enumerated() {
            try await call(.post, "/care-team", member, field: "careTeam[\(index)]")
        }
        for (index, consent) in line.list("consents").enumerated() {
            try await call(.post, "/consents", consent, field: "consents[\(index)]")
        }
        for (index, diagnostic) in line.list("diagnostics").enumerated() {
            // Its parts were checked with the line (`ImportLine`).
            let field = "diagnostics[\(index)]"
            let draft = try await call(.post, "/diagnostics", nil, field: field)
            let path = "/diagnostics/\(draft.object["id"] as? String ?? "")"
            let content = try await call(
                .put, path, diagnostic["content"] as? [String: Any], field: "\(field).content", ifMatch: draft.etag)
            if let validatedOn = diagnostic["validatedOn"] {
                try await call(
                    .post, path + "/validate", ["validatedOn": validatedOn], field: field, ifMatch: content.etag)
            }
        }
        if let contract = line.object("contract") {
            try await call(.post, "/contracts", contract, field: "contract")
        }
        if let housing = line.object("housing") {
            try await recordHousing(housing, household: household)
        }
        for (index, meeting) in line.list("meetings").enumerated() {
            try await call(.post, "/meetings", meeting, field: "meetings[\(index)]")
        }
        for (index, aid) in line.list("aids").enumerated() {
            try await call(.post, "/aids", aid, field: "aids[\(index)]")
        }
        if let end = line.object("end") {
            try await call(.post, "/end", end, field: "end")
        }
        return HouseholdRef(id: id, reference: reference)
    }
}

extension Importer {
    /// The flat, its proposal, the household's answer, the CAL's decision and the alerts are
    /// the bailleur's (recorded as `landlord`); the lease and the entry are the référent's.
    /// The section's parts were checked with the line (`ImportLine`).
    fileprivate func recordHousing(_ housing: [String: Any], household: String) async throws {
        guard let landlord else {
            throw ImportRefusals(
                field: "housing",
                "Le logement, la proposition, la décision de la CAL et les alertes sont enregistrés par le bailleur : importez ce ménage par la commande « hub import --landlord-as », au nom d'un chargé de gestion locative du bailleur."
            )
        }
        @discardableResult
        func call(_ path: String, _ body: [String: Any]?, field: String, as who: Actor) async throws
            -> ImportAPI.Answer
        {
            try await api.call(.post, path, body, field: field, as: who, requestID: requestID)
        }
        var flatID = housing["flatId"] as? String
        if let flat = housing["flat"] as? [String: Any] {
            flatID = try await call("/v1/flats", flat, field: "housing.flat", as: landlord).object["id"] as? String
        }
        guard let flatID else {
            throw ImportRefusals(field: "housing.flat", "Le logement proposé est requis : « flat » ou « flatId ».")
        }
        let proposal = try await call(
            household + "/proposals", ["flatId": flatID, "proposedOn": housing["proposedOn"] ?? NSNull()],
            field: "housing", as: landlord)
        let proposalPath = household + "/proposals/\(proposal.object["id"] as? String ?? "")"
        if let answer = housing["answer"] as? [String: Any] {
            try await call(proposalPath + "/answer", answer, field: "housing.answer", as: landlord)
        }
        if var decision = housing["calDecision"] as? [String: Any] {
            decision["proposalId"] = proposal.object["id"]
            try await call(household + "/cal-decisions", decision, field: "housing.calDecision", as: landlord)
        }
        if let lease = housing["lease"] as? [String: Any] {
            let signed = try await call(household + "/leases", lease, field: "housing.lease", as: actor)
            if let entry = housing["entryInspectionOn"] {
                try await call(
                    household + "/leases/\(signed.object["id"] as? String ?? "")/entry", ["entryInspectionOn": entry],
                    field: "housing", as: actor)
            }
        }
        for (index, alert) in (housing["alerts"] as? [[String: Any]] ?? []).enumerated() {
            var alert = alert
            let resolution = alert.removeValue(forKey: "resolution") as? [String: Any]
            let reported = try await call(
                household + "/alerts", alert, field: "housing.alerts[\(index)]", as: landlord)
            if let resolution {
                try await call(
                    household + "/alerts/\(reported.object["id"] as? String ?? "")/resolve", resolution,
                    field: "housing.alerts[\(index)].resolution", as: landlord)
            }
        }
    }
}

/// The API as the import calls it: the hub's router, without the request log (one line per
/// imported fact would drown the log) and without the connection wait (the import holds its
/// connection), for an actor the import already knows.
struct ImportAPI: Sendable {
    let responder: RouterResponder<HubRequestContext>

    struct Answer {
        let object: [String: Any]
        let etag: String?
    }

    init(client: PostgresClient, migrator: Migrator, session: SessionPolicy) {
        let router = Router(context: HubRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: NullCharacterMiddleware())
        addRoutes(to: router, client: client, migrator: migrator, session: session, imports: false)
        responder = router.buildResponder()
    }

    /// One call; a refusal names its field within the line (`field` + the API's field).
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]?, field: String, ifMatch: String? = nil,
        as actor: Actor, requestID: String
    ) async throws -> Answer {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let ifMatch { headers[.ifMatch] = ifMatch }
        let buffer = try body.map { ByteBuffer(data: try JSONSerialization.data(withJSONObject: $0)) } ?? ByteBuffer()
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "import", path: path, headerFields: headers),
            body: RequestBody(buffer: buffer))
        var logger = Logger(label: "hub.import")
        logger.logLevel = .warning
        logger[metadataKey: "hb.request.id"] = "\(requestID)"
        let response = try await responder.respond(
            to: request, context: HubRequestContext(inProcessFor: actor, logger: logger))
        let collector = BodyCollector()
        try await response.body.write(collector)
        let object =
            (try? JSONSerialization.jsonObject(with: Data(buffer: collector.buffer)) as? [String: Any]) ?? [:]
        switch response.status.code {
        case 200..<300:
            return Answer(object: object, etag: response.headers[.eTag])
        case 503:
            throw DatabaseUnavailable()
        default:
            let inner = object["field"] as? String
            throw ImportRefusals(
                field: inner.map { "\(field).\($0)" } ?? field,
                object["detail"] as? String ?? "Refusé (\(response.status.code)).")
        }
    }

    /// Reads a response's body into memory (the answers of single facts are small).
    private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
        var buffer = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            self.buffer.writeBuffer(&buffer)
        }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}

/// The imports kept (`household_imports`, sql/0019), under the importer's settings.
enum ImportStore {
    struct Known {
        let household: Importer.HouseholdRef
        let digest: [UInt8]
    }

    static func find(_ reference: String, on connection: PostgresConnection, logger: Logger) async throws -> Known? {
        let rows = try await connection.query(
            """
            SELECT i.household_id, (SELECT h.reference FROM households h WHERE h.id = i.household_id),
                   i.content_sha256
            FROM household_imports i
            WHERE i.lead_organisation_id = app_org_id() AND i.reference = \(reference)
            """, logger: logger)
        // The household may have left the importer's door since (another lead, a consent
        // ended): its reference is still taken, by the household it was.
        for try await (id, householdReference, digest) in rows.decode((UUID, String?, ByteBuffer).self) {
            return Known(
                household: Importer.HouseholdRef(id: id, reference: householdReference),
                digest: Array(digest.readableBytesView))
        }
        return nil
    }

    static func keep(
        _ line: ImportLine, household: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            """
            INSERT INTO household_imports (lead_organisation_id, reference, household_id, content_sha256, imported_by)
            VALUES (\(actor.organisationID), \(line.reference), \(household), \(ByteBuffer(bytes: line.digest)),
                    \(actor.userID))
            """, logger: logger)
    }

    /// An active social worker or service head of the importer's organisation, by e-mail.
    static func referent(email: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            """
            SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE lower(u.email) = lower(\(email)) AND m.organisation_id = app_org_id() AND m.disabled_at IS NULL
              AND m.roles && ARRAY['socialWorker', 'serviceHead']
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}
