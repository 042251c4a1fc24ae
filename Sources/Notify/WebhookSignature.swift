import Crypto
import Foundation
import Tenancy

/// Webhook signatures: `Hub-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`,
/// one `v1=` per valid secret (two during a rotation's overlap), so a receiver that checks
/// any of them keeps working while it switches secrets. The timestamp is signed so a
/// receiver can refuse replays older than a few minutes.
public enum WebhookSignature {
    public static let eventIDHeader = "Hub-Event-Id"
    public static let timestampHeader = "Hub-Timestamp"
    public static let signatureHeader = "Hub-Signature"
    public static let topicHeader = "Hub-Topic"

    public static func sign(timestamp: Int, body: [UInt8], secret: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return Array(mac).hex
    }

    public static func header(timestamp: Int, body: [UInt8], secrets: [[UInt8]]) -> String {
        secrets.map { "v1=" + sign(timestamp: timestamp, body: body, secret: $0) }.joined(separator: ",")
    }

    /// What a receiver does: does any `v1=` of the header match under `secret`?
    public static func verify(header: String, timestamp: Int, body: [UInt8], secret: [UInt8]) -> Bool {
        let expected = Array(sign(timestamp: timestamp, body: body, secret: secret).utf8)
        return header.split(separator: ",").contains { part in
            let value = part.trimmingCharacters(in: .whitespaces)
            guard value.hasPrefix("v1=") else { return false }
            return constantTimeEquals(Array(value.dropFirst(3).utf8), expected)
        }
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
