import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing

@testable import Notify

@Suite struct SMTPClientTests {
    static let subject = "« Un ménage vous a été orienté »"
    static let body =
        "Bonjour,\n« Un ménage vous a été orienté » : référence M-4F2A.\n.Ligne qui commence par un point.\n"

    func message(to: String = "coordination@partenaire.example") -> MailMessage {
        MailMessage(
            to: to, subject: Self.subject, body: Self.body, messageID: "0b5f6c1e-3d2a-4c8e-9f00-1a2b3c4d5e6f@hub",
            date: Date(timeIntervalSince1970: 1_709_211_909),  // Thu, 29 Feb 2024 13:05:09 +0000
            extraHeaders: [("X-Hub-Event-Id", "e-42")])
    }

    // MARK: Against a real server (aiosmtpd)

    @Test func deliversToRealServer() async throws {
        let server = try await LocalSMTPServer.start()
        defer { server.stop() }

        let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: server.port, from: "hub@hub.example"))
        try await client.send(message())

        let stored = try server.messages().map(\.raw)
        try #require(stored.count == 1)
        let mail = try ParsedMail(stored[0])

        #expect(mail.header("From") == "hub@hub.example")
        #expect(mail.header("To") == "coordination@partenaire.example")
        #expect(try mail.header("Subject").map(decodeEncodedWords) == Self.subject)
        #expect(mail.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)
        #expect(mail.header("Date") == "Thu, 29 Feb 2024 13:05:09 +0000")
        #expect(mail.header("Message-ID") == "<0b5f6c1e-3d2a-4c8e-9f00-1a2b3c4d5e6f@hub>")
        #expect(mail.header("MIME-Version") == "1.0")
        #expect(mail.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(mail.header("Content-Transfer-Encoding") == "base64")
        #expect(mail.header("X-Hub-Event-Id") == "e-42")
        // What the envelope said, as aiosmtpd recorded it.
        #expect(mail.header("X-MailFrom") == "hub@hub.example")
        #expect(mail.header("X-RcptTo") == "coordination@partenaire.example")

        #expect(mail.bodyLines.allSatisfy { $0.count <= 76 })
        let decoded = try #require(Data(base64Encoded: mail.bodyLines.joined()))
        let expected = Self.body.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(String(decoding: decoded, as: UTF8.self) == expected)
    }

    @Test func stoppedServerFailsToConnect() async throws {
        let server = try await LocalSMTPServer.start()
        let port = server.port
        server.stop()

        let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example"))
        await #expect(throws: SMTPError.connectionFailed) { try await client.send(message()) }
    }

    // MARK: Against a scripted server

    @Test func multiLineRepliesAndHeloFallback() async throws {
        let script = SMTPScript(greeting: "220-smtp.test ESMTP\r\n220-second line\r\n220 ready\r\n") { command in
            switch command {
            case let line where line.hasPrefix("EHLO"): "502 5.5.1 EHLO not understood\r\n"
            case let line where line.hasPrefix("HELO"): "250 smtp.test\r\n"
            case let line where line.hasPrefix("MAIL"): "250-2.1.0 sender\r\n250 2.1.0 ok\r\n"
            case let line where line.hasPrefix("RCPT"): "251 2.1.5 will forward\r\n"
            case "DATA": "354 go ahead\r\n"
            case ".": "250 2.0.0 queued\r\n"
            case "QUIT": "221 bye\r\n"
            default: "500 what\r\n"
            }
        }
        try await withScriptedSMTPServer(script) { port, log in
            let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example"))
            try await client.send(message())
            #expect(
                await log.commands == [
                    "EHLO hub.localhost", "HELO hub.localhost", "MAIL FROM:<hub@hub.example>",
                    "RCPT TO:<coordination@partenaire.example>", "DATA", "QUIT",
                ])
            let data = try #require(await log.messages.first)
            #expect(data.hasPrefix("From: hub@hub.example\r\nTo: coordination@partenaire.example\r\n"))
            #expect(data.contains("\r\nSubject: =?UTF-8?B?"))
        }
    }

    @Test func rejectionReportsCodeAndStageButNoServerText() async throws {
        let script = SMTPScript { command in
            switch command {
            case let line where line.hasPrefix("RCPT"): "550 5.1.1 secret-mailbox-name unknown\r\n"
            case "QUIT": "221 bye\r\n"
            default: "250 ok\r\n"
            }
        }
        try await withScriptedSMTPServer(script) { port, log in
            let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example"))
            do {
                try await client.send(message())
                Issue.record("the rejection was not reported")
            } catch let error as SMTPError {
                #expect(error == .rejected(code: 550, stage: "rcpt"))
                #expect(!String(describing: error).contains("secret"))
                #expect(!String(reflecting: error).contains("secret"))
            }
            #expect(await log.messages.isEmpty)
        }
    }

    @Test func rejectedMessageIsReported() async throws {
        let script = SMTPScript { command in
            switch command {
            case "DATA": "354 go ahead\r\n"
            case ".": "554 5.7.1 content refused\r\n"
            default: "250 ok\r\n"
            }
        }
        try await withScriptedSMTPServer(script) { port, _ in
            let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example"))
            await #expect(throws: SMTPError.rejected(code: 554, stage: "message")) { try await client.send(message()) }
        }
    }

    @Test func busyGreetingIsRejected() async throws {
        try await withScriptedSMTPServer(SMTPScript(greeting: "421 4.3.2 busy\r\n") { _ in "250 ok\r\n" }) { port, _ in
            let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example"))
            await #expect(throws: SMTPError.rejected(code: 421, stage: "greeting")) {
                try await client.send(message())
            }
        }
    }

    @Test func garbageIsAProtocolError() async throws {
        try await withScriptedSMTPServer(SMTPScript(greeting: "HTTP/1.1 400 Bad Request\r\n") { _ in "" }) { port, _ in
            let client = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example"))
            await #expect(throws: SMTPError.protocolError) { try await client.send(message()) }
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withScriptedSMTPServer(SMTPScript(greeting: nil) { _ in nil }) { port, _ in
            let client = SMTPClient(
                SMTPConfiguration(host: "127.0.0.1", port: port, from: "hub@hub.example", timeout: .milliseconds(300)))
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: SMTPError.timeout) { try await client.send(message()) }
            let elapsed = clock.now - start
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .milliseconds(300) + .seconds(2))
        }
    }

    @Test(arguments: [
        "victim@example.org>\r\nRCPT TO:<other@example.org",
        "a@b.example\r\n",
        "a@b.example\n",
        "<a@b.example>",
        "a@b.example>",
        "a b@example.org",
        "no-at-sign",
        "@example.org",
        "a@",
        "a@b@c",
        "a@b.example,c@d.example",
        "ménage@example.org",
        "",
    ])
    func unsafeAddressesAreRefusedBeforeConnecting(address: String) async throws {
        // Port 1 on loopback: if the client tried to connect it would fail differently.
        let toBad = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: 1, from: "hub@hub.example"))
        await #expect(throws: SMTPError.invalidAddress) { try await toBad.send(message(to: address)) }
        let fromBad = SMTPClient(SMTPConfiguration(host: "127.0.0.1", port: 1, from: address))
        await #expect(throws: SMTPError.invalidAddress) { try await fromBad.send(message()) }
    }

    // MARK: Message rendering

    @Test func datesAreRFC5322InEnglishAndUTC() {
        #expect(SMTPClient.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(SMTPClient.rfc5322Date(Date(timeIntervalSince1970: 1_709_211_909)) == "Thu, 29 Feb 2024 13:05:09 +0000")
        #expect(SMTPClient.rfc5322Date(Date(timeIntervalSince1970: 1_735_689_599)) == "Tue, 31 Dec 2024 23:59:59 +0000")
    }

    @Test func plainSubjectsStayPlain() {
        #expect(SMTPClient.headerValue("Household M-1234 accepted") == "Household M-1234 accepted")
    }

    @Test func subjectsCannotInjectHeaders() throws {
        let value = SMTPClient.headerValue("Hello\r\nBcc: victim@example.org")
        #expect(!value.contains("Bcc:"))
        #expect(try decodeEncodedWords(value) == "Hello\r\nBcc: victim@example.org")
    }

    @Test func longSubjectsAreFoldedOnCharacterBoundaries() throws {
        let subject = String(repeating: "Un ménage vous a été orienté — ", count: 8)
        let value = SMTPClient.headerValue(subject)
        let lines = ("Subject: " + value).components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(try decodeEncodedWords(value) == subject)
    }

    @Test func renderedMessageHasCRLFAndNoBareLF() throws {
        let rendered = try SMTPClient.render(message(), from: "hub@hub.example")
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(rendered.contains("\r\n\r\n"))
        #expect(!rendered.contains("ménage"))
    }

    @Test func structuralHeadersCannotBeOverridden() throws {
        var mail = message()
        mail.extraHeaders = [("To", "other@example.org"), ("X-Ok", "yes")]
        let rendered = try SMTPClient.render(mail, from: "hub@hub.example")
        #expect(!rendered.contains("other@example.org"))
        #expect(rendered.contains("\r\nX-Ok: yes\r\n"))

        mail.extraHeaders = [("Bad: Name", "x")]
        #expect(throws: SMTPError.protocolError) { try SMTPClient.render(mail, from: "hub@hub.example") }
        mail.extraHeaders = []
        mail.messageID = "id>\r\nBcc: x@y"
        #expect(throws: SMTPError.protocolError) { try SMTPClient.render(mail, from: "hub@hub.example") }
    }

    @Test func linesStartingWithADotAreStuffed() {
        #expect(SMTPClient.dotStuffed("a\r\n.b\r\n..c\r\n.\r\n") == "a\r\n..b\r\n...c\r\n..\r\n")
    }

    @Test func bodyLineEndingsAreCanonicalised() {
        #expect(SMTPClient.canonicalText("a\nb\r\nc\rd\r") == Array("a\r\nb\r\nc\r\nd\r\n".utf8))
    }
}

