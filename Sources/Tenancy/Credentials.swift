import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Passwords (bcrypt) and bearer tokens (random, stored as SHA-256).
public enum Credentials {
    /// bcrypt cost: 12 is ~0.25 s on these machines, the floor ARCHITECTURE.md sets.
    public static let bcryptCost: UInt8 = 12

    /// Hashing takes a quarter of a second of CPU: it runs on NIO's blocking pool so that
    /// it never stalls the threads serving other requests.
    public static func hashPassword(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: bcryptCost) }
    }

    public static func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Compared against when the e-mail is unknown, so that an unknown address costs the
    /// same time as a wrong password and timing does not tell which e-mails exist.
    static let decoyHash = Bcrypt.hash("decoy password that matches nothing", cost: bcryptCost)

    public static let minimumPasswordLength = 12

    /// 256 random bits, URL-safe base64 without padding.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func tokenHash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
