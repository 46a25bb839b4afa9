#if canImport(Glibc)
import Glibc
#endif

/// Runs services together, as swift-service-lifecycle's `ServiceGroup`: starts every one, asks all of them to stop
/// when a shutdown signal arrives (``ShutdownSignals``: the first SIGTERM or SIGINT is warm, a second one or
/// SIGQUIT cold), when any one of them returns or throws, or when the calling task is cancelled (cold), and
/// returns once each has returned.
package struct ServiceGroup: Sendable {
    private let services: [any Service]
    private let signals: ShutdownSignals?
    private let onReload: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - signals: the process's installed signals; `nil` when something else (a test, an outer group) asks.
    ///   - onReload: called on each SIGHUP, when `signals` includes it (the scheduler's reload).
    package init(_ services: [any Service], signals: ShutdownSignals? = nil, onReload: (@Sendable () -> Void)? = nil) {
        self.services = services
        self.signals = signals
        self.onReload = onReload
    }

    /// Runs every service with `shutdown` until all have returned.
    /// - Throws: the first error a service threw (the others were asked to stop and have returned).
    package func run(until shutdown: Shutdown = Shutdown()) async throws {
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let signals {
                    let stream = signals.stream()
                    group.addTask { [onReload] in
                        // Ends when the services have stopped: the group cancels it, which ends the stream.
                        for await signal in stream {
                            if signal == SIGHUP { onReload?(); continue }
                            if let next = shutdown.level.after(signal: signal) { shutdown.request(next) }
                        }
                    }
                }
                var running = 0
                for service in services {
                    running += 1
                    group.addTask {
                        // Whichever way one part ends, the others stop too: no part runs on alone.
                        defer { shutdown.request(.warm) }
                        try await service.run(until: shutdown)
                    }
                }
                var firstError: (any Error)?
                while running > 0 {
                    do {
                        guard try await group.next() != nil else { break }
                    } catch {
                        firstError = firstError ?? error
                    }
                    running -= 1
                }
                group.cancelAll()  // the signal listener
                if let firstError { throw firstError }
            }
        } onCancel: {
            shutdown.request(.cold)
        }
    }
}
