/// A circuit breaker: after `failureThreshold` consecutive failures it opens and refuses calls for
/// `resetTimeout`; then it lets one trial call through (half-open), which closes it on success or opens it again.
///
/// The seeds' `CircuitBreaker(fail_max=5, timeout_duration=60)` is `CircuitBreaker(failureThreshold: 5,
/// resetTimeout: .seconds(60))`. Pure logic: the caller passes the time, so tests need no clock.
public struct CircuitBreaker: Sendable {
    /// Where the breaker stands.
    public enum State: Sendable, Hashable {
        /// Calls go through; `failures` consecutive failures so far.
        case closed(failures: Int)
        /// Calls are refused until `until`.
        case open(until: ContinuousClock.Instant)
        /// One trial call is allowed; its outcome decides.
        case halfOpen
    }

    /// Consecutive failures that open the breaker.
    public let failureThreshold: Int
    /// How long the breaker stays open before a trial call.
    public let resetTimeout: Duration
    /// The current state.
    public private(set) var state: State = .closed(failures: 0)

    /// A closed breaker.
    public init(failureThreshold: Int = 5, resetTimeout: Duration = .seconds(60)) {
        self.failureThreshold = max(1, failureThreshold)
        self.resetTimeout = resetTimeout
    }

    /// Whether a call may be made at `now`; moves an open breaker whose timeout has passed to half-open.
    public mutating func allowsCall(at now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed, .halfOpen: return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen
            return true
        }
    }

    /// Records a successful call: the breaker closes.
    public mutating func recordSuccess() { state = .closed(failures: 0) }

    /// Records a failed call at `now`: the breaker opens at the threshold, or again after a failed trial.
    public mutating func recordFailure(at now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures):
            state =
                failures + 1 >= failureThreshold ? .open(until: now + resetTimeout) : .closed(failures: failures + 1)
        case .halfOpen, .open:
            state = .open(until: now + resetTimeout)
        }
    }
}
