import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 4's worker tests: real redis-servers, real `celerity-test-worker` processes, real signals.
/// Each test has its own redis-server; the suite is serialized so at most one worker pool (two on
/// restarts) runs at a time on a two-core machine. Waiting is always polling Redis (or /proc) with a deadline.
@Suite(.serialized)
struct WorkerTests {
    /// Runs `body` with a fresh fixture and always tears it down.
    func withFixture(appendOnly: Bool = false, _ body: (WorkerFixture) async throws -> Void) async throws {
        let fixture = try await WorkerFixture.start(appendOnly: appendOnly)
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    // MARK: 1. kill -9 a worker process mid-task

    @Test("1. kill -9 of the worker process running a task: the task runs again and succeeds within the lease")
    func killedProcessMidTask() async throws {
        try await withFixture { f in
            let node = try await f.startWorker()
            let id = try await f.client.enqueue("test.sleep_record", args: ["rec:kill", 1.0])
            try await f.poll("start:\(id) to be recorded", timeout: .seconds(10), node: node) {
                try await f.list("rec:kill").contains("start:" + id) ? true : nil
            }
            let processID = try await f.processRunning(id)
            let victim = try #require(node.pid(ofProcess: processID), "no pid for \(processID) among \(node.processes())")

            kill(victim, SIGKILL)
            let killed = ContinuousClock.now
            // Lease (2 s) + the task itself (1 s) + margin (2 s).
            let result = try await f.waitForResult(id, .success, timeout: .seconds(5), node: node)
            let elapsed = ContinuousClock.now - killed

            #expect(result.result == .string(id))
            #expect(elapsed < .seconds(5))
            #expect(try await f.list("rec:kill") == ["start:" + id, "start:" + id, "done:" + id])
            #expect(!processIsAlive(victim))
            try await f.poll("the pool to be back to two processes", timeout: .seconds(5), node: node) {
                let pids = node.processes().keys
                return pids.count == 2 && !pids.contains(victim) ? true : nil
            }
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
        }
    }

    // MARK: 2. kill -9 the whole node during 1,000 tasks

    @Test("2. kill -9 of the supervisor and all its processes during 1,000 tasks: a new worker completes all, none lost")
    func killedNodeLosesNothing() async throws {
        try await withFixture { f in
            let total = 1000
            let node = try await f.startWorker()
            let messages = (0..<total).map { _ in TaskMessage.make(task: "test.record", args: ["rec:bulk"]) }
            let ids = messages.map(\.id)
            try await f.client.send(batch: messages)
            let recordedAtKill = try await f.poll("some tasks to run", timeout: .seconds(20), every: .milliseconds(2), node: node) {
                let count = try await f.send("LLEN", "rec:bulk").integer ?? 0
                return count >= 100 ? count : nil
            }
            let processes = node.processes()
            await node.kill()
            for pid in processes.keys {
                try await f.poll("worker process \(pid) to die", timeout: .seconds(5)) { processIsAlive(pid) ? nil : true }
            }
            try #require(recordedAtKill < total, "every task finished before the kill; the test proves nothing")
            let heldByDeadProcesses = try await f.processingListLengths()

            let replacement = try await f.startWorker()
            let results = try await f.poll("all \(total) tasks to succeed", timeout: .seconds(60), every: .milliseconds(200), node: replacement) {
                let results = try await f.results(ids)
                return results.allSatisfy { $0.state == .success } ? results : nil
            }
            let records = try await f.list("rec:bulk")
            var runs: [String: Int] = [:]
            for id in records { runs[id, default: 0] += 1 }
            let missing = ids.filter { runs[$0] == nil }
            let duplicates = runs.filter { $0.value > 1 }
            print(
                "kill -9 of the node after \(recordedAtKill) of \(total) records; messages held by dead processes: "
                    + "\(heldByDeadProcesses); records: \(records.count); tasks run more than once: \(duplicates.count) "
                    + "(\(duplicates.values.reduce(0, +) - duplicates.count) extra runs); missing: \(missing.count)"
            )
            #expect(missing.isEmpty, "tasks never recorded: \(missing.prefix(10))")
            #expect(results.count == total)
            #expect(Set(records).isSubset(of: Set(ids)))
            // At-least-once: a duplicate can only come from a message in flight at the kill.
            #expect(duplicates.count <= heldByDeadProcesses.values.reduce(0, +))
            try await f.poll("nothing left in flight", timeout: .seconds(5)) { try await f.messagesInFlight() == 0 ? true : nil }
        }
    }

    // MARK: 3. a countdown longer than the lease runs once, at its ETA, across a restart

    @Test("3. a countdown longer than the lease runs exactly once, at its ETA, across a worker restart")
    func countdownRunsOnceAcrossRestart() async throws {
        try await withFixture { f in
            let first = try await f.startWorker()
            let eta = Date().addingTimeInterval(5)
            let id = try await f.client.enqueue("test.record", args: ["rec:eta"], options: TaskOptions(eta: eta))
            try await f.poll("the message to wait in celerity:eta", timeout: .seconds(5), node: first) {
                try await f.send("ZCARD", "celerity:eta").integer == 1 ? true : nil
            }
            first.process.signal(SIGTERM)
            let status = try await first.process.waitForExit(timeout: .seconds(10))
            #expect(status == .exited(0), "first worker ended with \(status)")
            #expect(try await f.send("ZCARD", "celerity:eta").integer == 1)
            #expect(try await f.send("LLEN", "celery").integer == 0)

            let second = try await f.startWorker()
            let result = try await f.waitForResult(id, .success, timeout: .seconds(12), node: second)
            let done = try #require(result.dateDone)
            #expect(abs(done.timeIntervalSince(eta)) <= 1.0, "ran at \(done), ETA \(eta)")
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: second) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            // Past ETA + lease + reap interval: a visibility-timeout redelivery (Celery's bug) would have run by now.
            try await f.poll("a lease period past the ETA", timeout: .seconds(10), every: .milliseconds(100)) {
                Date() > eta.addingTimeInterval(3.5) ? true : nil
            }
            #expect(try await f.list("rec:eta") == [id])
        }
    }

