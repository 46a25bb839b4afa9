/// Code that runs around every task a worker process handles: the place for task metrics, tracing and
/// failure notifications. Hooks run on the worker process's thread, in registration order, and must not
/// throw: a middleware never changes a task's outcome.
public protocol TaskMiddleware: Sendable {
    /// Called just before the handler runs.
    func taskWillRun(_ context: TaskContext)
    /// Called once the message's outcome is stored: after the handler, or instead of it for a revoked or
    /// expired message.
    func taskDidFinish(_ context: TaskContext, outcome: TaskOutcome)
}

extension TaskMiddleware {
    public func taskWillRun(_ context: TaskContext) {}
}

/// How a task's message ended.
public enum TaskOutcome: Sendable, Hashable {
    /// The handler returned; its result is stored.
    case succeeded(runtime: Duration)
    /// The handler threw and the task is scheduled again after `delay`.
    case retried(error: TaskError, delay: Duration, runtime: Duration)
    /// The handler threw and the task will not run again; FAILURE is stored.
    case failed(error: TaskError, runtime: Duration)
    /// The task will not run again and its message is in the dead-letter queue (retries exhausted, or
    /// its name is not registered).
    case deadLettered(reason: String, error: TaskError?)
    /// The task was revoked or had expired, and did not run.
    case revoked(reason: String)
    /// The soft time limit fired and the handler was cancelled; FAILURE (`SoftTimeLimitExceeded`) is stored.
    case timeLimitExceeded(runtime: Duration)
}
