import Foundation
import NIOSSL
import Testing

@testable import Notify

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway CA and two leaf certificates it signed, made with the openssl command-line tool
/// in a temporary directory: one for `localhost` and `127.0.0.1`, one for `other.example` only.
struct ThrowawayPKI {
    let directory: URL

    var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
    var localhostCertificate: String { directory.appendingPathComponent("localhost.pem").path }
    var localhostKey: String { directory.appendingPathComponent("localhost.key").path }
    var otherCertificate: String { directory.appendingPathComponent("other.pem").path }
    var otherKey: String { directory.appendingPathComponent("other.key").path }

    static func make() async throws -> ThrowawayPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-webhook-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pki = ThrowawayPKI(directory: directory)
        do {
            try await pki.generate()
        } catch {
            pki.remove()
            throw error
        }
        return pki
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ name: String, _ contents: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func generate() async throws {
        // Our own config, so the system openssl.cnf adds no extensions of its own.
        let config = try file("req.cnf", "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n")
        let caExtensions = try file(
            "ca.ext",
            """
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash

            """)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        let dir = directory.path

        try await runOpenSSL(
            ["req", "-config", config, "-new"] + key
                + ["-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.csr", "-subj", "/CN=Hub Throwaway Test CA"])
        try await runOpenSSL([
            "x509", "-req", "-in", "\(dir)/ca.csr", "-signkey", "\(dir)/ca.key", "-days", "1",
            "-extfile", caExtensions, "-out", caCertificate,
        ])

        for (name, subjectAltName, serial) in [
            ("localhost", "DNS:localhost, IP:127.0.0.1", "1001"), ("other", "DNS:other.example", "1002"),
        ] {
            let extensions = try file(
                "\(name).ext",
                """
                basicConstraints = critical, CA:FALSE
                keyUsage = critical, digitalSignature
                extendedKeyUsage = serverAuth
                subjectAltName = \(subjectAltName)
                authorityKeyIdentifier = keyid

                """)
            let commonName = name == "localhost" ? "localhost" : "other.example"
            try await runOpenSSL(
                ["req", "-config", config, "-new"] + key
                    + ["-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr", "-subj", "/CN=\(commonName)"])
            try await runOpenSSL([
                "x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", caCertificate, "-CAkey", "\(dir)/ca.key",
                "-set_serial", serial, "-days", "1", "-extfile", extensions, "-out", "\(dir)/\(name).pem",
            ])
        }
    }

    private func runOpenSSL(_ arguments: [String]) async throws {
        let errors = directory.appendingPathComponent("openssl.err")
        guard FileManager.default.createFile(atPath: errors.path, contents: nil) else {
            throw TLSTestError("cannot create \(errors.path)")
        }
        let errorHandle = try FileHandle(forWritingTo: errors)
        defer { try? errorHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        try process.run()
        let status = try await waitForExit(process, within: .seconds(10))
        guard status == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw TLSTestError("openssl \(arguments.first ?? "") exited \(status): \(message)")
        }
    }
}

