import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why a webhook POST failed. Carries no URL, header or body: it ends up in logs.
public enum WebhookError: Error, Sendable, Equatable {
    case timeout, connectionFailed, invalidResponse
}

/// A deliberately small HTTP/1.1 client: one POST per connection, no redirects, no retries
/// (the dispatcher owns retries), and only to addresses the destination policy permits.
public struct WebhookClient: Sendable {
    let policy: DestinationPolicy
    let timeout: Duration
    /// Nil when the TLS configuration could not be loaded; https POSTs then fail to connect.
    let sslContext: NIOSSLContext?

    /// How much response body is read (and dropped) before the connection is closed anyway.
    static let maximumDiscardedBody = 64 * 1024

    public init(
        policy: DestinationPolicy, timeout: Duration = .seconds(10),
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration()
    ) {
        self.policy = policy
        self.timeout = timeout
        // Built once: a context loads the trust roots, which is too costly to repeat per POST.
        self.sslContext = try? NIOSSLContext(configuration: tlsConfiguration)
    }

    /// POSTs `body` and returns the response status. A 3xx is returned as is: following a
    /// redirect would let a partner point the hub at an address the policy never checked.
    public func post(to destination: WebhookDestination, headers: [(String, String)], body: [UInt8]) async throws -> Int
    {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let head = try Self.requestHead(for: destination, headers: headers, bodyLength: body.count)
        let address = try await policy.resolve(destination)
        guard NIODeadline.now() < deadline else { throw WebhookError.timeout }

        let sslContext = self.sslContext
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(deadline - .now())
                .connect(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        // First in the pipeline, so its close skips the TLS close_notify wait.
                        try pipeline.addHandler(DeadlineHandler(deadline: deadline, error: WebhookError.timeout))
                        if destination.scheme == "https" {
                            guard let sslContext else { throw WebhookError.connectionFailed }
                            // SNI must be a name; for an IP literal NIOSSL checks the certificate against the peer IP.
                            let serverHostname = destination.hostIsIPLiteral ? nil : destination.host
                            try pipeline.addHandler(
                                NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                        }
                        try pipeline.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(
                    contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: body))), .end(nil)])
                return try await Self.readStatus(from: inbound)
            }
        } catch {
            throw Self.map(error, deadline: deadline)
        }
    }

    /// Reads the final response head, then drops up to 64 KiB of body so the peer can finish cleanly.
    static func readStatus(from inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>) async throws -> Int {
        var status: Int?
        var discarded = 0
        do {
            for try await part in inbound {
                switch part {
                case .head(let head):
                    // Informational (1xx) heads are not the answer.
                    if status == nil && head.status.code >= 200 { status = Int(head.status.code) }
                case .body(let chunk):
                    discarded += chunk.readableBytes
                    if let status, discarded >= maximumDiscardedBody { return status }
                case .end:
                    if let status { return status }
                }
            }
        } catch {
            // The status is what matters: a body that stalls or breaks does not undo it.
            if let status { return status }
            throw error
        }
        guard let status else { throw WebhookError.invalidResponse }
        return status
    }

    /// Connection framing belongs to this client; callers cannot override it.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    static func requestHead(
        for destination: WebhookDestination, headers extra: [(String, String)], bodyLength: Int
    ) throws -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: destination.hostHeader)
        headers.add(name: "User-Agent", value: "hub-webhooks/1")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bodyLength))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra {
            // Refuse before connecting rather than let a bad header reach the wire; the error names no header.
            guard isToken(name), isFieldValue(value) else { throw HTTPParserError.invalidHeaderToken }
            guard !reservedHeaders.contains(name.lowercased()) else { continue }
            headers.replaceOrAdd(name: name, value: value)
        }
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: destination.path, headers: headers)
    }

    static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }

    static func isFieldValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// Maps whatever NIO threw onto the three outcomes the dispatcher acts on.
    static func map(_ error: any Error, deadline: NIODeadline) -> any Error {
        switch error {
        case is WebhookError, is DestinationError, is CancellationError:
            return error
        default:
            break
        }
        if NIODeadline.now() >= deadline { return WebhookError.timeout }
        if case ChannelError.connectTimeout = error { return WebhookError.timeout }
        if error is HTTPParserError { return WebhookError.invalidResponse }
        return WebhookError.connectionFailed
    }
}

/// Bounds a whole exchange: at the deadline it reports `error` down the pipeline and closes the
/// socket. Placed first, its close goes straight to the socket, bypassing TLS shutdown.
final class DeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let deadline: NIODeadline
    private let error: any Error
    private var timer: Scheduled<Void>?

    init(deadline: NIODeadline, error: any Error) {
        self.deadline = deadline
        self.error = error
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            context.fireErrorCaught(self.error)
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
