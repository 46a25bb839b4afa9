import TaskAPI

/// What happens to a task whose handler threw: retried, failed, or dead-lettered. Decided from values only,
/// so every rule is unit-tested without Redis; the worker process does the I/O for the answer.
enum Disposition: Equatable, Sendable {
    /// Scheduled again after `delay` (the RETRY state is stored, the message acknowledged).
    case retry(delay: Duration)
    /// FAILURE is stored and the message acknowledged: the error is not one to retry, or the soft time limit fired.
    case fail
    /// The task wanted a retry but has used all it may: FAILURE is stored and the message dead-lettered.
    case deadLetter(reason: String)

    /// The retry limit of a task that asks for a retry (``TaskAPI/RetryRequest``) without a `maxRetries` of its own
    /// and whose policy has none: Celery's `Task.max_retries` default.
    static let defaultMaxRetries = 3

    /// The disposition of a run that threw `error`.
    /// - Parameters:
    ///   - policy: the task's retry policy: which errors it retries, how often, after what delay.
    ///   - retries: how many times the message was retried already (`headers.retries`).
    ///   - softLimitFired: whether the soft time limit cancelled the handler (never retried, as in Celery).
    ///   - random: the jitter draw for the policy's backoff, in [0, 1].
    static func decide(
        error: any Error, policy: RetryPolicy, retries: Int, softLimitFired: Bool, random: Double = Double.random(in: 0...1)
    ) -> Disposition {
        let request = error as? RetryRequest
        let wantsRetry = !softLimitFired && (request != nil || (policy.maxRetries > 0 && policy.shouldRetry(error)))
        guard wantsRetry else { return .fail }
        let limit = request?.maxRetries ?? (policy.maxRetries > 0 ? policy.maxRetries : defaultMaxRetries)
        guard retries < limit else { return .deadLetter(reason: "retries exhausted after \(retries) retries") }
        return .retry(delay: request?.countdown ?? policy.delay(afterRetries: retries, random: random))
    }
}
