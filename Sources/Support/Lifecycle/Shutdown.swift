import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How far a shutdown has been asked for; it only ever moves forward.
package enum ShutdownLevel: Int, Comparable, Sendable {
    /// Nothing asked.
    case running
    /// Finish what is running, start nothing new, then stop.
    case warm
    /// Stop now; whatever is running is abandoned (and, for tasks, requeued).
    case cold

    package static func < (lhs: ShutdownLevel, rhs: ShutdownLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level after `signal` (the one rule): SIGQUIT is cold; SIGTERM or SIGINT is warm the first time and
    /// cold once a shutdown was asked already; `nil` when `signal` changes nothing (cold already, or another
    /// signal).
    package func after(signal: Int32) -> ShutdownLevel? {
        let next: ShutdownLevel
        switch signal {
        case SIGQUIT: next = .cold
        case SIGTERM, SIGINT: next = self == .running ? .warm : .cold
        default: return nil
        }
        return next > self ? next : nil
    }
}

/// The one way a long-lived part (``Service``) is told to stop: its `run(until:)` watches this value and returns
/// once it has stopped. Loops on a thread of their own read ``level`` between steps; async code awaits
/// ``requested(_:)``. One value is shared by the parts of a ``ServiceGroup``.
package final class Shutdown: Sendable {
    private struct State {
        var level = ShutdownLevel.running
        var nextWaiter = 0
        var waiting: [Int: (level: ShutdownLevel, continuation: CheckedContinuation<Void, Never>)] = [:]
        /// Waiters whose task was cancelled before they were registered.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    /// Nothing asked yet.
    package init() {}

    /// What has been asked so far.
    package var level: ShutdownLevel { state.withLock { $0.level } }

    /// Whether any shutdown (warm or cold) has been asked.
    package var isRequested: Bool { level != .running }

    /// Asks for `wanted`; asking for less than what was asked already changes nothing.
    package func request(_ wanted: ShutdownLevel) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard wanted > state.level else { return [] }
            state.level = wanted
            let due = state.waiting.filter { $0.value.level <= wanted }
            for id in due.keys { state.waiting[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Suspends until at least `wanted` has been asked, or the calling task is cancelled.
    package func requested(_ wanted: ShutdownLevel = .warm) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil || state.level >= wanted { return true }
                    state.waiting[id] = (wanted, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiting.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter.continuation
            }
            waiter?.resume()
        }
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Runs `body`, an async loop that stops when its task is cancelled, and cancels it once a shutdown is asked
    /// (any level). A `CancellationError` from `body` after that is the expected way out, not an error.
    package func cancelling(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask { await self.requested(.warm) }
            do {
                try await group.next()
                group.cancelAll()
                try await group.waitForAll()
            } catch is CancellationError where isRequested {
                group.cancelAll()
            }
        }
    }

    /// Runs `body` with a shutdown that is asked (warm) when the calling task is cancelled: the adapter for a
    /// public seam whose contract is task cancellation (``cancelling(_:)`` is the other direction).
    package static func whenCancelled<Result>(_ body: (Shutdown) async throws -> Result) async rethrows -> Result {
        let shutdown = Shutdown()
        return try await withTaskCancellationHandler {
            try await body(shutdown)
        } onCancel: {
            shutdown.request(.warm)
        }
    }
}
