import Broker
import Logging
import Operations
import TaskAPI

/// How one message ended, announced once (``OutcomeReporter/announce(_:)``), after its Redis steps are done.
struct Finished {
    /// What became of the message.
    enum Ending {
        case succeeded(result: JSONValue, runtime: Duration)
        case retried(error: RemoteError, delay: Duration, retries: Int, runtime: Duration)
        /// FAILURE stored; `softLimitFired`: the soft time limit cancelled the handler.
        case failed(error: RemoteError, runtime: Duration, softLimitFired: Bool)
        /// Failed on every retry it was allowed: FAILURE stored and the message dead-lettered with `reason`.
        case retriesExhausted(error: RemoteError, reason: String, runtime: Duration)
        /// No task of this name is registered: dead-lettered without running.
        case unknownTask
        /// Revoked or expired (`reason`): not run, REVOKED stored.
        case revoked(reason: String)
        /// Not a message Celerity can decode: dead-lettered with its reason.
        case malformed(MalformedMessageError)
    }

    var ending: Ending
    /// What the supervisor is told; its outcome, runtime, exception and dead-letter reason follow from `ending`.
    var report: TaskReport
    /// What the middleware sees; `nil` for a malformed message, which no middleware hears of.
    var context: TaskContext?
    /// The task's logger (with its id, name and queue).
    var logger: Logger
}

/// Announces each ``Finished`` to everyone who hears of outcomes, in one place: the middleware
/// (``TaskAPI/TaskMiddleware``), the supervisor's ``TaskReport`` (metrics), the Celery event and the log line.
struct OutcomeReporter {
    let middleware: [any TaskMiddleware]
    let tellSupervisor: (WorkerEvent) -> Void
    /// Publishes a Celery task event; `nil` when events are off (`-E` not given).
    let publishEvent: ((String, JSONObject) -> Void)?

    func announce(_ finished: Finished) {
        var report = finished.report
        let log = finished.logger
        let id = JSONValue.string(report.taskID)
        let outcome: TaskOutcome?
        switch finished.ending {
        case .succeeded(let result, let runtime):
            (report.outcome, report.runtime) = (.succeeded, runtime.seconds)
            outcome = .succeeded(runtime: runtime)
            log.info("task succeeded", metadata: ["task.runtime": "\(runtime.seconds)"])
            publishEvent?("task-succeeded", ["uuid": id, "result": .string(PythonRepr.repr(result)), "runtime": .double(runtime.seconds)])
        case .retried(let error, let delay, let retries, let runtime):
            (report.outcome, report.runtime) = (.retried, runtime.seconds)
            outcome = .retried(error: TaskError(error), delay: delay, runtime: runtime)
            log.warning(
                "task failed; retrying",
                metadata: [
                    "task.runtime": "\(runtime.seconds)", "error": "\(error)", "task.retry_in": "\(delay.seconds)",
                    "task.retries": "\(retries + 1)",
                ]
            )
            publishEvent?("task-retried", ["uuid": id, "exception": .string(error.description), "traceback": ""])
        case .failed(let error, let runtime, let softLimitFired):
            (report.outcome, report.runtime, report.exception) = (.failed, runtime.seconds, error.type)
            outcome = softLimitFired ? .timeLimitExceeded(runtime: runtime) : .failed(error: TaskError(error), runtime: runtime)
            log.error("task failed", metadata: ["task.runtime": "\(runtime.seconds)", "error": "\(error)"])
            publishFailed(id, error, task: report.name)
        case .retriesExhausted(let error, let reason, let runtime):
            (report.outcome, report.runtime, report.exception, report.deadLetter) = (.failed, runtime.seconds, error.type, .retriesExhausted)
            outcome = .deadLettered(reason: reason, error: TaskError(error))
            log.error("task failed; retries exhausted, dead-lettered", metadata: ["task.runtime": "\(runtime.seconds)", "error": "\(error)"])
            publishFailed(id, error, task: report.name)
        case .unknownTask:
            (report.outcome, report.deadLetter) = (.rejected, .unknownTask)
            outcome = .deadLettered(
                reason: "unknown task name", error: TaskError(type: "NotRegistered", message: report.name, module: "celery.exceptions")
            )
            log.error("unknown task name; dead-lettered")
        case .revoked(let reason):
            report.outcome = .revoked
            outcome = .revoked(reason: reason)
            log.info(reason == "expired" ? "task expired; not run" : "task revoked; not run")
        case .malformed:
            (report.outcome, report.deadLetter) = (.rejected, .malformed)
            outcome = nil
        }
        tellSupervisor(.finished(report))
        if let context = finished.context, let outcome {
            for middleware in middleware { middleware.taskDidFinish(context, outcome: outcome) }
        }
    }

    private func publishFailed(_ id: JSONValue, _ error: RemoteError, task: String) {
        publishEvent?("task-failed", [
            "uuid": id, "exception": .string(error.description),
            "traceback": .string(ErrorReport.traceback(task: task, error: error)),
        ])
    }
}
