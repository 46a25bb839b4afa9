import Operations

/// What a worker process tells its supervisor when it is done with a message (the `done` line of the
/// ``SupervisorChannel``), for the task counters and histograms of `/metrics`.
///
/// Fields: `<task id> <outcome> <task name> <queue> <runtime s or -> <queue wait s or -> <exception type or ->
/// <dead-letter reason or -> [<ready list> <pop number> <started at>]` (``WorkerEvent/finished(_:)`` escapes them).
/// It carries no arguments and no error message: only what may become a metric label or value.
struct TaskReport: Sendable, Equatable {
    /// How the message ended, as celery-exporter names its counters.
    enum Outcome: String, Sendable, CaseIterable {
        case succeeded, failed, retried, revoked, rejected
    }

    var taskID: String
    /// `nil` until known: a report sent without one (the step failed on Redis) counts nothing.
    var outcome: Outcome?
    var name: String
    var queue: String
    /// Seconds the handler ran; `nil` when it did not run.
    var runtime: Double?
    /// Seconds between the message becoming due (its ETA) and its start; `nil` when unknown.
    var queueWait: Double?
    /// The exception type of a failure (`ValueError`, `TimeLimitExceeded`), never its message.
    var exception: String?
    /// Why the message went to the dead-letter queue, when it did.
    var deadLetter: DeadLetterReason?
    /// Where and when a message without an ETA was popped, for its queue wait (``QueueArrivals``).
    var pop: Pop?

    /// The ready list a message was popped from, its pop number there, and when it started (Unix seconds).
    struct Pop: Sendable, Equatable {
        var list: String
        var number: Int
        var started: Double
    }

    /// Appends the fields after `done`, each after a tab, escaped (``WorkerEvent/appendField(_:to:)``).
    func encodeFields(into bytes: inout [UInt8]) {
        WorkerEvent.appendField(taskID, to: &bytes)
        WorkerEvent.appendField(outcome?.rawValue ?? "-", to: &bytes)
        WorkerEvent.appendField(name, to: &bytes)
        WorkerEvent.appendField(queue, to: &bytes)
        WorkerEvent.appendField(runtime.map { String($0) } ?? "-", to: &bytes)
        WorkerEvent.appendField(queueWait.map { String($0) } ?? "-", to: &bytes)
        WorkerEvent.appendField(exception ?? "-", to: &bytes)
        WorkerEvent.appendField(deadLetter?.rawValue ?? "-", to: &bytes)
        if let pop {
            WorkerEvent.appendField(pop.list, to: &bytes)
            WorkerEvent.appendField(String(pop.number), to: &bytes)
            WorkerEvent.appendField(String(pop.started), to: &bytes)
        }
    }

    init(
        taskID: String, outcome: Outcome?, name: String, queue: String, runtime: Double? = nil, queueWait: Double? = nil,
        exception: String? = nil, deadLetter: DeadLetterReason? = nil, pop: Pop? = nil
    ) {
        self.taskID = taskID
        self.outcome = outcome
        self.name = name
        self.queue = queue
        self.runtime = runtime
        self.queueWait = queueWait
        self.exception = exception
        self.deadLetter = deadLetter
        self.pop = pop
    }

    /// Parses the fields of a `done` line (without `done`); `nil` for a line of an older format, or one whose
    /// times are not finite or negative (they would become histogram observations).
    init?(fields: ArraySlice<String>) {
        let values = Array(fields)
        // "-": no outcome (the step failed on Redis); the report still ends the running task and counts nothing.
        guard values.count >= 8, values[1] == "-" || Outcome(rawValue: values[1]) != nil else { return nil }
        let outcome = Outcome(rawValue: values[1])
        func seconds(_ text: String) -> Double?? {
            if text == "-" { return .some(nil) }
            guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
            return .some(value)
        }
        guard let runtime = seconds(values[4]), let queueWait = seconds(values[5]) else { return nil }
        self.init(
            taskID: values[0], outcome: outcome, name: values[2], queue: values[3], runtime: runtime,
            queueWait: queueWait, exception: values[6] == "-" ? nil : values[6],
            deadLetter: DeadLetterReason(rawValue: values[7])
        )
        if values.count >= 11, let number = Int(values[9]), number >= 0, let started = Double(values[10]), started.isFinite {
            pop = Pop(list: values[8], number: number, started: started)
        }
    }
}
