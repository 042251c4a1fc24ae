import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import Notify

/// One request as the test server saw it.
struct RecordedRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// What the test server records: connections and complete requests.
actor RequestLog {
    private(set) var connections = 0
    private(set) var requests: [RecordedRequest] = []

    func connected() { connections += 1 }
    func record(_ request: RecordedRequest) { requests.append(request) }
}

/// How the test server answers.
struct ServerBehaviour: Sendable {
    var status: HTTPResponseStatus = .ok
    var headers: [(String, String)] = []
    var body: String = "ok"
    /// When false the server reads the request and then says nothing.
    var answers = true
}

/// Runs `body` against an HTTP server on 127.0.0.1 with an ephemeral port, then shuts it down.
func withTestHTTPServer<T: Sendable>(
    _ behaviour: ServerBehaviour = ServerBehaviour(),
    _ body: @Sendable (_ port: Int, _ log: RequestLog) async throws -> T
) async throws -> T {
    let log = RequestLog()
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                    wrappingChannelSynchronously: channel)
            }
        }
    let port = try #require(server.channel.localAddress?.port)

    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { handlers in
                    for try await connection in connections {
                        handlers.addTask {
                            await log.connected()
                            try? await serve(connection, behaviour, log)
                        }
                    }
                }
            }
        }
        defer { group.cancelAll() }
        return try await body(port, log)
    }
}

private func serve(
    _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ behaviour: ServerBehaviour,
    _ log: RequestLog
) async throws {
    try await connection.executeThenClose { inbound, outbound in
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        for try await part in inbound {
            switch part {
            case .head(let requestHead):
                head = requestHead
                body = []
            case .body(var chunk):
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            case .end:
                guard let head else { return }
                await log.record(RecordedRequest(method: head.method, uri: head.uri, headers: head.headers, body: body))
                // Silent server: keep reading until the client gives up and closes.
                guard behaviour.answers else { continue }
                var headers = HTTPHeaders(behaviour.headers)
                headers.add(name: "Content-Length", value: String(behaviour.body.utf8.count))
                try await outbound.write(
                    contentsOf: [
                        .head(HTTPResponseHead(version: .http1_1, status: behaviour.status, headers: headers)),
                        .body(.byteBuffer(ByteBuffer(string: behaviour.body))),
                        .end(nil),
                    ])
                return
            }
        }
    }
}

@Suite struct WebhookClientTests {
    let loopback = DestinationPolicy(allowLoopback: true)

    @Test(arguments: [HTTPResponseStatus.ok, .internalServerError])
    func postArrivesWithBodyAndHeaders(status: HTTPResponseStatus) async throws {
        try await withTestHTTPServer(ServerBehaviour(status: status)) { port, log in
            let client = WebhookClient(policy: loopback)
            let destination = try WebhookDestination(parsing: "http://127.0.0.1:\(port)/hooks/in?tenant=7#ignored")
            let body = Array(#"{"topic":"householdOriented","reference":"M-1234"}"#.utf8)
            let answer = try await client.post(
                to: destination, headers: [("X-Hub-Signature", "t=1,v1=abc"), ("X-Hub-Event-Id", "42")], body: body)
            #expect(answer == Int(status.code))

            let requests = await log.requests
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == .POST)
            #expect(request.uri == "/hooks/in?tenant=7")
            #expect(request.body == body)
            #expect(request.headers["Host"] == ["127.0.0.1:\(port)"])
            #expect(request.headers["Content-Type"] == ["application/json"])
            #expect(request.headers["Content-Length"] == [String(body.count)])
            #expect(request.headers["Connection"] == ["close"])
            #expect(request.headers["User-Agent"] == ["hub-webhooks/1"])
            #expect(request.headers["X-Hub-Signature"] == ["t=1,v1=abc"])
            #expect(request.headers["X-Hub-Event-Id"] == ["42"])
        }
    }

    @Test func callerCannotOverrideFraming() async throws {
        try await withTestHTTPServer { port, log in
            let client = WebhookClient(policy: loopback)
            let destination = try WebhookDestination(parsing: "http://localhost:\(port)/")
            let status = try await client.post(
                to: destination,
                headers: [("Content-Length", "0"), ("Host", "evil.test"), ("Transfer-Encoding", "chunked")],
                body: Array("{}".utf8))
            #expect(status == 200)
            let request = try #require(await log.requests.first)
            #expect(request.headers["Host"] == ["localhost:\(port)"])
            #expect(request.headers["Content-Length"] == ["2"])
            #expect(request.headers["Transfer-Encoding"].isEmpty)
            #expect(request.body == Array("{}".utf8))
        }
    }

