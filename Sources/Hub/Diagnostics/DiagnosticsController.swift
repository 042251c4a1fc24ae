import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Tenancy

/// The diagnostic social partagé: the grid, the versions, drafts edited with ETag /
/// If-Match (a stale write gets 412), validation. Nothing here scores or ranks people.
struct DiagnosticsController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("diagnostic-grid", use: grid)
        group.get("households/:householdId/diagnostics", use: history)
        group.post("households/:householdId/diagnostics", use: startDraft)
        group.get("households/:householdId/diagnostics/:diagnosticId", use: show)
        group.put("households/:householdId/diagnostics/:diagnosticId", use: update)
        group.post("households/:householdId/diagnostics/:diagnosticId/validate", use: validate)
    }

    struct Grid: ResponseEncodable {
        let sections: [DiagnosticGrid.Section]
        let assessments: [String]
    }

    @Sendable func grid(_ request: Request, context: AuthenticatedContext) async throws -> Grid {
        _ = try context.actorBeyondAggregates()
        return Grid(sections: DiagnosticGrid.sections, assessments: Assessment.allCases.map(\.rawValue))
    }

    @Sendable func history(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<
        DiagnosticSummary
    > {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "diagnostic.history", context: context) { connection, _, _ in
            let versions = try await DiagnosticStore.history(of: id, on: connection, logger: context.logger)
            return (ItemList(items: versions), .disclosed([.partners]))
        }
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let diagnosticID = try context.parameters.uuid("diagnosticId")
        let diagnostic = try await gate.run(id, action: "diagnostic.read", context: context) {
            connection, actor, facts in
            guard
                let diagnostic = try await DiagnosticStore.load(
                    diagnosticID, household: id, reader: actor, facts: facts, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            return (diagnostic, .disclosed(diagnostic.levels))
        }
        return try withETag(diagnostic, request: request, context: context)
    }

    @Sendable func startDraft(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let diagnostic = try await gate.run(id, action: "diagnostic.start", context: context) {
            connection, actor, facts in
            try requireWriter(actor, facts)
            let referent = try await HouseholdStore.find(id, on: connection, logger: context.logger)?.referentName ?? ""
            let draftID = try await DiagnosticStore.startDraft(
                id, by: actor, referentName: referent, on: connection, logger: context.logger)
            let draft = try await DiagnosticStore.load(
                draftID, household: id, reader: actor, facts: facts, on: connection, logger: context.logger)!
            return (draft, .changed(draft.levels))
        }
        var response = try withETag(diagnostic, request: request, context: context, status: .created)
        response.headers[.location] = "/v1/households/\(id)/diagnostics/\(diagnostic.id)"
        return response
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let diagnosticID = try context.parameters.uuid("diagnosticId")
        let expected = try ifMatch(request)
        let body = try await request.decodeJSON(as: DiagnosticUpdate.self, context: context)
        let entries = try body.entries()
        let diagnostic = try await gate.run(id, action: "diagnostic.update", context: context) {
            connection, actor, facts in
            try requireWriter(actor, facts)
            try await requireCurrentDraft(
                diagnosticID, household: id, expected: expected, on: connection, context: context)
            try await DiagnosticStore.replaceDraft(
                diagnosticID, household: id, referentName: body.referentName.trimmed, entries: entries, by: actor,
                on: connection, logger: context.logger)
            let draft = try await DiagnosticStore.load(
                diagnosticID, household: id, reader: actor, facts: facts, on: connection, logger: context.logger)!
            return (draft, .changed(Set(entries.map(\.level)).union([.partners])))
        }
        return try withETag(diagnostic, request: request, context: context)
    }

    @Sendable func validate(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("householdId")
        let diagnosticID = try context.parameters.uuid("diagnosticId")
        let expected = try ifMatch(request)
        let body = try await request.decodeOptionalJSON(as: DiagnosticValidation.self, context: context)
        let diagnostic = try await gate.run(id, action: "diagnostic.validate", context: context) {
            connection, actor, facts in
            try requireWriter(actor, facts)
            try await requireCurrentDraft(
                diagnosticID, household: id, expected: expected, on: connection, context: context)
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let validatedOn = try path.day(body?.validatedOn, field: "validatedOn")
            try await DiagnosticStore.validate(
                diagnosticID, on: validatedOn, by: actor, on: connection, logger: context.logger)
            // The first validated version moves an accepted household on; a diagnostic written
            // before acceptance or enriched later leaves the path where it is.
            if case .success(let next) = HouseholdPath.next(.validateDiagnostic, from: path.facts),
                next != path.facts.state
            {
                try await PathStore.move(
                    id, to: next, on: validatedOn, connection: connection, logger: context.logger)
            }
            let validated = try await DiagnosticStore.load(
                diagnosticID, household: id, reader: actor, facts: facts, on: connection, logger: context.logger)!
            return (validated, .changed())
        }
        return try withETag(diagnostic, request: request, context: context)
    }

    func requireWriter(_ actor: Actor, _ facts: HouseholdFacts) throws {
        guard AccessRules.mayWriteDiagnostic(actor, facts) else {
            throw Problem.forbidden(
                "Le diagnostic est rédigé par les professionnels tenus au secret de l'organisation référente.")
        }
    }

    /// A draft of this household whose revision is the one the writer read.
    func requireCurrentDraft(
        _ id: UUID, household: UUID, expected: IfMatch, on connection: PostgresConnection, context: AuthenticatedContext
    ) async throws {
        guard
            let revision = try await DiagnosticStore.draftRevision(
                id, household: household, on: connection, logger: context.logger)
        else {
            throw Problem.conflict("Seul un brouillon se modifie ou se valide ; une version validée ne change plus.")
        }
        guard expected.matches("\"\(id.uuidString.lowercased())-\(revision)\"") else {
            throw Problem.preconditionFailed
        }
    }

    /// If-Match as RFC 9110 reads it: `*` (any current draft) or entity tags separated by
    /// commas. Absent, a write could silently overwrite a colleague's change: 428.
    func ifMatch(_ request: Request) throws -> IfMatch {
        guard let value = request.headers[.ifMatch] else { throw Problem.preconditionRequired }
        guard let condition = IfMatch(value) else {
            throw Problem.badRequest(
                "L'en-tête If-Match porte l'ETag du brouillon lu, entre guillemets, tel que l'en-tête ETag l'a donné.",
                field: "If-Match")
        }
        return condition
    }

    func withETag(
        _ diagnostic: Diagnostic, request: Request, context: AuthenticatedContext, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var response = try EditedResponse(status: status, response: diagnostic).response(
            from: request, context: context)
        response.headers[.eTag] = diagnostic.etag
        return response
    }
}

