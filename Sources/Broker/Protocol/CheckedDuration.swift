extension Duration {
    /// The longest time limit, ETA offset or wait Celerity accepts from outside: 10⁷ s (about 115 days).
    public static let longestAcceptedSeconds = 10_000_000.0

    /// A duration of `seconds` that came from outside (a message header, a channel field, a Redis value), or
    /// `nil` when it is not finite or not in `range`. Never traps: `Duration.seconds(Double)`, `Int64(Double)`
    /// and `Int(x * 1e9)` all trap on NaN, ±∞ or a value past their range; this is the one conversion to use.
    public init?(checkedSeconds seconds: Double, in range: ClosedRange<Double> = 0...longestAcceptedSeconds) {
        guard seconds.isFinite, range.contains(seconds), abs(seconds) <= 9.0e9 else { return nil }
        // |seconds| ≤ 9e9, so the nanosecond count (≤ 9e18) fits an Int64.
        self = .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Whole nanoseconds, clamped to `Int.max` (a `Duration` can hold far more than a timer accepts).
    public var clampedNanoseconds: Int {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? Int.min : Int.max }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflowAgain else { return seconds < 0 ? Int.min : Int.max }
        return Int(clamping: total)
    }
}
