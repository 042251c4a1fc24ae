import NIOCore
import NIOPosix

/// The request path's timers: an event loop's scheduled task, which cancelling removes.
///
/// Not `Task.sleep`: on Linux a cancelled sleep stays among Dispatch's timers until its time
/// comes, then wakes a thread for nothing. A request had five of them (its deadline, and a
/// lease wait and a watcher for each of its two connections), each cancelled a few
/// milliseconds later: thousands of wake-ups a second under load (bench/README, the
/// indicators).
public enum EventLoopTimer {
    /// Calls `fire` on one of the process's event loops after `delay`, unless the returned
    /// task is cancelled first.
    @discardableResult
    public static func after(_ delay: Duration, _ fire: @escaping @Sendable () -> Void) -> Scheduled<Void> {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(delay), fire)
    }
}