// MARK: - Helpers

/// A stored message split into unfolded headers and body lines.
struct ParsedMail {
    var headers: [(String, String)] = []
    var bodyLines: [String] = []

    init(_ raw: String) throws {
        let normalised = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalised.components(separatedBy: "\n\n")
        try #require(parts.count >= 2)
        var unfolded: [String] = []
        for line in parts[0].components(separatedBy: "\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), let last = unfolded.popLast() {
                unfolded.append(last + line)
            } else {
                unfolded.append(line)
            }
        }
        headers = unfolded.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        bodyLines = parts[1...].joined(separator: "\n\n").components(separatedBy: "\n").filter { !$0.isEmpty }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Decodes a header made only of RFC 2047 "B" encoded-words (whitespace between words is dropped).
func decodeEncodedWords(_ value: String) throws -> String {
    var bytes: [UInt8] = []
    for word in value.split(whereSeparator: \.isWhitespace) {
        try #require(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
        let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
        bytes += try #require(Data(base64Encoded: String(payload)))
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// How the scripted server answers: a greeting (nil for none) and a reply per command line
/// (nil for silence). The message after DATA is answered as the command ".".
struct SMTPScript: Sendable {
    var greeting: String? = "220 smtp.test ESMTP\r\n"
    var reply: @Sendable (String) -> String?
}

actor SMTPLog {
    private(set) var commands: [String] = []
    private(set) var messages: [String] = []
    func command(_ line: String) { commands.append(line) }
    func message(_ data: String) { messages.append(data) }
}

func withScriptedSMTPServer<T: Sendable>(
    _ script: SMTPScript, _ body: @Sendable (_ port: Int, _ log: SMTPLog) async throws -> T
) async throws -> T {
    let log = SMTPLog()
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    let port = try #require(server.channel.localAddress?.port)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { handlers in
                    for try await connection in connections {
                        handlers.addTask { try? await converse(connection, script, log) }
                    }
                }
            }
        }
        defer { group.cancelAll() }
        return try await body(port, log)
    }
}

private func converse(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ script: SMTPScript, _ log: SMTPLog)
    async throws
{
    try await connection.executeThenClose { inbound, outbound in
        if let greeting = script.greeting { try await outbound.write(ByteBuffer(string: greeting)) }
        var pending = ""
        var inData = false
        var data = ""
        for try await var chunk in inbound {
            pending += chunk.readString(length: chunk.readableBytes) ?? ""
            while let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                if inData {
                    guard line == "." else {
                        data += line + "\r\n"
                        continue
                    }
                    inData = false
                    await log.message(data)
                    data = ""
                } else {
                    await log.command(line)
                }
                guard let answer = script.reply(inData ? "" : line) else { continue }
                if !answer.isEmpty { try await outbound.write(ByteBuffer(string: answer)) }
                if line == "DATA" && answer.hasPrefix("354") { inData = true }
                if line == "QUIT" { return }
            }
        }
    }
}
