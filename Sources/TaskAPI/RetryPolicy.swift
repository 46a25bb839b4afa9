import Broker

/// When a failed task is retried, and how long it waits: a ``Backoff`` (exponential, capped, with full
/// jitter by default) and a filter that says which errors are worth another run.
public struct RetryPolicy: Sendable {
    /// How many retries after the first run; 0 never retries.
    public var maxRetries: Int
    /// The delays between runs.
    public var backoff: Backoff
    /// Which errors are worth retrying; others fail at once.
    public var shouldRetry: @Sendable (any Error) -> Bool

    private init(maxRetries: Int, backoff: Backoff, shouldRetry: @escaping @Sendable (any Error) -> Bool) {
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.shouldRetry = shouldRetry
    }

    /// Never retry (a ``RetryRequest`` thrown by the task still retries, up to 3 times as in Celery).
    public static let none = RetryPolicy(maxRetries: 0, backoff: Backoff(), shouldRetry: { _ in false })

    /// Retries up to `maxRetries` times, waiting `base × 2^retries` (at most `cap`; with full jitter, a random
    /// delay between zero and that), for the errors `retryIf` accepts (every error by default; ``isTransient``
    /// for transient faults only).
    public static func exponential(
        maxRetries: Int, base: Duration = .seconds(1), cap: Duration = .seconds(600), jitter: Bool = true,
        retryIf shouldRetry: @escaping @Sendable (any Error) -> Bool = { _ in true }
    ) -> RetryPolicy {
        RetryPolicy(maxRetries: maxRetries, backoff: Backoff(base: base, cap: cap, jitter: jitter), shouldRetry: shouldRetry)
    }

    /// The filter that retries transient faults only: an error adopting ``TransientError`` (`RedisError`,
    /// `PostgresError`, `HTTPError`, or an application's own) whose `isTransient` is true. Every other error
    /// fails at once: `.exponential(maxRetries: 5, retryIf: RetryPolicy.isTransient)`.
    public static func isTransient(_ error: any Error) -> Bool {
        (error as? any TransientError)?.isTransient ?? false
    }

    /// The delay before retry number `retries + 1`.
    public func delay(afterRetries retries: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        backoff.delay(afterAttempts: retries, random: random)
    }
}

/// Thrown by a task to ask for a retry now, regardless of its policy's error filter
/// (Celery's `self.retry()`); still bounded by `maxRetries` when given.
public struct RetryRequest: Error, Sendable {
    /// The delay before the retry; the policy's backoff when `nil`.
    public var countdown: Duration?
    /// The error that caused it, reported in the RETRY result.
    public var reason: String
    /// Overrides the policy's `maxRetries`.
    public var maxRetries: Int?

    /// Asks for a retry after `countdown` (the policy's backoff when `nil`), at most `maxRetries` times.
    public init(countdown: Duration? = nil, reason: String = "retry requested", maxRetries: Int? = nil) {
        self.countdown = countdown
        self.reason = reason
        self.maxRetries = maxRetries
    }
}
