import Foundation
import PostgresNIO

/// How long a request may wait for a pooled connection before it is answered 503.
///
/// With PostgreSQL stopped, PostgresNIO's pool keeps a lease request waiting while it backs
/// off between connection attempts (a fault-injection run saw every request hang 66 s,
/// `/health/ready` included). A request instead waits `limit` (HUB_DB_CONNECTION_WAIT_MS,
/// 1 s by default) and fails with `DatabaseUnavailable`, which the HTTP layer answers 503
/// with `Retry-After`. The limit is the request's, set once by the outermost middleware, or
/// a background service round's (`ConnectionWait.round`); the operator commands run without
/// one and wait as long as it takes.
public enum ConnectionWait {
    @TaskLocal public static var limit: Duration?
    /// How long a request may hold a connection: past it the connection is closed and the pool
    /// replaces it, and the request is given up as below.
    @TaskLocal public static var deadline: Duration?
    /// Called when the request's connection closed under it and the request is still working
    /// on it a moment later: the request's outermost responder answers 503 at once and gives up
    /// the work.
    ///
    /// PostgresNIO (1.33.2) drops a query written on a connection whose channel is closed
    /// (`channel.write(…, promise: nil)` once the handlers are removed): its promise is never
    /// completed and the query waits forever. A PostgreSQL restart between two queries of one
    /// request does exactly that (the outage scenario, 1 request in 3 runs, and CI). Nothing
    /// of ours can fail that query, so the request is answered without it.
    @TaskLocal public static var connectionLost: ConnectionLostHandler?
}

extension ConnectionWait {
    /// How long a background service's round waits for a pooled connection: within the
    /// process's grace at shutdown (8 s), so that a stop during an outage is not held up.
    public static let serviceLeaseWait: Duration = .seconds(5)

    /// Runs one round of a background service's database work (the dispatcher's, the
    /// indicators' refresh, a checkpoint) so that the driver's hang above cannot stop the
    /// service. The outage scenario in CI saw a hub never end after SIGTERM: a service's
    /// query, sent across a PostgreSQL restart, never returned, so its loop never came back
    /// to see the shutdown, and dispatching had stopped since the restart.
    ///
    /// The work runs in a task of its own, its leases (`withConnectionOrUnavailable`) under
    /// `serviceLeaseWait` and watched: a connection lost under it ends the round at once with
    /// `DatabaseUnavailable`, its lease back in the pool, and the work is left to end (or
    /// not) on its own, cancelled. Cancelling the round does the same: a cancelled service
    /// ends now. The service goes on with its next round.
    public static func round<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value)
        async throws -> Value
    {
        let race = Race<Value>()
        let lost = ConnectionLostHandler { Task { await race.finish(.failure(DatabaseUnavailable())) } }
        let task = Task {
            await $limit.withValue(serviceLeaseWait) {
                await $connectionLost.withValue(lost) {
                    do {
                        await race.finish(.success(try await work()))
                    } catch {
                        await race.finish(.failure(error))
                    }
                }
            }
        }
        let outcome = await withTaskCancellationHandler {
            await race.outcome()
        } onCancel: {
            Task { await race.finish(.failure(CancellationError())) }
        }
        task.cancel()
        return try outcome.get()
    }
}

/// Work raced against what may give up on it (a deadline, a lost connection, a
/// cancellation): the first outcome wins, the later ones are dropped.
public actor Race<Value: Sendable> {
    private var result: Result<Value, any Error>?
    private var waiter: CheckedContinuation<Result<Value, any Error>, Never>?

    public init() {}

    public func finish(_ outcome: Result<Value, any Error>) {
        guard result == nil else { return }
        result = outcome
        waiter?.resume(returning: outcome)
        waiter = nil
    }

    public func outcome() async -> Result<Value, any Error> {
        if let result { return result }
        return await withCheckedContinuation { waiter = $0 }
    }
}

/// What `ConnectionWait.connectionLost` calls. A class, not a bare closure: a task-local
/// holding an optional closure crashed the release build in `swift_task_localValuePush` on
/// the first request (Swift 6.3.1; the debug build ran every test).
public final class ConnectionLostHandler: Sendable {
    private let handler: @Sendable () -> Void
    public init(_ handler: @escaping @Sendable () -> Void) { self.handler = handler }
    public func callAsFunction() { handler() }
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
        if let ambient = AmbientTransaction.connection { return try await body(ambient) }
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
        let timer = EventLoopTimer.after(limit) { Task { await handoff.fail(DatabaseUnavailable()) } }
        let connection: PostgresConnection
        do {
            connection = try await handoff.borrow()
            timer.cancel()
        } catch {
            timer.cancel()
            lease.cancel()
            throw error
        }
        let watchdog = Self.watch(
            connection, handoff: handoff, deadline: ConnectionWait.deadline, lost: ConnectionWait.connectionLost)
        defer { watchdog.cancel() }
        do {
            let result = try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) {
                try await body(connection)
            }
            await handoff.giveBack()
            return result
        } catch {
            await handoff.giveBack()
            throw error
        }
    }
}

extension PostgresClient {
    /// How often a request's connection is looked at while the request holds it.
    static let watchInterval: Duration = .milliseconds(100)

    /// Watches a connection lent to a request until the request gives it back (the returned
    /// task is cancelled then): past `deadline` it closes it; once it is closed, a query the
    /// request sends afterwards may never return (`ConnectionWait.connectionLost`), so if the
    /// request still holds it one interval later, the lease goes back to the pool and `lost` is
    /// called. A request almost always ends before the first look: the cost is one timer on the
    /// connection's event loop, removed when the request gives the connection back.
    fileprivate static func watch(
        _ connection: PostgresConnection, handoff: ConnectionHandoff, deadline: Duration?,
        lost: ConnectionLostHandler?
    ) -> RepeatedTask {
        let start = NIODeadline.now()
        let closedSeen = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: connection.eventLoop)
        let interval = TimeAmount(watchInterval)
        return connection.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
            if closedSeen.value {
                task.cancel()
                Task { if await handoff.abandon() { lost?() } }
            } else if connection.isClosed {
                closedSeen.value = true
            } else if let deadline, NIODeadline.now() - start >= TimeAmount(deadline) {
                connection.close().whenComplete { _ in }
            }
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

    /// The borrower is given up on (its connection closed under it): the lease goes back now.
    /// False if it had already given the connection back.
    func abandon() -> Bool {
        guard case .lent = state else { return false }
        giveBack()
        return true
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
