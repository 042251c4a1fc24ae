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
    /// the transaction is rolled back, so that callers can catch their own domain errors.
    public func transaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }
}

extension PostgresConnection {
    public func applySettings(of actor: Actor, logger: Logger) async throws {
        try await query(
            """
            SELECT set_config('app.user_id', \(actor.userID.uuidString), true),
                   set_config('app.org_id', \(actor.organisationID.uuidString), true),
                   set_config('app.roles', \(actor.rolesSetting), true),
                   set_config('app.bound', \(actor.boundBySecret ? "true" : "false"), true)
            """, logger: logger)
    }
}
