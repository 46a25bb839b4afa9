import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one lifecycle shape (issue 23, part 3): ``ServiceGroup`` with fake services (pure logic, no Redis).
@Suite("service group", .serialized) struct ServiceGroupTests {
    struct Failure: Error, Equatable {}

    /// Waits for a shutdown, records the levels it saw, then returns (or first waits for cold, when asked to).
    final class Waiter: Service {
        let seen = Locked<[ShutdownLevel]>([])
        let stopped = Locked(false)
        let waitsForCold: Bool

        init(waitsForCold: Bool = false) { self.waitsForCold = waitsForCold }

        func run(until shutdown: Shutdown) async {
            await shutdown.requested(.warm)
            seen.withLock { $0.append(shutdown.level) }
            if waitsForCold {
                await shutdown.requested(.cold)
                seen.withLock { $0.append(shutdown.level) }
            }
            stopped.value = true
        }
    }

    /// Throws (or returns) after `delay`, on its own.
    struct Ending: Service {
        let throwing: Bool

        func run(until shutdown: Shutdown) async throws {
            try await Task.sleep(for: .milliseconds(50))
            if throwing { throw Failure() }
        }
    }

    /// A blocking loop on its own thread that reads the level between steps, as the supervisor's does.
    final class ThreadLoop: Service {
        let steps = Locked(0)

        func run(until shutdown: Shutdown) async {
            await PosixThread.run(name: "test-loop") { [steps] in
                while !shutdown.isRequested {
                    steps.withLock { $0 += 1 }
                    PosixThread.sleep(for: .milliseconds(5))
                }
            }
        }
    }

    @Test func onePartFailingStopsTheOthersAndRunRethrows() async throws {
        let waiter = Waiter()
        let loop = ThreadLoop()
        await #expect(throws: Failure.self) {
            try await ServiceGroup([waiter, loop, Ending(throwing: true)]).run()
        }
        #expect(waiter.stopped.value)
        #expect(waiter.seen.value == [.warm])
        #expect(loop.steps.value > 0)
    }

    @Test func onePartReturningStopsTheOthers() async throws {
        let waiter = Waiter()
        let shutdown = Shutdown()
        try await ServiceGroup([waiter, Ending(throwing: false)]).run(until: shutdown)
        #expect(waiter.stopped.value)
        #expect(shutdown.level == .warm)
    }

    @Test func cancellingTheCallerIsACold() async throws {
        let waiter = Waiter(waitsForCold: true)
        let shutdown = Shutdown()
        let running = Task { try await ServiceGroup([waiter, ThreadLoop()]).run(until: shutdown) }
        try await poll(timeout: .seconds(5), "the group started") { shutdown.level == .running && !waiter.stopped.value }
        running.cancel()
        try await running.value
        #expect(shutdown.level == .cold)
        #expect(waiter.stopped.value)
    }

    @Test func aShutdownAskedOnceIsNotAskedLess() {
        let shutdown = Shutdown()
        shutdown.request(.cold)
        shutdown.request(.warm)
        #expect(shutdown.level == .cold)
    }

    @Test func aWaiterWhoseTaskIsCancelledReturns() async throws {
        let shutdown = Shutdown()
        let waiting = Task { await shutdown.requested(.cold) }
        waiting.cancel()
        await waiting.value
        #expect(shutdown.level == .running)
    }

    @Test func theSignalRule() {
        #expect(ShutdownLevel.running.after(signal: SIGTERM) == .warm)
        #expect(ShutdownLevel.running.after(signal: SIGINT) == .warm)
        #expect(ShutdownLevel.running.after(signal: SIGQUIT) == .cold)
        #expect(ShutdownLevel.warm.after(signal: SIGTERM) == .cold)
        #expect(ShutdownLevel.warm.after(signal: SIGINT) == .cold)
        #expect(ShutdownLevel.cold.after(signal: SIGTERM) == nil)
        #expect(ShutdownLevel.running.after(signal: SIGHUP) == nil)
    }

    /// Real signals to this process, through the one handler: a SIGTERM is warm, a second one cold; SIGHUP reloads.
    @Test func aSignalIsWarmASecondOneCold() async throws {
        let signals = ShutdownSignals.install([SIGTERM, SIGHUP])
        defer { signal(SIGTERM, SIG_DFL); signal(SIGHUP, SIG_DFL) }
        let waiter = Waiter(waitsForCold: true)
        let reloads = Locked(0)
        let shutdown = Shutdown()
        let running = Task {
            try await ServiceGroup([waiter], signals: signals, onReload: { reloads.withLock { $0 += 1 } }).run(until: shutdown)
        }
        kill(getpid(), SIGHUP)
        try await poll(timeout: .seconds(5), "SIGHUP reached the reload") { reloads.value == 1 }
        #expect(shutdown.level == .running)
        kill(getpid(), SIGTERM)
        try await poll(timeout: .seconds(5), "the first SIGTERM asked a warm shutdown") { waiter.seen.value == [.warm] }
        #expect(signals.stopRequested)
        #expect(!waiter.stopped.value)
        kill(getpid(), SIGTERM)
        try await running.value
        #expect(waiter.seen.value == [.warm, .cold])
        #expect(shutdown.level == .cold)
    }
}
