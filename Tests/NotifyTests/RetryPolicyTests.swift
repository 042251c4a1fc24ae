import Foundation
import Testing

@testable import Notify

@Suite struct RetryPolicyTests {
    @Test func delaysDoubleUpToTheCapThenStop() {
        let policy = RetryPolicy(maxAttempts: 10, base: .seconds(30), cap: .seconds(3600), jitter: 0)
        var random = SystemRandomNumberGenerator()
        let delays = (1...10).map { policy.delay(afterAttempt: $0, using: &random) }
        #expect(
            delays == [
                .seconds(30), .seconds(60), .seconds(120), .seconds(240), .seconds(480), .seconds(960), .seconds(1920),
                .seconds(3600), .seconds(3600), nil,
            ])
    }

    @Test func jitterStaysWithinItsBand() {
        let policy = RetryPolicy(maxAttempts: 5, base: .seconds(10), cap: .seconds(1000), jitter: 0.2)
        var random = SystemRandomNumberGenerator()
        var seen = Set<Duration>()
        for _ in 0..<200 {
            let delay = policy.delay(afterAttempt: 3, using: &random)!
            #expect(delay >= .seconds(32) && delay <= .seconds(48))
            seen.insert(delay)
        }
        // Deliveries failing together do not retry together.
        #expect(seen.count > 50)
    }

    @Test func aSingleAttemptPolicyDeadLettersAtOnce() {
        var random = SystemRandomNumberGenerator()
        #expect(RetryPolicy(maxAttempts: 1).delay(afterAttempt: 1, using: &random) == nil)
    }
}
