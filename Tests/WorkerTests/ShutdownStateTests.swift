import Foundation
import Testing

@testable import Worker

/// The one signal rule of a node (issue 23, part 3): SIGTERM/SIGINT are warm, SIGQUIT or a second signal cold.
@Suite struct ShutdownStateTests {
    let now = ContinuousClock.now

    @Test func aFirstTermIsWarmForTheShutdownTimeout() {
        #expect(ShutdownState.running.after(signal: SIGTERM, now: now, timeout: .seconds(30)) == .warm(deadline: now + .seconds(30)))
        #expect(ShutdownState.running.after(signal: SIGINT, now: now, timeout: .seconds(5)) == .warm(deadline: now + .seconds(5)))
    }

    @Test func aSecondTermOrAQuitIsCold() {
        let warm = ShutdownState.warm(deadline: now + .seconds(30))
        #expect(warm.after(signal: SIGTERM, now: now, timeout: .seconds(30)) == .cold)
        #expect(warm.after(signal: SIGINT, now: now, timeout: .seconds(30)) == .cold)
        #expect(ShutdownState.running.after(signal: SIGQUIT, now: now, timeout: .seconds(30)) == .cold)
    }

    @Test func aSignalDuringAColdShutdownChangesNothing() {
        #expect(ShutdownState.cold.after(signal: SIGTERM, now: now, timeout: .seconds(30)) == nil)
        #expect(ShutdownState.cold.after(signal: SIGQUIT, now: now, timeout: .seconds(30)) == nil)
    }
}
