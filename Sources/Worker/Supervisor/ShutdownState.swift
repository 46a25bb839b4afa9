import Broker

#if canImport(Glibc)
import Glibc
#endif

/// Whether a node is running or shutting down, and how: the supervisor loop's side of a ``Shutdown`` (which
/// ``ShutdownSignals`` and ``ServiceGroup`` fill with the one rule, ``ShutdownLevel/after(signal:)``).
enum ShutdownState: Equatable {
    case running
    /// Waiting for running tasks until `deadline`, then cold.
    case warm(deadline: ContinuousClock.Instant)
    /// Killing the processes now; their messages are requeued.
    case cold

    /// How far the shutdown has gone.
    var level: ShutdownLevel {
        switch self {
        case .running: .running
        case .warm: .warm
        case .cold: .cold
        }
    }

    /// The state once `asked` was requested, or `nil` when it changes nothing: warm from running starts the
    /// `timeout`; cold from running or warm is cold; anything else (asking again, or less) changes nothing.
    func after(request asked: ShutdownLevel, now: ContinuousClock.Instant, timeout: Duration) -> ShutdownState? {
        guard asked > level else { return nil }
        return asked == .cold ? .cold : .warm(deadline: now + timeout)
    }

    /// The state after `signal`, or `nil` when it changes nothing: SIGQUIT, or any signal while shutting down
    /// already, is cold; SIGTERM or SIGINT while running is warm, for `timeout` (the rule, read at the node's level).
    func after(signal: Int32, now: ContinuousClock.Instant, timeout: Duration) -> ShutdownState? {
        level.after(signal: signal).flatMap { after(request: $0, now: now, timeout: timeout) }
    }
}

/// A small thread-safe inbox: the control listener posts, the supervisor loop drains.
final class LockedQueue<Element: Sendable>: Sendable {
    private let pending = Locked<[Element]>([])

    func post(_ element: Element) {
        pending.withLock { $0.append(element) }
    }

    func drain() -> [Element] {
        pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }
}
