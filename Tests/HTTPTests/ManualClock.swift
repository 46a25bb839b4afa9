import Broker
import HTTP
import TestSupport

/// A clock whose time moves only when a test advances it or the code under test sleeps; it records every sleep.
final class ManualClock: Sendable {
    private let current = Locked(ContinuousClock.now)
    private let recordedSleeps = Locked<[Duration]>([])

    /// The clock handed to the notifier or sender.
    var clock: BlockingClock {
        BlockingClock(
            now: { self.current.withLock { $0 } },
            sleep: { duration in
                self.recordedSleeps.withLock { $0.append(duration) }
                self.advance(by: duration)
            }
        )
    }

    /// Every sleep the code asked for, in order.
    var sleeps: [Duration] { recordedSleeps.withLock { $0 } }

    /// Moves time forward.
    func advance(by duration: Duration) { current.withLock { $0 = $0 + duration } }
}
