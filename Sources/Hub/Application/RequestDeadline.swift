import Foundation
import Hummingbird
import Logging
import Tenancy

/// The outermost responder: gives each request its random id (`RandomRequestID`), and an
/// answer within `deadline` — past it, a 503 problem+json with `Retry-After`, logged with the
/// request's id. A request whose database connection closed under it is answered 503 at once
/// (`ConnectionWait.connectionLost`).
///
/// A fault-injection run, and the outage scenario, saw a request now and then wait forever
/// across a PostgreSQL restart: a query sent on a connection the server was closing never
/// completed, in the database driver, where no cancellation or timeout of ours reaches. The
/// router's work therefore runs in a task of its own, raced against the deadline; if the
/// deadline wins, the answer goes out and the stuck work is left to end (or not) on its own.
/// Structured concurrency would have to wait for it, which is the very hang.
struct DeadlineResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == HubRequestContext {
    typealias Context = HubRequestContext
    let inner: Inner
    let deadline: Duration

    func respond(to request: Request, context: Context) async throws -> Response {
        // Each request's id, given here once, outermost: the router's answers and log lines and
        // the deadline's share it.
        var identified = context
        identified.logger[metadataKey: "hb.request.id"] = "\(RandomRequestID())"
        let context = identified
        let race = Race<Response>()
        let lost = ConnectionLostHandler { Task { await race.finish(.failure(ConnectionLost())) } }
        let work = Task {
            await ConnectionWait.$connectionLost.withValue(lost) {
                do {
                    await race.finish(.success(try await inner.respond(to: request, context: context)))
                } catch {
                    await race.finish(.failure(error))
                }
            }
        }
        let deadline = ImportController.isImport(request.uri.path) ? max(deadline, ImportController.deadline) : deadline
        let timer = EventLoopTimer.after(deadline) { Task { await race.finish(.failure(DeadlineExceeded())) } }
        let outcome = await withTaskCancellationHandler {
            await race.outcome()
        } onCancel: {
            work.cancel()
        }
        timer.cancel()
        switch outcome {
        case .success(let response):
            return response
        case .failure(let error) where error is DeadlineExceeded:
            context.logger.error(
                "request deadline exceeded: answered 503, the work is abandoned",
                metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)"])
            return try abandon(
                work,
                answering: .unavailable(
                    "La requête n'a pas abouti à temps : le service est momentanément perturbé. Réessayez dans quelques secondes."
                ), request: request, context: context)
        case .failure(let error) where error is ConnectionLost:
            context.logger.warning(
                "database connection lost under the request: answered 503, the work is abandoned",
                metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)"])
            return try abandon(work, answering: .databaseUnavailable, request: request, context: context)
        case .failure(let error):
            throw error
        }
    }

    /// Answers `problem` for work that is given up on. The HTTP connection is closed after
    /// this answer: the abandoned work still holds the request, and the next one must not
    /// wait behind it.
    private func abandon(
        _ work: Task<Void, Never>, answering problem: Problem, request: Request, context: Context
    ) throws -> Response {
        work.cancel()
        var response = try problem.response(from: request, context: context)
        response.headers[.connection] = "close"
        response.headers[.requestID] = context.id
        return response
    }

    struct DeadlineExceeded: Error {}
    /// `ConnectionWait.connectionLost` was called: the request's database connection closed
    /// under it and the work did not end.
    struct ConnectionLost: Error {}
}
