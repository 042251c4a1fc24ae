import Foundation
import Logging
import PostgresNIO
import Tenancy

/// What a request disclosed (the levels it read) or changed, about which households, or that
/// it was denied: the audit's record (R11). `append` writes it under the request's action in
/// the request's own transaction (`audit_append`, sql/0002), so that nothing is disclosed if
/// it cannot be recorded. The gates take it from their bodies: a household route's names no
/// household (the gate knows which), a comité route's names those its agenda touched.
struct Disclosure: Sendable {
    enum Outcome: String, Sendable { case disclosed, changed, denied }

    var households: [UUID]
    var levels: Set<Level>
    var outcome: Outcome

    static func disclosed(_ households: [UUID], _ levels: Set<Level> = [.partners]) -> Disclosure {
        Disclosure(households: households, levels: levels, outcome: .disclosed)
    }

    static func disclosed(_ levels: Set<Level>) -> Disclosure { .disclosed([], levels) }

    static func changed(_ households: [UUID] = [], _ levels: Set<Level> = [.partners]) -> Disclosure {
        Disclosure(households: households, levels: levels, outcome: .changed)
    }

    static func changed(_ levels: Set<Level>) -> Disclosure { .changed([], levels) }

    /// The chain it joins: the household's when it concerns one household, else the acting
    /// organisation's (lists, denied attempts). See the chain's design in sql/0002.
    func chain(for actor: Actor) -> String {
        if households.count == 1, outcome != .denied { return "household:\(households[0].uuidString.lowercased())" }
        return "organisation:\(actor.organisationID.uuidString.lowercased())"
    }
}

extension PostgresConnection {
    func append(
        _ action: String, _ disclosure: Disclosure, actor: Actor, requestID: String, logger: Logger
    ) async throws {
        try await perform(
            """
            SELECT audit_append(\(disclosure.chain(for: actor)), \(disclosure.households), \(action),
                                \(disclosure.levels.sorted().map(\.rawValue)), \(disclosure.outcome.rawValue),
                                \(requestID))
            """, logger: logger)
    }
}

extension PostgresClient {
    /// The actor's transaction for a request whose every outcome is audited (R11), shared by
    /// the household and comité gates: the body returns its result with the record of what it
    /// disclosed or changed, written in the same transaction; a 404 or 403 it throws is
    /// recorded as a denial and committed, and the answer still says nothing more.
    func audited<Result: Sendable>(
        action: String, denying households: [UUID], context: AuthenticatedContext,
        _ body: (PostgresConnection, Actor) async throws -> (Result, Disclosure)
    ) async throws -> Result {
        let actor = context.actor
        let outcome: Swift.Result<Result, Problem> = try await withActor(actor, logger: context.logger) {
            connection in
            do {
                let (result, disclosure) = try await body(connection, actor)
                try await connection.append(
                    action, disclosure, actor: actor, requestID: context.id, logger: context.logger)
                return .success(result)
            } catch let problem as Problem where [.notFound, .forbidden].contains(problem.status) {
                let denied = Disclosure(households: households, levels: [], outcome: .denied)
                try await connection.append(
                    action, denied, actor: actor, requestID: context.id, logger: context.logger)
                return .failure(problem)
            }
        }
        return try outcome.get()
    }
}
