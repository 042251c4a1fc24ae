import Foundation
import PostgresNIO
import Testing

@testable import Tenancy

/// What a request's way through the hub costs in threads and timers (bench/README, the
/// indicators): its statements on its connection's event loop, and timers that cancelling
/// removes.
@Suite struct RequestPathTests {
    /// A request's work on a lent connection runs on that connection's event loop, before and
    /// after its statements: their answers resume it there, not on another thread.
    @Test func aLentConnectionsWorkRunsOnItsEventLoop() async throws {
        try await withRuntime(poolSize: 1) { client in
            let (before, after) = try await ConnectionWait.$limit.withValue(.seconds(5)) {
                try await client.withConnectionOrUnavailable { connection in
                    let before = connection.eventLoop.inEventLoop
                    try await connection.perform("SELECT 1", logger: TestDatabase.logger)
                    return (before, connection.eventLoop.inEventLoop)
                }
            }
            #expect(before)
            #expect(after)
        }
    }

    /// A cancelled timer never fires; one left alone does.
    @Test func aCancelledTimerNeverFires() async throws {
        let fired = Fired()
        EventLoopTimer.after(.milliseconds(50)) { fired.append("laissé") }
        EventLoopTimer.after(.milliseconds(50)) { fired.append("annulé") }.cancel()
        try await Task.sleep(for: .milliseconds(300))
        #expect(fired.names == ["laissé"])
    }

    final class Fired: @unchecked Sendable {
        private let lock = NSLock()
        private var fired: [String] = []
        var names: [String] { lock.withLock { fired } }
        func append(_ name: String) { lock.withLock { fired.append(name) } }
    }
}
