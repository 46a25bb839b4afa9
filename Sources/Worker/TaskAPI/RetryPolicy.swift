/// When a failed task is retried, and how long it waits: exponential backoff with a cap and full
/// jitter (a random delay between zero and `min(cap, base × 2^retries)`), as AWS recommends.
public struct RetryPolicy: Sendable {
    /// How many retries after the first run; 0 never retries.
    public var maxRetries: Int
    /// The backoff before the first retry (before jitter).
    public var baseDelay: Duration
    /// The longest backoff (before jitter).
    public var maxDelay: Duration
    /// Whether to draw the delay uniformly from zero to the backoff ("full jitter").
    public var jitter: Bool
    /// Which errors are worth retrying; others fail at once.
    public var shouldRetry: @Sendable (any Error) -> Bool

    public init(
        maxRetries: Int, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(600), jitter: Bool = true,
        shouldRetry: @escaping @Sendable (any Error) -> Bool = { _ in true }
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.shouldRetry = shouldRetry
    }

    /// Never retry.
    public static let none = RetryPolicy(maxRetries: 0)

    /// Exponential backoff with full jitter.
    public static func exponential(
        maxRetries: Int, base: Duration = .seconds(1), cap: Duration = .seconds(600), jitter: Bool = true,
        retryIf shouldRetry: @escaping @Sendable (any Error) -> Bool = { _ in true }
    ) -> RetryPolicy {
        RetryPolicy(maxRetries: maxRetries, baseDelay: base, maxDelay: cap, jitter: jitter, shouldRetry: shouldRetry)
    }

    /// The delay before retry number `retries + 1`.
    public func delay(afterRetries retries: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = min(retries, 40)
        let backoff = min(maxDelay.seconds, baseDelay.seconds * Double(1 << UInt64(exponent)))
        let seconds = jitter ? backoff * random : backoff
        return .milliseconds(Int64((seconds * 1000).rounded()))
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

    public init(countdown: Duration? = nil, reason: String = "retry requested", maxRetries: Int? = nil) {
        self.countdown = countdown
        self.reason = reason
        self.maxRetries = maxRetries
    }
}