struct TLSTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls, because waitUntilExit spins a run loop on Linux. Kills the process when it overstays.
func waitForExit(_ process: Process, within limit: Duration) async throws -> Int32 {
    let clock = ContinuousClock()
    let giveUp = clock.now + limit
    while process.isRunning {
        guard clock.now < giveUp else {
            kill(process.processIdentifier, SIGKILL)
            throw TLSTestError("process \(process.processIdentifier) did not exit within \(limit)")
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    return process.terminationStatus
}

/// An HTTPS server in a Python subprocess (stdlib http.server + ssl) on 127.0.0.1, port 0.
/// It answers every POST with 204. Its stdout, a file in the PKI directory, says `port N` once,
/// then `connection` when a TCP connection is accepted and `request METHOD PATH` when a request
/// was completely read and answered; `error ...` lines are TLS failures as the server saw them.
final class PythonHTTPSServer: Sendable {
    let port: Int
    let process: Process
    let output: URL

    static let script = #"""
        import http.server, ssl, sys

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                print("connection", flush=True)
                super().setup()

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(204)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.flush()
                print("request", self.command, self.path, flush=True)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                error = sys.exc_info()[1]
                print("error", type(error).__name__, str(error).replace("\n", " "), flush=True)

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server = Server(("127.0.0.1", 0), Handler)
        # The handshake runs in the connection's thread, so a failed one cannot stall accept().
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        print("port", server.server_address[1], flush=True)
        server.serve_forever()
        """#

    private init(port: Int, process: Process, output: URL) {
        self.port = port
        self.process = process
        self.output = output
    }

    static func start(certificate: String, key: String, in directory: URL) async throws -> PythonHTTPSServer {
        let output = directory.appendingPathComponent("server-\(UUID()).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw TLSTestError("cannot create \(output.path)")
        }
        let outputHandle = try FileHandle(forWritingTo: output)
        defer { try? outputHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, certificate, key]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        try process.run()

        let clock = ContinuousClock()
        let giveUp = clock.now + .seconds(5)
        while true {
            let lines = Self.lines(of: output)
            if let line = lines.first(where: { $0.hasPrefix("port ") }), let port = Int(line.dropFirst(5)) {
                return PythonHTTPSServer(port: port, process: process, output: output)
            }
            guard process.isRunning, clock.now < giveUp else {
                kill(process.processIdentifier, SIGKILL)
                _ = try? await waitForExit(process, within: .seconds(5))
                throw TLSTestError("HTTPS test server did not start: \(lines.joined(separator: "\n"))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private static func lines(of file: URL) -> [String] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    var log: [String] { Self.lines(of: output) }
    var connections: Int { log.filter { $0 == "connection" }.count }
    var requests: [String] { log.filter { $0.hasPrefix("request ") } }

    /// SIGKILL, because a child started from a test thread may have SIGTERM blocked; then polls.
    func stop() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = try? await waitForExit(process, within: .seconds(5))
    }
}

/// Makes a fresh PKI, runs an HTTPS server with the chosen leaf certificate, runs `body`, and
/// always kills the server and removes the PKI.
func withPythonHTTPSServer<T>(
    presenting leaf: KeyPath<ThrowawayPKI, (certificate: String, key: String)>,
    _ body: (_ server: PythonHTTPSServer, _ pki: ThrowawayPKI) async throws -> T
) async throws -> T {
    let pki = try await ThrowawayPKI.make()
    defer { pki.remove() }
    let (certificate, key) = pki[keyPath: leaf]
    let server = try await PythonHTTPSServer.start(certificate: certificate, key: key, in: pki.directory)
    do {
        let result = try await body(server, pki)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

extension ThrowawayPKI {
    var localhost: (certificate: String, key: String) { (localhostCertificate, localhostKey) }
    var other: (certificate: String, key: String) { (otherCertificate, otherKey) }

    /// The default client configuration, trusting the throwaway CA instead of the system roots.
    func trustingClientConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificate))
        return configuration
    }
}

/// The https path really verifies the server: its chain against the trust roots and its name
/// (or, for an IP literal, its address) against the certificate.
@Suite struct WebhookTLSTests {
    let loopback = DestinationPolicy(allowLoopback: true)

    /// Waits a little for a refused connection to show up in the server's log, so "no request"
    /// is checked after the server saw the client, not before.
    private func settle(_ server: PythonHTTPSServer) async throws {
        for _ in 0..<50 where server.connections == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
    }

    @Test(arguments: ["localhost", "127.0.0.1"])
    func trustedCAAndMatchingNameSucceeds(host: String) async throws {
        try await withPythonHTTPSServer(presenting: \.localhost) { server, pki in
            let client = WebhookClient(
                policy: loopback, timeout: .seconds(5), tlsConfiguration: try pki.trustingClientConfiguration())
            let destination = try WebhookDestination(parsing: "https://\(host):\(server.port)/hook")
            let status = try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            #expect(status == 204)
            // The server logs the request just after answering it: give that line a moment.
            for _ in 0..<100 where server.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.requests == ["request POST /hook"], "server log: \(server.log)")
        }
    }

    @Test(arguments: ["localhost", "127.0.0.1"])
    func untrustedCAIsRefused(host: String) async throws {
        try await withPythonHTTPSServer(presenting: \.localhost) { server, _ in
            // The default configuration: system trust roots, which do not hold the throwaway CA.
            let client = WebhookClient(policy: loopback, timeout: .seconds(5))
            let destination = try WebhookDestination(parsing: "https://\(host):\(server.port)/hook")
            await #expect(throws: WebhookError.connectionFailed) {
                try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            }
            try await settle(server)
            // The client did reach the server: it was the handshake it refused.
            #expect(server.connections >= 1, "server log: \(server.log)")
            #expect(server.requests.isEmpty, "server log: \(server.log)")
        }
    }

    @Test(arguments: ["localhost", "127.0.0.1"])
    func certificateForAnotherNameIsRefusedEvenFromTrustedCA(host: String) async throws {
        try await withPythonHTTPSServer(presenting: \.other) { server, pki in
            let client = WebhookClient(
                policy: loopback, timeout: .seconds(5), tlsConfiguration: try pki.trustingClientConfiguration())
            let destination = try WebhookDestination(parsing: "https://\(host):\(server.port)/hook")
            await #expect(throws: WebhookError.connectionFailed) {
                try await client.post(to: destination, headers: [], body: Array("{}".utf8))
            }
            try await settle(server)
            #expect(server.connections >= 1, "server log: \(server.log)")
            #expect(server.requests.isEmpty, "server log: \(server.log)")
        }
    }
}
