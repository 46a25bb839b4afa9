/// Why a message was dead-lettered: the `reason` label of `celerity_dead_lettered_total` (a closed set,
/// unlike the free-text reason stored with each entry).
package enum DeadLetterReason: String, Sendable, CaseIterable {
    /// The task failed on every retry it was allowed.
    case retriesExhausted = "retries_exhausted"
    /// Its worker process died on every delivery (`--max-deliveries`).
    case poison
    /// Not a Celery message Celerity can decode.
    case malformed
    /// No task of that name is registered.
    case unknownTask = "unknown_task"
    /// Its process passed `--task-memory-limit` and was killed.
    case memory
}

extension DeadLetterReason {
    /// The reason class of a dead-letter entry's free-text reason.
    package init(describing reason: String) {
        if reason.hasPrefix("retries exhausted") {
            self = .retriesExhausted
        } else if reason.hasPrefix("poison message") {
            self = .poison
        } else if reason.hasPrefix("unknown task name") {
            self = .unknownTask
        } else if reason == "memory" {
            self = .memory
        } else {
            self = .malformed
        }
    }
}
