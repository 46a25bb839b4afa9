import Broker
import Logging
import Testing

@testable import Worker

/// The pool counts its changes so the supervisor publishes a ``NodeSnapshot`` only after one: what an idle tick
/// does leaves the count as it was, a change to the slots moves it. No process is started (nothing spawns here).
@Suite struct ProcessPoolChangesTests {
    static func pool(processes: Int) -> ProcessPool {
        var configuration = WorkerConfiguration(redis: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 1)))
        configuration.concurrency = processes
        let logger = Logger(label: "test")
        return ProcessPool(
            configuration: configuration, executable: "/bin/false", childArguments: [],
            connection: RedisConnection(configuration: configuration.redis, logger: logger), logger: logger
        )
    }

    @Test("an idle tick's steps change nothing: no snapshot is published")
    func idleTickChangesNothing() {
        var pool = Self.pool(processes: 2)
        let before = pool.changes
        for _ in 0..<3 {
            pool.readEvents { _ in Issue.record("no process, no event") }
            pool.enforceHardTimeLimits(now: .now)
            pool.enforceTaskMemoryLimit()
            pool.terminate(taskID: "not-running")
            let resized = pool.resize(to: 2)
            #expect(!resized)
            pool.stopAll()
        }
        #expect(pool.changes == before, "an idle tick counted \(pool.changes - before) changes")
    }

    @Test("growing and shrinking the pool are changes")
    func resizingIsAChange() {
        var pool = Self.pool(processes: 2)
        var seen = pool.changes
        var resized = pool.resize(to: 3)
        #expect(resized)
        #expect(pool.changes != seen, "a grown pool did not count a change")
        seen = pool.changes
        resized = pool.resize(to: 1)
        #expect(resized)
        #expect(pool.changes != seen, "a shrunk pool did not count a change")
        seen = pool.changes
        _ = pool.resize(to: 1)  // the shrunk slots (no process) are removed now
        #expect(pool.slots.count == 1)
        #expect(pool.changes != seen, "removing retired slots did not count a change")
        seen = pool.changes
        _ = pool.resize(to: 1)
        #expect(pool.changes == seen, "a pool already at its size counted a change")
    }
}
