import Foundation
import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in one transaction whose row level security settings are the actor's
    /// (ACCESS.md §4). The settings are transaction-local (`set_config(…, true)`): they end
    /// with COMMIT or ROLLBACK, so the pooled connection carries nothing to the next request.
    public func withActor<Result: Sendable>(
        _ actor: Actor, logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction(logger: logger) { connection in
            try await connection.applySettings(of: actor, logger: logger)
            return try await body(connection)
        }
    }

    /// `withTransaction`, except that an error thrown by `body` comes out as itself once
    /// the transaction is rolled back, so that callers can catch their own domain errors,
    /// and that a request waits for its connection no longer than `ConnectionWait.limit`.
    public func transaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if let ambient = AmbientTransaction.connection { return try await body(ambient) }
        do {
            return try await withConnectionOrUnavailable { connection in
                try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            // The connection died under the transaction (a restart): the database is away,
            // whatever step noticed it first.
            let steps = [error.beginError, error.closureError, error.commitError, error.rollbackError]
            if steps.contains(where: { ($0 as? PSQLError)?.meansDatabaseUnavailable == true }) {
                throw DatabaseUnavailable()
            }
            throw error
        }
    }
}

extension PostgresConnection {
    /// Runs a statement for its effect and reads its answer to the end. A `SELECT f()`
    /// whose function raises reports the error only after its row description: left
    /// unread, the error is lost, the transaction is silently aborted and its COMMIT
    /// becomes a ROLLBACK — an audit record would vanish while the data went out.
    public func perform(_ statement: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await query(statement, logger: logger) {}
    }

    public func applySettings(of actor: Actor, logger: Logger) async throws {
        try await perform(
            """
            SELECT set_config('app.user_id', \(actor.userID.uuidString), true),
                   set_config('app.org_id', \(actor.organisationID.uuidString), true),
                   set_config('app.roles', \(actor.rolesSetting), true),
                   set_config('app.bound', \(actor.boundBySecret ? "true" : "false"), true)
            """, logger: logger)
    }
}

/// A transaction the caller already holds, which every `transaction` (hence every `withActor`
/// and `withConnectionOrUnavailable`) of the task joins instead of opening its own.
///
/// The import of a caseload (`Importer`) writes one household through the API's own handlers,
/// several requests in a row, and must leave nothing of it if one of them is refused: it opens
/// one transaction and runs the requests inside it, then commits or rolls back the whole
/// household. Nothing else sets it.
public enum AmbientTransaction {
    @TaskLocal public static var connection: PostgresConnection?
}
