import Broker
import Foundation
import TestSupport
import Testing
import Worker

#if canImport(Glibc)
import Glibc
#endif

extension WorkerTests {
    // MARK: 6b. the one signal path: a second SIGTERM during a warm shutdown is cold

    @Test("6b. a second SIGTERM during a warm shutdown is cold: the running task's message is requeued at once")
    func secondTermIsCold() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--shutdown-timeout", "60"])
            let id = try await f.client.enqueue("test.sleep_record", args: ["rec:second", 30.0])
            try await f.poll("start:\(id)", timeout: .seconds(10), node: node) {
                try await f.list("rec:second").contains("start:" + id) ? true : nil
            }
            node.process.signal(SIGTERM)
            try await poll(timeout: .seconds(10), "the node to begin a warm shutdown") {
                node.process.output.contains("warm shutdown: waiting for running tasks")
            }
            #expect(node.process.termination == nil, "a warm shutdown did not wait for the running task")
            let signalled = ContinuousClock.now
            node.process.signal(SIGTERM)
            let status = try await node.process.waitForExit(timeout: .seconds(10))
            #expect(ContinuousClock.now - signalled < .seconds(5), "the second SIGTERM waited for the task")
            #expect(status == .exited(0), "the cold shutdown ended with \(status)")
            #expect(node.process.output.contains("cold shutdown: requeueing running tasks' messages now"))
            #expect(try await f.list("rec:second") == ["start:" + id])
            let queued = try await f.list("celery").compactMap { try? TaskMessage.decode($0).id }
            #expect(queued == [id], "after the second SIGTERM the ready list holds \(queued)")
            #expect(try await f.processingListLengths().values.reduce(0, +) == 0)
        }
    }
}

extension WorkerTests {
    // MARK: 6c. a SIGTERM during a worker process's application setup

    @Test("6c. a SIGTERM while the worker processes run the application's setup ends them cleanly (exit 0), not by the signal")
    func termDuringSetupIsClean() async throws {
        try await withFixture { f in
            // The node's own setup check takes the delay too, then the processes start theirs.
            let node = try await f.startWorker(environment: ["CELERITY_TEST_SETUP_DELAY": "5"])
            // Each process catches SIGTERM from the start of its command, before the application's setup runs.
            try await f.poll("the worker processes to catch SIGTERM", timeout: .seconds(10), node: node) {
                node.processes().keys.allSatisfy(Self.catchesTerm) ? true : nil
            }
            #expect(!node.process.output.contains("registered tasks"), "the processes finished their setup before the signal")
            node.process.signal(SIGTERM)
            let status = try await node.process.waitForExit(timeout: .seconds(30))
            #expect(status == .exited(0), "the node ended with \(status)")
            let output = node.process.output
            #expect(!output.contains("killed by signal"), "a worker process died of the SIGTERM: \(f.diagnostics(node))")
            #expect(!output.contains("worker process died"), "\(f.diagnostics(node))")
            #expect(output.contains("worker process stopped during its setup"), "\(f.diagnostics(node))")
            #expect(try await f.processingListLengths().values.reduce(0, +) == 0)
        }
    }

    /// Whether process `pid` has a handler for SIGTERM (`SigCgt` in `/proc/<pid>/status`).
    static func catchesTerm(_ pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(SIGTERM - 1)) != 0
    }
}

extension WorkerTests {
    // MARK: 6d. the lease keeper renews through a warm shutdown, until the last process has exited

    @Test("6d. a warm shutdown longer than the lease: the lease is renewed until the task ends, no other node reaps it, then the node goes offline")
    func leaseRenewedThroughWarmShutdown() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--shutdown-timeout", "60"], concurrency: 1)
            let reaper = try await f.startWorker(["-Q", "elsewhere"], concurrency: 1)  // reaps every 1 s, takes nothing of ours
            let id = try await f.client.enqueue("test.sleep_record", args: ["rec:warm-lease", 6.0])
            try await f.poll("start:\(id)", timeout: .seconds(10), node: node) {
                try await f.list("rec:warm-lease").contains("start:" + id) ? true : nil
            }
            let process = try #require(try await f.send("SMEMBERS", "celerity:processes").array?.compactMap(\.string)
                .first { $0.hasPrefix(node.name) })
            node.process.signal(SIGTERM)
            let signalled = Date()
            // Past two lease periods (2 s each) of the warm shutdown: without renewal the lease is gone by now.
            try await f.poll("two lease periods into the warm shutdown", timeout: .seconds(10), every: .milliseconds(100)) {
                Date() > signalled.addingTimeInterval(4.5) ? true : nil
            }
            #expect(node.process.termination == nil, "the node did not wait for its task")
            #expect(try await f.send("EXISTS", "celerity:lease:" + process).integer == 1, "the lease lapsed during the warm shutdown")
            let status = try await node.process.waitForExit(timeout: .seconds(15))
            #expect(status == .exited(0), "the warm shutdown ended with \(status)")
            #expect(try await f.list("rec:warm-lease") == ["start:" + id, "done:" + id], "the task ran again")
            #expect(try await f.send("ZSCORE", "celerity:workers", node.name).string == nil, "the node did not go offline")
            #expect(try await f.send("EXISTS", "celerity:worker:" + reaper.name).integer == 1)
        }
    }
}

extension WorkerTests {
    // MARK: 6e. a failed heartbeat is retried with a warning; the node keeps running

    @Test("6e. a heartbeat Redis refuses (OOM) is logged and retried; the node keeps serving once Redis accepts writes again")
    func failedHeartbeatRetries() async throws {
        try await withFixture { f in
            let node = try await f.startWorker()
            _ = try await f.send("CONFIG", "SET", "maxmemory-policy", "noeviction")
            _ = try await f.send("CONFIG", "SET", "maxmemory", "1")  // every write is refused with OOM
            try await f.poll("the lease keeper to warn and retry", timeout: .seconds(10), node: node) {
                node.process.output.contains("cannot renew leases; will retry") ? true : nil
            }
            _ = try await f.send("CONFIG", "SET", "maxmemory", "0")
            #expect(node.process.termination == nil, "the node stopped on a transient heartbeat failure")
            let id = try await f.client.enqueue("test.record", args: ["rec:after-oom"])
            try await f.waitForResult(id, .success, timeout: .seconds(15), node: node)
            let registered = try await f.send("ZSCORE", "celerity:workers", node.name).string.flatMap(Double.init)
            #expect(registered.map { $0 > Date().timeIntervalSince1970 } == true, "the registration was not renewed")
        }
    }
}
