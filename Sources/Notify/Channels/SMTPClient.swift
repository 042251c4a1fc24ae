import Foundation
import NIOCore
import NIOPosix

public struct SMTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Envelope sender and From header.
    public var from: String
    public var heloName: String
    /// Bounds the whole exchange, from connect to the reply to the message.
    public var timeout: Duration

    public init(
        host: String, port: Int, from: String, heloName: String = "hub.localhost", timeout: Duration = .seconds(15)
    ) {
        self.host = host
        self.port = port
        self.from = from
        self.heloName = heloName
        self.timeout = timeout
    }
}

public struct MailMessage: Sendable {
    public var to: String
    public var subject: String
    /// UTF-8 plain text.
    public var body: String
    /// Without angle brackets, e.g. "uuid@hub".
    public var messageID: String
    public var date: Date
    public var extraHeaders: [(String, String)]

    public init(
        to: String, subject: String, body: String, messageID: String, date: Date = Date(),
        extraHeaders: [(String, String)] = []
    ) {
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.date = date
        self.extraHeaders = extraHeaders
    }
}

/// Why a message was not handed over. Never carries the server's reply text or any part of the
/// message: both can contain personal data and these errors are logged.
public enum SMTPError: Error, Sendable, Equatable {
    case timeout
    case connectionFailed
    /// The server answered `code` at `stage` ("greeting", "ehlo", "helo", "mail", "rcpt", "data", "message").
    case rejected(code: Int, stage: String)
    /// A sender, recipient or HELO name that cannot be put on the wire safely.
    case invalidAddress
    /// A reply that is not SMTP, or a message that cannot be written conformingly
    /// (bad extra header name, bad message ID).
    case protocolError
}

/// A minimal RFC 5321 client: one message per connection, plain TCP, no AUTH and no STARTTLS.
/// That is enough because the deployment hands mail to a relay on the same host or private
/// network, which does the authenticated, encrypted delivery onwards.
public struct SMTPClient: Sendable {
    let configuration: SMTPConfiguration

    public init(_ configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    public func send(_ message: MailMessage) async throws {
        let configuration = self.configuration
        let deadline = NIODeadline.now() + TimeAmount(configuration.timeout)
        // Everything is checked and rendered before connecting: nothing half-valid reaches the server.
        try Self.validateAddress(configuration.from)
        try Self.validateAddress(message.to)
        try Self.validateHeloName(configuration.heloName)
        let data = try Self.dotStuffed(Self.render(message, from: configuration.from))

        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(deadline - .now())
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(DeadlineHandler(deadline: deadline, error: SMTPError.timeout))
                        try pipeline.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await channel.executeThenClose { inbound, outbound in
                var replies = inbound.makeAsyncIterator()
                func command(_ line: String) async throws -> Int {
                    try await outbound.write(ByteBuffer(string: line + "\r\n"))
                    return try await reply()
                }
                func reply() async throws -> Int {
                    // A server that hangs up mid-dialogue is a failed connection, not a protocol answer.
                    guard let reply = try await replies.next() else { throw SMTPError.connectionFailed }
                    return reply.code
                }

                var code = try await reply()
                guard code == 220 else { throw SMTPError.rejected(code: code, stage: "greeting") }

                code = try await command("EHLO \(configuration.heloName)")
                if (500..<600).contains(code) {
                    // An RFC 821-only server does not know EHLO.
                    code = try await command("HELO \(configuration.heloName)")
                    guard code == 250 else { throw SMTPError.rejected(code: code, stage: "helo") }
                } else if code != 250 {
                    throw SMTPError.rejected(code: code, stage: "ehlo")
                }

                code = try await command("MAIL FROM:<\(configuration.from)>")
                guard code == 250 else { throw SMTPError.rejected(code: code, stage: "mail") }
                code = try await command("RCPT TO:<\(message.to)>")
                guard code == 250 || code == 251 else { throw SMTPError.rejected(code: code, stage: "rcpt") }
                code = try await command("DATA")
                guard code == 354 else { throw SMTPError.rejected(code: code, stage: "data") }

                var payload = ByteBuffer(string: data)
                payload.writeString(".\r\n")
                try await outbound.write(payload)
                code = try await reply()
                guard code == 250 else { throw SMTPError.rejected(code: code, stage: "message") }

                // The message is accepted: a failed QUIT changes nothing.
                _ = try? await command("QUIT")
            }
        } catch {
            throw Self.map(error, deadline: deadline)
        }
    }

    static func map(_ error: any Error, deadline: NIODeadline) -> any Error {
        switch error {
        case is SMTPError, is CancellationError:
            return error
        default:
            break
        }
        if NIODeadline.now() >= deadline { return SMTPError.timeout }
        if case ChannelError.connectTimeout = error { return SMTPError.timeout }
        return SMTPError.connectionFailed
    }

