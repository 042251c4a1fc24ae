import Foundation

/// When a failed delivery is tried again: exponential backoff from `base`, capped, with
/// ±`jitter` so that deliveries failing together (a receiver down) do not retry together.
/// After `maxAttempts` the delivery is a dead letter until an admin replays it.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var base: Duration
    public var cap: Duration
    public var jitter: Double

    /// 30 s, 1, 2, 4 … 128 min: ten attempts over about four and a quarter hours.
    public init(
        maxAttempts: Int = 10, base: Duration = .seconds(30), cap: Duration = .seconds(6 * 3600), jitter: Double = 0.2
    ) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The nominal delay after failed attempt `attempt` (1-based), before jitter.
    public func nominalDelay(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 30)
        return min(base * factor, cap)
    }

    /// The delay before the next attempt, or nil when `attempt` was the last one.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, using random: inout R) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let spread = jitter > 0 ? Double.random(in: -jitter...jitter, using: &random) : 0
        return nominalDelay(afterAttempt: attempt) * (1 + spread)
    }
}
