/// Exponential backoff with a cap and optional full jitter (a random delay between zero and
/// `min(cap, base × 2^attempts)`, as AWS recommends): the one delay rule of every retry and reconnect loop.
public struct Backoff: Sendable, Hashable {
    /// The delay after the first failure (before jitter).
    public var base: Duration
    /// The longest delay (before jitter).
    public var cap: Duration
    /// Whether to draw the delay uniformly from zero to the backoff ("full jitter").
    public var jitter: Bool

    /// A backoff from `base`, doubling up to `cap`; with full jitter unless `jitter` is `false`.
    public init(base: Duration = .seconds(1), cap: Duration = .seconds(600), jitter: Bool = true) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The delay after `attempts` earlier failures (0 for the first retry).
    /// - Parameter random: a number in 0...1 drawn for the jitter; a test passes a fixed one.
    public func delay(afterAttempts attempts: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = min(max(attempts, 0), 40)
        let backoff = min(cap.seconds, base.seconds * Double(UInt64(1) << UInt64(exponent)))
        let seconds = jitter ? backoff * random : backoff
        // Checked: a cap or base of any size (or a NaN from a zero-times-infinity) never traps the conversion.
        let milliseconds = (seconds * 1000).rounded()
        guard milliseconds.isFinite, milliseconds < 9e15 else { return milliseconds.isNaN ? .zero : cap }
        return .milliseconds(Int64(max(milliseconds, 0)))
    }
}
