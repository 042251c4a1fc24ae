import NIOCore

/// Runs a task's jobs on a NIO event loop: the one that holds the task's PostgreSQL
/// connection, while the task holds it (`withConnectionOrUnavailable`).
///
/// Each statement of a request is a round trip: the query is written on the connection's
/// event loop and its answer resumes the task. On Swift's global executor, both steps cross
/// threads (the task's thread to the loop's, the loop's back to a pool thread), each a
/// wake-up: about 30 context switches for an indicators read of 9 statements (bench/README).
/// On the connection's own loop the write is made at once and the answer resumes the task in
/// the same turn of the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
