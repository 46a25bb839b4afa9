import Support

/// The time source and blocking sleep used by the notifier and the webhook sender; tests substitute a manual one.
package struct BlockingClock: Sendable {
    /// The current instant.
    package var now: @Sendable () -> ContinuousClock.Instant
    /// Blocks the calling thread for a duration.
    package var sleep: @Sendable (Duration) -> Void

    /// A clock from two functions.
    package init(
        now: @escaping @Sendable () -> ContinuousClock.Instant, sleep: @escaping @Sendable (Duration) -> Void
    ) {
        self.now = now
        self.sleep = sleep
    }

    /// The continuous clock and a real thread sleep.
    package static let system = BlockingClock(
        now: { ContinuousClock.now }, sleep: { if $0 > .zero { PosixThread.sleep(for: $0) } }
    )
}