extension Problem {
    static let preconditionFailed = Problem(
        status: .preconditionFailed, code: "stale", title: "Version périmée",
        detail: "Le brouillon a été modifié depuis votre lecture : relisez-le avant de l'enregistrer.")

    static let preconditionRequired = Problem(
        status: .preconditionRequired, code: "precondition-required", title: "En-tête If-Match requis",
        detail: "Indiquez dans If-Match l'ETag du brouillon lu, pour ne pas écraser la modification d'un collègue.")
}

/// The condition of an If-Match header (RFC 9110 §13.1.1). A weak tag never matches: the
/// comparison is strong, and the draft's tags are strong.
enum IfMatch: Equatable {
    case anyCurrent
    case tags(Set<String>)

    init?(_ header: String) {
        let value = header.trimmingCharacters(in: .whitespaces)
        if value == "*" {
            self = .anyCurrent
            return
        }
        var strong: Set<String> = []
        var rest = Substring(value)
        while true {
            let weak = rest.hasPrefix("W/")
            if weak { rest = rest.dropFirst(2) }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { return nil }
            if !weak { strong.insert(String(rest[...close])) }
            rest = rest[rest.index(after: close)...].drop(while: { $0 == " " || $0 == "\t" })
            if rest.isEmpty { break }
            guard rest.first == "," else { return nil }
            rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        }
        self = .tags(strong)
    }

    func matches(_ tag: String) -> Bool {
        switch self {
        case .anyCurrent: true
        case .tags(let tags): tags.contains(tag)
        }
    }
}