    // MARK: - Validation

    /// A plain dot-atom-ish address: no CR/LF (command injection), no angle brackets (path
    /// injection), no characters that would need quoting in a header or SMTPUTF8 on the wire.
    static func validateAddress(_ address: String) throws(SMTPError) {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254,
            bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !"<>()[]\\,;:\"".utf8.contains($0) })
        else { throw .invalidAddress }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .invalidAddress }
    }

    static func validateHeloName(_ name: String) throws(SMTPError) {
        guard !name.isEmpty, name.utf8.count <= 255,
            name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else { throw .invalidAddress }
    }

    // MARK: - Message

    /// Headers this client writes itself; an extra header with one of these names is dropped
    /// rather than producing an ambiguous message.
    static let structuralHeaders: Set<String> = [
        "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding",
    ]

    /// The message as sent after DATA, with CRLF line endings and before dot-stuffing.
    static func render(_ message: MailMessage, from: String) throws(SMTPError) -> String {
        let id = message.messageID
        guard !id.isEmpty, id.utf8.count <= 900,
            id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else { throw .protocolError }

        var lines = [
            "From: \(from)",
            "To: \(message.to)",
            "Subject: " + headerValue(message.subject),
            "Date: " + rfc5322Date(message.date),
            "Message-ID: <\(id)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        for (name, value) in message.extraHeaders {
            guard !name.isEmpty, name.utf8.count <= 76,
                name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") })
            else { throw .protocolError }
            guard !structuralHeaders.contains(name.lowercased()) else { continue }
            lines.append("\(name): " + headerValue(value))
        }
        lines.append("")
        lines.append(contentsOf: base64Lines(canonicalText(message.body)))
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Plain when it is short printable ASCII; otherwise RFC 2047 encoded-words, folded. Encoding
    /// also neutralises CR/LF, so a value can never inject a header.
    static func headerValue(_ value: String) -> String {
        let isPlain =
            value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !value.contains("=?") && value.utf8.count <= 900
        if isPlain { return value }

        // 42 bytes make 56 base64 characters: each encoded-word stays under the 75 allowed,
        // and whole scalars per word keep every word decodable on its own.
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in value.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if chunk.count + encoded.count > 42 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk.append(contentsOf: encoded)
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
        }
        return words.joined(separator: "\r\n ")
    }

    /// RFC 2045 wants text in canonical form (CRLF line breaks) before it is base64-encoded.
    static func canonicalText(_ text: String) -> [UInt8] {
        var result: [UInt8] = []
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == 0x0A {
                if previous != 0x0D { result.append(0x0D) }
            } else if previous == 0x0D {
                // A lone CR also ends a line.
                result.append(0x0A)
            }
            result.append(byte)
            previous = byte
        }
        if previous == 0x0D { result.append(0x0A) }
        return result
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        return stride(from: 0, to: encoded.count, by: 76).map {
            String(decoding: encoded[$0..<min($0 + 76, encoded.count)], as: UTF8.self)
        }
    }

    /// Base64 never starts a line with '.', but headers are not base64: stuff any line that does.
    static func dotStuffed(_ data: String) -> String {
        data.split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
            .joined(separator: "\r\n")
    }

    static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "Thu, 01 Jan 1970 00:00:00 +0000": English names whatever the process locale.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : String(value)
        }
        let day = dayNames[((parts.weekday ?? 1) - 1) % 7]
        let month = monthNames[((parts.month ?? 1) - 1) % 12]
        return "\(day), \(two(parts.day)) \(month) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}

/// A complete reply; the text is deliberately dropped so it cannot leak into errors or logs.
struct SMTPReply: Sendable, Equatable {
    var code: Int
}

/// Turns reply lines into replies, joining "250-..." continuation lines into one.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 allows 512 octets per reply line; be generous but bounded.
    static let maximumLineLength = 4096
    private var continuedCode: Int?

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength { throw SMTPError.protocolError }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        guard length <= Self.maximumLineLength, let line = buffer.readBytes(length: length) else {
            throw SMTPError.protocolError
        }
        guard line.count >= 4,
            line[0..<3].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw SMTPError.protocolError }
        let code = line[0..<3].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        // Every line of a multi-line reply must carry the same code.
        if let continuedCode, continuedCode != code { throw SMTPError.protocolError }

        switch line[3] {
        case UInt8(ascii: "-"):
            continuedCode = code
        case UInt8(ascii: " "), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
            continuedCode = nil
            context.fireChannelRead(Self.wrapInboundOut(SMTPReply(code: code)))
        default:
            throw SMTPError.protocolError
        }
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A partial line at EOF is no reply; the dialogue sees the stream end instead.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
