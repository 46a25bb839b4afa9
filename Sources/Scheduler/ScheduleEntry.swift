import Broker
import Foundation

/// One periodic job of a schedule: which task to send, with what, where, and when.
public struct ScheduleEntry: Sendable, Hashable {
    /// The entry's unique name; a slot is identified by (name, slot time).
    public var name: String
    /// The Celery task name, e.g. `backups.postgres`.
    public var task: String
    /// Positional arguments.
    public var args: [JSONValue]
    /// Keyword arguments.
    public var kwargs: JSONObject
    /// The queue to send to; default `celery`.
    public var queue: String
    /// The Celery priority 0–9 (lower runs first); default 0.
    public var priority: Int
    /// How long after its slot a message may still run; `nil` for no expiry.
    public var expires: Interval?
    /// When the entry runs.
    public var recurrence: Recurrence
    /// The zone cron expressions are read in (and times are shown in).
    public var timeZone: TimeZone
    /// What to do with slots missed while no scheduler was running; default ``CatchUpPolicy/once``.
    public var catchUp: CatchUpPolicy
    /// The line of the schedule file the entry starts on, when it came from a file.
    public var line: Int?

    /// An entry; every argument after `recurrence` has the documented default.
    public init(
        name: String, task: String, recurrence: Recurrence, timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        args: [JSONValue] = [], kwargs: JSONObject = [:], queue: String = "celery", priority: Int = 0,
        expires: Interval? = nil, catchUp: CatchUpPolicy = .once, line: Int? = nil
    ) {
        self.name = name
        self.task = task
        self.recurrence = recurrence
        self.timeZone = timeZone
        self.args = args
        self.kwargs = kwargs
        self.queue = queue
        self.priority = priority
        self.expires = expires
        self.catchUp = catchUp
        self.line = line
    }

    /// The slot math of this entry.
    public var slots: SlotCalculator { SlotCalculator(recurrence: recurrence, timeZone: timeZone) }

    /// The Celery protocol v2 message for `slot`, built by the Broker's codec: `expires` is the slot
    /// time plus ``expires``, and the headers `celerity_schedule_entry` / `celerity_schedule_slot`
    /// name the slot (Celery passes unknown headers through to `task.request`).
    public func message(forSlot slot: Date, taskID: String? = nil) -> TaskMessage {
        let options = TaskOptions(
            queue: queue, priority: priority,
            expires: expires.map { slot.addingTimeInterval(Double($0.seconds)) }, taskID: taskID
        )
        var message = TaskMessage.make(task: task, args: args, kwargs: kwargs, options: options)
        message.headers["celerity_schedule_entry"] = .string(name)
        message.headers["celerity_schedule_slot"] = .string(CeleryTime.format(slot))
        return message
    }
}

/// What happens to slots that passed while no scheduler was running (or while every scheduler was
/// more than the grace period late).
public enum CatchUpPolicy: String, Sendable, Hashable, CaseIterable {
    /// Missed slots are dropped; the entry runs again at its next slot.
    case skip
    /// All missed slots together run once, as the latest of them — unless an on-time slot runs anyway.
    case once
    /// Every missed slot runs, oldest first, up to ``CatchUpPolicy/maximumSlots`` (the latest ones).
    case all

    /// The most missed slots ``all`` enqueues at once; older ones are dropped and logged.
    public static let maximumSlots = 100
}

/// What one scheduler tick enqueues for one entry.
public struct SlotPlan: Sendable, Hashable {
    /// The slots to claim and enqueue, oldest first.
    public var slots: [Date]
    /// How many missed slots are dropped by the catch-up policy (counted up to 10,000).
    public var skipped: Int

    /// A plan of `slots` to send, having dropped `skipped` missed ones.
    public init(slots: [Date], skipped: Int) {
        self.slots = slots
        self.skipped = skipped
    }
}

extension ScheduleEntry {
    /// Which slots are due at `now`.
    ///
    /// A slot less than `grace` old is on time and always enqueued. Older slots after `lastSlot` are
    /// missed and follow ``catchUp``. With no `lastSlot` (the entry never ran) only the latest on-time
    /// slot is due.
    /// - Parameters:
    ///   - lastSlot: the last slot enqueued by any scheduler, from Redis.
    ///   - now: the current time.
    ///   - grace: how late a slot may be and still count as on time (at least one second).
    public func plan(lastSlot: Date?, now: Date, grace: Duration) -> SlotPlan {
        let calculator = slots
        let now = Slot.seconds(now)
        let onTimeAfter = now - max(1, grace.components.seconds)
        guard let lastSlot else {
            // Never ran: start with the latest on-time slot, not a burst of every slot in the grace period.
            return SlotPlan(slots: calculator.latest(1, after: onTimeAfter, through: now).map(Slot.date), skipped: 0)
        }
        let lower = Slot.seconds(lastSlot)
        let onTime = calculator.slots(after: max(lower, onTimeAfter), through: now, limit: 100_000)
        guard lower < onTimeAfter else { return SlotPlan(slots: onTime.map(Slot.date), skipped: 0) }
        let missed = calculator.count(after: lower, through: onTimeAfter, cap: 10_000)
        guard missed > 0 else { return SlotPlan(slots: onTime.map(Slot.date), skipped: 0) }
        switch catchUp {
        case .skip:
            return SlotPlan(slots: onTime.map(Slot.date), skipped: missed)
        case .once:
            guard onTime.isEmpty else { return SlotPlan(slots: onTime.map(Slot.date), skipped: missed) }
            let latest = calculator.latest(1, after: lower, through: onTimeAfter)
            return SlotPlan(slots: latest.map(Slot.date), skipped: missed - latest.count)
        case .all:
            let latest = calculator.latest(CatchUpPolicy.maximumSlots, after: lower, through: onTimeAfter)
            return SlotPlan(slots: (latest + onTime).map(Slot.date), skipped: max(0, missed - latest.count))
        }
    }
}
