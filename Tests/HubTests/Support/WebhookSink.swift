import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A partner's webhook receiver on loopback: it records every request and answers as told
/// (a status, or nothing at all until the sender gives up).
final class WebhookSink: Sendable {
    struct Received: Sendable {
        let eventID: String
        let topic: String
        let timestamp: String
        let signature: String
        let body: [UInt8]
        let at: ContinuousClock.Instant
        let path: String
    }

    enum Answer: Sendable {
        case status(HTTPResponse.Status)
        case hang
        /// 200, after holding the request this long (a slow receiver).
        case after(Duration)
    }

    actor State {
        var received: [Received] = []
        var answer = Answer.status(.ok)
        func record(_ request: Received) -> Answer {
            received.append(request)
            return answer
        }
        func set(_ answer: Answer) { self.answer = answer }
    }

    let state: State
    let port: Int
    private let task: Task<Void, any Error>

    var url: String { "http://127.0.0.1:\(port)/hooks" }

    private init(state: State, port: Int, task: Task<Void, any Error>) {
        self.state = state
        self.port = port
        self.task = task
    }

    var received: [Received] { get async { await state.received } }
    func answer(_ answer: Answer) async { await state.set(answer) }

    static func start() async throws -> WebhookSink {
        let state = State()
        let router = Router()
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let received = Received(
                eventID: request.headers[HTTPField.Name("Hub-Event-Id")!] ?? "",
                topic: request.headers[HTTPField.Name("Hub-Topic")!] ?? "",
                timestamp: request.headers[HTTPField.Name("Hub-Timestamp")!] ?? "",
                signature: request.headers[HTTPField.Name("Hub-Signature")!] ?? "",
                body: Array(buffer: body), at: .now, path: request.uri.path)
            switch await state.record(received) {
            case .status(let status): return Response(status: status)
            case .hang:
                try await Task.sleep(for: .seconds(30))
                return Response(status: .ok)
            case .after(let delay):
                try await Task.sleep(for: delay)
                return Response(status: .ok)
            }
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-sink")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw SinkError.notStarted }
        return WebhookSink(state: state, port: port, task: task)
    }

    enum SinkError: Error { case notStarted }

    func stop() { task.cancel() }
}
