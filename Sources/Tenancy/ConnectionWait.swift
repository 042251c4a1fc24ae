import Foundation
import PostgresNIO

/// How long a request may wait for a pooled connection before it is answered 503.
///
/// With PostgreSQL stopped, PostgresNIO's pool keeps a lease request waiting while it backs
/// off between connection attempts (a fault-injection run saw every request hang 66 s,
/// `/health/ready` included). A request instead waits `limit` (HUB_DB_CONNECTION_WAIT_MS,
/// 1 s by default) and fails with `DatabaseUnavailable`, which the HTTP layer answers 503
/// with `Retry-After`. The limit is the request's, set once by the outermost middleware; the
/// background services and the operator commands run without one and wait as long as it
/// takes.
public enum ConnectionWait {
    @TaskLocal public static var limit: Duration?
    /// How long a request may hold a connection: past it the connection is closed and the pool
    /// replaces it. Across a PostgreSQL restart a query can wait on a connection that will never
    /// answer; closing it gives the pool its slot back. It did not, in the outage scenario, fail
    /// the query stuck inside the driver: `DeadlineResponder` is what answers that request.
    @TaskLocal public static var deadline: Duration?
}

/// No connection to the database within the request's wait, or a connection lost under it.
public struct DatabaseUnavailable: Error, Sendable {
    public init() {}
}

extension PostgresClient {
    /// `withConnection`, waiting at most `ConnectionWait.limit` for the lease, and holding the
    /// connection at most `ConnectionWait.deadline`.
    ///
    /// The lease is taken by a task of its own that lends the connection to this one and holds
    /// the lease until `body` is done: only the wait is bounded, never the work, and `body`
    /// runs in the caller's task (it need not be `Sendable`). That task is not a child: a lease
    /// request the pool does not give up on at once (PostgreSQL restarting) must not keep the
    /// request from answering 503 — a child would be awaited. A lease that arrives after the
    /// limit is given back at once.
    public func withConnectionOrUnavailable<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard let limit = ConnectionWait.limit else { return try await withConnection { try await body($0) } }
        let handoff = ConnectionHandoff()
        let lease = Task {
            do {
                try await self.withConnection { connection in await handoff.lend(connection) }
            } catch {
                // Only the lease can fail here (the pool gave up, or the wait was cancelled).
                await handoff.fail(DatabaseUnavailable())
            }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            await handoff.fail(DatabaseUnavailable())
        }
        let connection: PostgresConnection
        do {
            connection = try await handoff.borrow()
            timer.cancel()
        } catch {
            timer.cancel()
            lease.cancel()
            throw error
        }
        let watchdog = ConnectionWait.deadline.map { deadline in
            Task {
                try await Task.sleep(for: deadline)
                try? await connection.close()
            }
        }
        defer { watchdog?.cancel() }
        do {
            let result = try await body(connection)
            await handoff.giveBack()
            return result
        } catch {
            await handoff.giveBack()
            throw error
        }
    }
}

/// Passes a leased connection from the task that holds the lease to the task that uses it,
/// and back. The first of `lend` and `fail` decides what `borrow` gets; a connection lent
/// after a failure (the wait ran out) goes straight back to the pool.
actor ConnectionHandoff {
    private enum State {
        case waiting
        case lent(PostgresConnection)
        case failed(any Error)
        case returned
    }

    private var state = State.waiting
    private var borrower: CheckedContinuation<PostgresConnection, any Error>?
    private var lender: CheckedContinuation<Void, Never>?

    /// Called with the lease held; returns when the borrower gives the connection back.
    func lend(_ connection: PostgresConnection) async {
        guard case .waiting = state else { return }
        state = .lent(connection)
        if let borrower {
            self.borrower = nil
            borrower.resume(returning: connection)
        }
        await withCheckedContinuation { continuation in
            if case .returned = state { continuation.resume() } else { lender = continuation }
        }
    }

    func fail(_ error: any Error) {
        guard case .waiting = state else { return }
        state = .failed(error)
        if let borrower {
            self.borrower = nil
            borrower.resume(throwing: error)
        }
    }

    func borrow() async throws -> PostgresConnection {
        switch state {
        case .lent(let connection): return connection
        case .failed(let error): throw error
        case .waiting, .returned:
            return try await withCheckedThrowingContinuation { borrower = $0 }
        }
    }

    func giveBack() {
        state = .returned
        if let lender {
            self.lender = nil
            lender.resume()
        }
    }
}

extension PSQLError {
    /// The database is away or going away: the connection failed or was closed, the server
    /// is shutting down or starting up (SQLSTATE classes 08 and 57P), or the pool is closed.
    /// Worth a 503 and a retry, not a 500.
    public var meansDatabaseUnavailable: Bool {
        switch code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
            return true
        default:
            guard let state = serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || state.hasPrefix("57P")
        }
    }
}
