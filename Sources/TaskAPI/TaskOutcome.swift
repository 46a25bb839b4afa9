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
