import ServiceLifecycle

/// Runs `body` every `interval` until a graceful shutdown, the first time after one interval.
/// The wait ends with the shutdown: a SIGTERM must not wait for the next hour's work (the
/// indicators' refresh once did, and every stop ended in a SIGKILL). Work under way is left to
/// finish. The background services of the hub (indicators' refresh, checkpoints) share it.
func everyInterval(_ interval: Duration, _ body: () async -> Void) async {
    while !Task.isShuttingDownGracefully {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        await body()
    }
}
