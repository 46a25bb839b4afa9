import Broker
import Synchronization

/// Where a ``TaskSender`` puts its steps: Redis in a worker, memory in a unit test.
public protocol TaskTransport: Sendable {
    /// Runs the `preparation` commands and pushes `messages` onto their queues, atomically and at most once
    /// per `step` key (a step already sent is skipped). A `nil` key is always sent.
    /// - Returns: whether the step was sent now (`false`: an earlier run sent it).
    @discardableResult
    func send(step: String?, preparation: [[String]], messages: [TaskMessage]) async throws -> Bool
}

/// A transport that records what a task sends instead of sending it, for unit tests of tasks.
public final class RecordingTaskTransport: TaskTransport {
    private let recorded = Mutex<(steps: Set<String>, messages: [TaskMessage])>(([], []))

    public init() {}

    /// The messages sent so far, in order (a step sent twice is recorded once, as in Redis).
    public var messages: [TaskMessage] { recorded.withLock { $0.messages } }

    @discardableResult
    public func send(step: String?, preparation: [[String]], messages: [TaskMessage]) async throws -> Bool {
        recorded.withLock { state in
            if let step, !state.steps.insert(step).inserted { return false }
            state.messages += messages
            return true
        }
    }
}
