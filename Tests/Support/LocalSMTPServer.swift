import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real SMTP server on loopback for tests: Python's aiosmtpd (Debian's python3-aiosmtpd,
/// installed by deploy/test.sh), storing what it receives in a maildir.
public final class LocalSMTPServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    // Set once in start(); replaced only by restart(), which tests call from one task.
    private var process: Process

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    public static func start(port: Int? = nil) async throws -> LocalSMTPServer {
        let port = try port ?? freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-smtp-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = try await launch(port: port, directory: directory)
        return LocalSMTPServer(port: port, directory: directory, process: process)
    }

    private static func launch(port: Int, directory: URL) async throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox",
            directory.appendingPathComponent("maildir").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !accepts(port: port) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw LocalServerError("aiosmtpd did not start on port \(port)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process
    }

    /// Stops the server and starts it again on the same port and maildir.
    public func restart() async throws {
        stop()
        process = try await Self.launch(port: port, directory: directory)
    }

    /// SIGKILL, because the child inherits the test thread's blocked signals and ignores
    /// SIGTERM; polled, because waitUntilExit spins a run loop on Linux. Maildir deliveries
    /// are atomic, so nothing received is lost.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let giveUp = Date().addingTimeInterval(5)
        while process.isRunning && Date() < giveUp { usleep(10_000) }
    }

    /// Every message received so far.
    public func messages() throws -> [MailFile] {
        let new = directory.appendingPathComponent("maildir/new")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: new.path) else { return [] }
        return try names.sorted().map { name in
            MailFile(raw: try String(contentsOf: new.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// A port nobody listens on (bound, read, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalServerError("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw LocalServerError("bind") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// One received message, with the headers tests look at and the body decoded.
public struct MailFile: Sendable {
    public let raw: String
    public let to: String
    public let subject: String
    public let messageID: String
    public let body: String

    init(raw: String) {
        self.raw = raw
        let normalised = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalised.components(separatedBy: "\n\n")
        var headers: [String: String] = [:]
        var last: String?
        for line in (parts.first ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", let key = last {
                headers[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].lowercased()
                headers[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = key
            }
        }
        to = headers["to"] ?? ""
        messageID = headers["message-id"] ?? ""
        subject = Self.decodeWords(headers["subject"] ?? "")
        let encoded = parts.dropFirst().joined(separator: "\n\n")
        if headers["content-transfer-encoding"]?.lowercased() == "base64",
            let data = Data(base64Encoded: encoded.filter { !$0.isWhitespace })
        {
            body = String(decoding: data, as: UTF8.self)
        } else {
            body = encoded
        }
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words, as the hub writes non-ASCII subjects.
    static func decodeWords(_ text: String) -> String {
        let words = text.split(separator: " ")
        guard words.allSatisfy({ $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }) else { return text }
        return words.map { word in
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } ?? String(word)
        }.joined()
    }
}

public struct LocalServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
