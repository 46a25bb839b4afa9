import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// What a running task knows about itself, and its way to send tasks of its own.
public struct TaskContext: Sendable {
    /// The task id (also the result key's suffix).
    public var taskID: String
    /// The task name the message carried (an alias, if the producer used one).
    public var name: String
    /// How many times this task was retried before this run.
    public var retries: Int
    /// How many times this message was delivered: 1, plus one for each worker process that died running it.
    public var deliveryCount: Int
    /// The ETA it was scheduled for, if any.
    public var eta: Date?
    /// The first task of its workflow (its own id when it started one).
    public var rootID: String
    /// The task that sent it.
    public var parentID: String?
    /// The queue it came from.
    public var queue: String
    /// The worker's node name.
    public var hostname: String
    /// The message's headers, as the producer sent them (Celery's and custom ones).
    public var headers: JSONObject
    /// When the soft time limit fires (else the hard one); `nil` when the task has no limit. A blocking call
    /// (libpq, libcurl) should give up by then: see ``timeRemaining(now:)``.
    public var deadline: ContinuousClock.Instant?
    /// A logger with `task.id`, `task.name` and `queue` metadata.
    public var logger: Logger
    /// Sends child tasks, groups and chords with this task as their parent.
    public var sender: TaskSender

    /// A context; the worker makes one per run, and a unit test makes its own (the sender then records what
    /// the task sends, see ``RecordingTaskTransport``).
    public init(
        taskID: String = RandomID.uuidString(), name: String, retries: Int = 0, deliveryCount: Int = 1, eta: Date? = nil,
        rootID: String? = nil, parentID: String? = nil, queue: String = "celery", hostname: String = "test@localhost",
        headers: JSONObject = [:], deadline: ContinuousClock.Instant? = nil,
        logger: Logger = Logger(label: "celerity.task"), sender: TaskSender? = nil
    ) {
        self.taskID = taskID
        self.name = name
        self.retries = retries
        self.deliveryCount = deliveryCount
        self.eta = eta
        self.rootID = rootID ?? taskID
        self.parentID = parentID
        self.queue = queue
        self.hostname = hostname
        self.headers = headers
        self.deadline = deadline
        self.logger = logger
        self.sender = sender ?? TaskSender(parentID: taskID, rootID: rootID ?? taskID, transport: RecordingTaskTransport())
    }

    /// The schedule entry and slot, when the scheduler sent this task (`celerity_schedule_entry` and
    /// `celerity_schedule_slot` headers): a task can key its work by the slot, so a late run does the slot's work.
    public var schedule: ScheduledRun? {
        guard let entry = headers["celerity_schedule_entry"]?.stringValue,
            let slot = headers["celerity_schedule_slot"]?.stringValue.flatMap(CeleryTime.parse)
        else { return nil }
        return ScheduledRun(entry: entry, slot: slot)
    }

    /// The time left until ``deadline`` (never negative), or `nil` when the task has no time limit.
    public func timeRemaining(now: ContinuousClock.Instant = .now) -> Duration? {
        deadline.map { max(.zero, $0 - now) }
    }
}

/// The schedule entry and slot of a task the scheduler sent.
public struct ScheduledRun: Sendable, Hashable {
    /// The entry's name in the schedule file.
    public var entry: String
    /// The slot (the time the entry was due), in UTC.
    public var slot: Date

    public init(entry: String, slot: Date) {
        self.entry = entry
        self.slot = slot
    }
}
