import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a ``TaskParameters`` value is sent: every ``TaskOptions`` field, except that the queue is optional and
/// defaults to the task's own ``TaskParameters/queue`` — also when a countdown, an ETA or a priority is given.
public struct SendOptions: Sendable, Hashable {
    /// The queue; `nil` for the task's default queue (``TaskParameters/queue``).
    public var queue: String?
    /// The Celery priority 0–9; lower runs first. Default 0.
    public var priority: Int
    /// Run no earlier than this long after sending.
    public var countdown: Duration?
    /// Run no earlier than this time (wins over ``countdown``).
    public var eta: Date?
    /// Do not run later than this long after sending.
    public var expiresIn: Duration?
    /// Do not run after this time (wins over ``expiresIn``).
    public var expires: Date?
    /// Soft time limit sent in the `timelimit` header.
    public var softTimeLimit: Duration?
    /// Hard time limit sent in the `timelimit` header.
    public var hardTimeLimit: Duration?
    /// Store no result for this task.
    public var ignoreResult: Bool
    /// An explicit task id; derived (inside a task) or random when `nil`.
    public var taskID: String?

    /// Options for one send; every argument is optional, and the queue defaults to the task's.
    public init(
        queue: String? = nil, priority: Int = 0, countdown: Duration? = nil, eta: Date? = nil,
        expiresIn: Duration? = nil, expires: Date? = nil, softTimeLimit: Duration? = nil,
        hardTimeLimit: Duration? = nil, ignoreResult: Bool = false, taskID: String? = nil
    ) {
        self.queue = queue
        self.priority = priority
        self.countdown = countdown
        self.eta = eta
        self.expiresIn = expiresIn
        self.expires = expires
        self.softTimeLimit = softTimeLimit
        self.hardTimeLimit = hardTimeLimit
        self.ignoreResult = ignoreResult
        self.taskID = taskID
    }

    /// The message options for a task whose default queue is `defaultQueue`; countdowns count from now.
    public func taskOptions(defaultQueue: String) -> TaskOptions {
        TaskOptions(
            queue: queue ?? defaultQueue, priority: priority, countdown: countdown, eta: eta, expiresIn: expiresIn,
            expires: expires, softTimeLimit: softTimeLimit, hardTimeLimit: hardTimeLimit, ignoreResult: ignoreResult,
            taskID: taskID
        )
    }
}
