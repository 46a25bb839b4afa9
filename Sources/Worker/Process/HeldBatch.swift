import Broker
import Dispatch
import Synchronization

/// What a worker process holds beyond the task it runs: the rest of its batch (in its processing list, not
/// started) and the finished tasks whose results are not stored yet (still in the processing list too).
///
/// Shared by the worker loop and a watchdog thread. When a task runs longer than the hold, the watchdog hands
/// both back in one step (``WorkerScripts/handBack``): the results are stored, and the messages that have not
/// started go back to the head of their queues, where another process takes them. So neither a result nor a
/// later message of the batch waits behind a long task. Every Redis step on the batch runs with the lock held,
/// so the loop and the watchdog never act on the same messages at once.
final class HeldBatch: Sendable {
    struct State {
        /// Taken, not started; the next to run first.
        var waiting: [Delivery] = []
        /// Finished; their results are stored, and their messages acknowledged, by the next step.
        var finished: [PendingAck] = []
        /// When the revocation of `waiting` was last checked (by the step that returned them).
        var checked = ContinuousClock.now
        /// When the running task started; `nil` between tasks.
        var running: ContinuousClock.Instant?
        /// Whether the watchdog sleeps until it is woken.
        var parked = false
        /// Whether the watchdog should end (the loop has stopped and handed everything back).
        var watchdogStopped = false

        var holdsMessages: Bool { !waiting.isEmpty || !finished.isEmpty }
    }

    /// What the loop does next.
    enum Next: Sendable {
        /// Run this message (it left `waiting`).
        case start(Delivery)
        /// Messages wait, but their revocation check is older than the revocation window: check again first.
        case stale
        /// Nothing waits: take more.
        case empty
    }

    /// How long a task may run before the watchdog hands back what the process holds.
    let hold: Duration
    /// The oldest a waiting message's revocation check may be when it starts (2 ms, or the hold if shorter);
    /// an older one is checked again first.
    let revocationWindow: Duration
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Runs before each Redis step on the batch (``step(_:)``, ``withState(_:)``): the worker process writes the
    /// supervisor the reports that wait (``SupervisorChannel/flush()``), as a step can take a while.
    private let beforeStep: @Sendable () -> Void

    init(hold: Duration, beforeStep: @escaping @Sendable () -> Void = {}) {
        self.hold = hold
        self.revocationWindow = min(hold, .milliseconds(2))
        self.beforeStep = beforeStep
    }

    /// Runs one of the loop's Redis steps, between tasks: `body` gets the finished tasks (to store and
    /// acknowledge) and returns the messages that now wait. The lock is not held meanwhile: the watchdog acts
    /// only while a task runs, and a hand-back it started has ended before the loop could end its task. When
    /// `body` throws, the finished tasks stay for the next step. Returns whether any message waits.
    func step(_ body: ([PendingAck]) throws -> [Delivery]) throws -> Bool {
        beforeStep()
        let finished = state.withLock { state in
            defer { state.finished = [] }
            return state.finished
        }
        let waiting: [Delivery]
        do {
            waiting = try body(finished)
        } catch {
            state.withLock { $0.finished = finished + $0.finished }
            throw error
        }
        return state.withLock { state in
            state.waiting = waiting
            state.checked = .now
            return !waiting.isEmpty
        }
    }

    /// Runs `body` on the state with the lock held (the watchdog waits meanwhile).
    func withState(_ body: (inout State) throws -> Void) throws {
        beforeStep()
        try state.withLock { try body(&$0) }
    }

    /// The next message to start, marking it running, or why there is none.
    func next() -> Next {
        state.withLock { state in
            guard !state.waiting.isEmpty else { return .empty }
            let now = ContinuousClock.now
            guard now - state.checked <= revocationWindow else { return .stale }
            state.running = now
            let delivery = state.waiting.removeFirst()
            if state.parked, state.holdsMessages {
                state.parked = false
                wake.signal()
            }
            return .start(delivery)
        }
    }

    /// Records a finished task; its result is stored by the next step.
    func finish(_ completion: PendingAck) {
        state.withLock { $0.finished.append(completion) }
    }

    /// The running task has ended.
    func taskEnded() {
        state.withLock { $0.running = nil }
    }

    /// Starts the watchdog thread, until ``stopWatching()``. `handBack` runs with the lock held and returns whether
    /// it succeeded (it empties `waiting` and `finished`); after a failure the watchdog tries again a little later.
    func watch(handBack: @escaping @Sendable (inout State) -> Bool) {
        PosixThread.start(name: "batch-watchdog", stackSize: 512 << 10) { [self] in
            while !state.withLock({ $0.watchdogStopped }) {
                let until: ContinuousClock.Instant? = state.withLock { state in
                    guard state.holdsMessages, !state.watchdogStopped else {
                        state.parked = true
                        return nil
                    }
                    let now = ContinuousClock.now
                    guard let running = state.running, now - running >= hold else { return (state.running ?? now) + hold }
                    return handBack(&state) ? now : now + .milliseconds(100)
                }
                guard let until else {
                    wake.wait()
                    continue
                }
                _ = wake.wait(timeout: .now() + .nanoseconds(max(0, (until - ContinuousClock.now).clampedNanoseconds)))
            }
        }
    }

    /// Ends the watchdog thread (it wakes and returns); the loop calls it once it has stopped.
    func stopWatching() {
        state.withLock { state in
            state.watchdogStopped = true
            if state.parked {
                state.parked = false
                wake.signal()
            }
        }
    }
}
