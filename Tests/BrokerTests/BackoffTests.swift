import Broker
import Testing

/// `Backoff.delay` is the one delay rule of every retry and reconnect loop: it doubles up to the cap, jitters
/// within it, and never traps however large the cap or base (a conversion of a Double to Int64 is checked).
@Suite struct BackoffTests {
    @Test func doublesUpToTheCapAndJittersBelowIt() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1), jitter: false)
        #expect((0...5).map { backoff.delay(afterAttempts: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
        #expect(Backoff(base: .seconds(1), cap: .seconds(10)).delay(afterAttempts: 3, random: 0.5) == .seconds(4))
    }

    @Test func anyCapOrBaseGivesADelayAndNeverTraps() {
        let huge = Duration.seconds(Int64.max)
        #expect(Backoff(base: huge, cap: huge, jitter: false).delay(afterAttempts: 40) == huge)
        #expect(Backoff(base: .seconds(1), cap: .seconds(1_000_000_000_000), jitter: false).delay(afterAttempts: 40) > .seconds(1_000_000))
        #expect(Backoff(base: .zero, cap: huge).delay(afterAttempts: 40, random: 0) == .zero)
        #expect(Backoff(base: .seconds(1), cap: .seconds(10)).delay(afterAttempts: -5, random: 1) == .seconds(1))
    }
}
