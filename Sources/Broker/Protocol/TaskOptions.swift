#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A task's time limits: the soft one raises inside the task, the hard one kills its process.
public struct TimeLimit: Sendable, Hashable {
    public var hard: Duration?
    public var soft: Duration?

    public init(hard: Duration? = nil, soft: Duration? = nil) {
        self.hard = hard
        self.soft = soft
    }
}


/// Options for sending a task; every field has Celery's default.
public struct TaskOptions: Sendable, Hashable {
    /// The queue (routing key); default `celery`.
    public var queue: String = "celery"
    /// The Celery priority 0–9; lower runs first. Default 0.
    public var priority: Int = 0
    /// When the task may run; `nil` for now. Set by ``countdown`` too.
    public var eta: Date?
    /// After when the task must not run.
    public var expires: Date?
    /// Time limits sent in the `timelimit` header.
    public var timeLimit = TimeLimit()
    /// Store no result for this task.
    public var ignoreResult = false
    /// An explicit task id; a fresh UUID when `nil`.
    public var taskID: String?
    /// The task that sends this one (workflows and retries).
    public var parentID: String?
    /// The first task of the workflow; this task's own id when `nil`.
    public var rootID: String?
    /// The group this task belongs to.
    public var group: String?
    /// The position in the group.
    public var groupIndex: Int?
    /// Celerity's own message headers (flow control's `celerity_flow_key`); Celery's headers win on a clash.
    public var extraHeaders: JSONObject = [:]

    public init(
        queue: String = "celery", priority: Int = 0, countdown: Duration? = nil, eta: Date? = nil,
        expiresIn: Duration? = nil, expires: Date? = nil, softTimeLimit: Duration? = nil,
        hardTimeLimit: Duration? = nil, ignoreResult: Bool = false, taskID: String? = nil
    ) {
        self.queue = queue
        self.priority = priority
        self.eta = eta ?? countdown.map { Date().addingTimeInterval($0.seconds) }
        self.expires = expires ?? expiresIn.map { Date().addingTimeInterval($0.seconds) }
        self.timeLimit = TimeLimit(hard: hardTimeLimit, soft: softTimeLimit)
        self.ignoreResult = ignoreResult
        self.taskID = taskID
    }
}