    @Test func invalidHeaderIsRefusedBeforeConnecting() async throws {
        try await withTestHTTPServer { port, log in
            let client = WebhookClient(policy: loopback)
            let destination = try WebhookDestination(parsing: "http://127.0.0.1:\(port)/")
            await #expect(throws: HTTPParserError.invalidHeaderToken) {
                try await client.post(to: destination, headers: [("X-Injected", "a\r\nX-Other: b")], body: [])
            }
            await #expect(throws: HTTPParserError.invalidHeaderToken) {
                try await client.post(to: destination, headers: [("Bad Name", "value")], body: [])
            }
            #expect(await log.connections == 0)
        }
    }

    @Test func redirectIsReturnedNotFollowed() async throws {
        try await withTestHTTPServer(
            ServerBehaviour(status: .found, headers: [("Location", "http://127.0.0.1:1/elsewhere")])
        ) { port, log in
            let client = WebhookClient(policy: loopback)
            let destination = try WebhookDestination(parsing: "http://127.0.0.1:\(port)/hook")
            let status = try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            #expect(status == 302)
            // Let a (wrong) follow-up request arrive if the client were to send one.
            try await Task.sleep(for: .milliseconds(100))
            let requests = await log.requests
            #expect(requests.map(\.uri) == ["/hook"])
            #expect(await log.connections == 1)
        }
    }

    @Test func largeResponseBodyIsDiscarded() async throws {
        let big = String(repeating: "x", count: 200 * 1024)
        try await withTestHTTPServer(ServerBehaviour(status: .accepted, body: big)) { port, _ in
            let client = WebhookClient(policy: loopback)
            let destination = try WebhookDestination(parsing: "http://127.0.0.1:\(port)/hook")
            #expect(try await client.post(to: destination, headers: [], body: []) == 202)
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withTestHTTPServer(ServerBehaviour(answers: false)) { port, log in
            // One deadline covers connecting, sending and the answer: long enough that a loaded
            // machine still sends the request before it expires (300 ms once did not).
            let client = WebhookClient(policy: loopback, timeout: .seconds(1))
            let destination = try WebhookDestination(parsing: "http://127.0.0.1:\(port)/hook")
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: WebhookError.timeout) {
                try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            }
            let elapsed = clock.now - start
            #expect(elapsed >= .milliseconds(950))
            // Not hanging: well before the server would give up. The margin is a busy machine's
            // (3.2 s was seen with the whole suite running on 2 cores).
            #expect(elapsed < .seconds(1) + .seconds(5))
            // The request did go out: it is the answer that never came. The server records it
            // on its own schedule, so give a loaded machine a moment.
            for _ in 0..<100 where await log.requests.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            #expect(await log.requests.count == 1)
        }
    }

    @Test func closedPortFailsToConnect() async throws {
        // Take a free port, then close it again so nothing listens there.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        try await listener.close()

        let client = WebhookClient(policy: loopback, timeout: .seconds(5))
        let destination = try WebhookDestination(parsing: "http://127.0.0.1:\(port)/hook")
        await #expect(throws: WebhookError.connectionFailed) {
            try await client.post(to: destination, headers: [], body: [])
        }
    }

    @Test func forbiddenDestinationIsNeverContacted() async throws {
        try await withTestHTTPServer { port, log in
            let client = WebhookClient(policy: DestinationPolicy())
            for url in ["http://127.0.0.1:\(port)/hook", "http://localhost:\(port)/hook"] {
                let destination = try WebhookDestination(parsing: url)
                await #expect(throws: DestinationError.forbiddenAddress) {
                    try await client.post(to: destination, headers: [], body: Array("{}".utf8))
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            #expect(await log.connections == 0)
        }
    }

    @Test func httpsToAPlainHTTPServerFailsToConnect() async throws {
        try await withTestHTTPServer { port, log in
            let client = WebhookClient(policy: loopback, timeout: .seconds(5))
            let destination = try WebhookDestination(parsing: "https://localhost:\(port)/hook")
            await #expect(throws: WebhookError.connectionFailed) {
                try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            }
            // The handshake failed: no request was ever readable by the server.
            #expect(await log.requests.isEmpty)
        }
    }

    @Test func stalledTLSHandshakeTimesOut() async throws {
        // A TCP peer that accepts and never says a word: the TLS handshake cannot finish.
        try await withScriptedSMTPServer(SMTPScript(greeting: nil) { _ in nil }) { port, _ in
            let client = WebhookClient(policy: loopback, timeout: .milliseconds(300))
            let destination = try WebhookDestination(parsing: "https://127.0.0.1:\(port)/hook")
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: WebhookError.timeout) {
                try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            }
            #expect(clock.now - start < .milliseconds(300) + .seconds(2))
        }
    }

    @Test func requestHeadUsesHostPortOnlyWhenNeeded() throws {
        let head = try WebhookClient.requestHead(
            for: WebhookDestination(parsing: "https://hooks.example.org/in"), headers: [("User-Agent", "custom")],
            bodyLength: 12)
        #expect(head.method == .POST)
        #expect(head.uri == "/in")
        #expect(head.headers["Host"] == ["hooks.example.org"])
        #expect(head.headers["Content-Length"] == ["12"])
        #expect(head.headers["User-Agent"] == ["custom"])
    }
}
