import Broker
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's shutdown signals, installed in one place: SIGTERM and SIGINT ask for a warm shutdown, SIGQUIT
/// or a second SIGTERM/SIGINT for a cold one (``ShutdownState/after(signal:now:timeout:)``). Handlers only post;
/// the supervisor's loop drains the inbox on its own thread.
final class SignalInbox: Sendable {
    private let pending = LockedQueue<Int32>()
    /// The dispatch sources, kept alive while the node runs.
    private let sources = Locked<[any DispatchSourceSignal]>([])

    /// Installs the handlers (once per node).
    func install() {
        for signalNumber in [SIGTERM, SIGINT, SIGQUIT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [pending] in pending.post(signalNumber) }
            source.resume()
            sources.withLock { $0.append(source) }
        }
    }

    /// The signals received since the last call, oldest first.
    func drain() -> [Int32] { pending.drain() }
}

/// Whether a node is running or shutting down, and how.
enum ShutdownState: Equatable {
    case running
    /// Waiting for running tasks until `deadline`, then cold.
    case warm(deadline: ContinuousClock.Instant)
    /// Killing the processes now; their messages are requeued.
    case cold

    /// The state after `signal`, or `nil` when it changes nothing: SIGQUIT, or any signal while shutting down
    /// already, is cold; SIGTERM or SIGINT while running is warm, for `timeout`.
    func after(signal: Int32, now: ContinuousClock.Instant, timeout: Duration) -> ShutdownState? {
        let cold = signal == SIGQUIT || self != .running
        if cold { return self == .cold ? nil : .cold }
        return .warm(deadline: now + timeout)
    }
}

/// A small thread-safe inbox: signal handlers and the control listener post, the supervisor loop drains.
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