    // MARK: 4. a task that kills its process every time is dead-lettered after K deliveries

    @Test("4. a task that crashes its process every time is dead-lettered after 3 deliveries; the pool keeps serving")
    func poisonMessageIsDeadLettered() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--max-deliveries", "3"])
            let crashID = try await f.client.enqueue("test.crash", args: ["rec:crash"])
            try await f.poll("the first crash", timeout: .seconds(10), node: node) {
                try await f.list("rec:crash").isEmpty ? nil : true
            }
            let add = try await f.client.enqueue("demo.add", args: [2, 3])
            #expect(try await f.waitForResult(add, .success, node: node).result == .int(5))

            let entry = try await f.poll("a dead-letter entry for \(crashID)", timeout: .seconds(20), node: node) {
                try await f.deadLetters().first { $0["task_id"]?.stringValue == crashID }
            }
            let reason = entry["reason"]?.stringValue ?? ""
            #expect(reason.contains("poison"), "reason: \(reason)")
            #expect(entry["deliveries"]?.intValue == 3)
            #expect(entry["task"]?.stringValue == "test.crash")
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            #expect(try await f.list("rec:crash") == [crashID, crashID, crashID])

            let after = try await f.client.enqueue("demo.add", args: [20, 22])
            #expect(try await f.waitForResult(after, .success, node: node).result == .int(42))
            #expect(node.process.isRunning)
            try await f.poll("two worker processes", timeout: .seconds(5), node: node) { node.processes().count == 2 ? true : nil }
        }
    }
}

extension WorkerFixture {
    /// The process id (`node#slot.generation`) whose processing list holds task `taskID`.
    func processRunning(_ taskID: String, timeout: Duration = .seconds(5)) async throws -> String {
        try await poll("a processing list holding \(taskID)", timeout: timeout) {
            for key in (try await self.send("KEYS", "celerity:processing:*").array ?? []).compactMap(\.string) {
                for raw in try await self.list(key) where (try? TaskMessage.decode(raw))?.id == taskID {
                    return String(key.dropFirst("celerity:processing:".count))
                }
            }
            return nil
        }
    }

    /// processing list → length, for every non-empty processing list.
    func processingListLengths() async throws -> [String: Int] {
        var lengths: [String: Int] = [:]
        for key in (try await send("KEYS", "celerity:processing:*").array ?? []).compactMap(\.string) {
            lengths[key] = try await send("LLEN", key).integer ?? 0
        }
        return lengths
    }

    /// The stored results of many tasks (MGET in chunks).
    func results(_ ids: [String]) async throws -> [TaskResult] {
        var results: [TaskResult] = []
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            let values = try await db.send(["MGET"] + chunk.map { ResultBackend.key(taskID: $0) }).array ?? []
            for (id, value) in zip(chunk, values) {
                results.append(try value.string.map { try TaskResult.decode($0, taskID: id) } ?? .pending(id))
            }
            start += 500
        }
        return results
    }
}
