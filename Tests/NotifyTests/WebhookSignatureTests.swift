import Foundation
import Testing

@testable import Notify

@Suite struct WebhookSignatureTests {
    let secret = Array(repeating: UInt8(7), count: 32)
    let body = Array(#"{"id":"x","topic":"householdOriented"}"#.utf8)

    /// The reference value comes from Python's hmac module, as a receiver computes it.
    @Test func signsTimestampDotBody() {
        let signature = WebhookSignature.sign(timestamp: 1_700_000_000, body: Array("{}".utf8), secret: secret)
        // python3 -c 'import hmac,hashlib;print(hmac.new(bytes([7]*32), b"1700000000.{}", hashlib.sha256).hexdigest())'
        #expect(signature == "7b24748c9a3d39ed07b08d270a9c3b5ae3b420a0cba2eb3337b0fd8b739e40cd")
    }

    @Test func verifiesAnyOfTheSecretsDuringARotation() {
        let previous = Array(repeating: UInt8(9), count: 32)
        let header = WebhookSignature.header(timestamp: 42, body: body, secrets: [secret, previous])
        #expect(header.split(separator: ",").count == 2)
        #expect(WebhookSignature.verify(header: header, timestamp: 42, body: body, secret: secret))
        #expect(WebhookSignature.verify(header: header, timestamp: 42, body: body, secret: previous))
        #expect(!WebhookSignature.verify(header: header, timestamp: 43, body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: header, timestamp: 42, body: body + [32], secret: secret))
        #expect(!WebhookSignature.verify(header: "v1=00", timestamp: 42, body: body, secret: secret))
    }
}
