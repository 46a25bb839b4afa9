import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 18's batched fetch: a worker process takes several messages in one step when its queue has a backlog.
/// Each test queues its messages before the worker starts, so the first step sees the backlog and takes a batch
/// (half the queue, at most `--prefetch-batch`).
extension WorkerTests {
    // MARK: 11. a long first task does not delay the rest of its batch

    @Test("11. a batch's later messages are not delayed behind a long first task: they are handed back and run by the other process")
    func longFirstTaskHandsBackItsBatch() async throws {
        try await withFixture { f in
            let long = TaskMessage.make(task: "test.sleep_record", args: ["rec:long", 4.0])
            let quick = (0..<9).map { _ in TaskMessage.make(task: "test.record", args: ["rec:quick"]) }
            try await f.client.send(batch: [long] + quick)
            // The first step takes 5 of the 10 (the long task first); the second process takes the rest in turn.
            let node = try await f.startWorker(["--prefetch-batch", "8"])
            try await f.poll("every quick task to succeed while the long one runs", timeout: .seconds(3), node: node) {
                try await f.results(quick.map(\.id)).allSatisfy { $0.state == .success } ? true : nil
            }
            #expect(try await f.list("rec:long") == ["start:" + long.id], "the long task already finished; the test proves nothing")
            #expect(Set(try await f.list("rec:quick")) == Set(quick.map(\.id)))
            _ = try await f.waitForResult(long.id, .success, timeout: .seconds(10), node: node)
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
        }
    }

    // MARK: 12. kill -9 of a process holding a batch

    @Test("12. kill -9 of a worker process holding a batch: every message of the batch is recovered and runs; none lost")
    func killedProcessHoldingABatch() async throws {
        try await withFixture { f in
            let long = TaskMessage.make(task: "test.sleep_record", args: ["rec:batch-kill", 1.0])
            let quick = (0..<9).map { _ in TaskMessage.make(task: "test.record", args: ["rec:batch-kill"]) }
            try await f.client.send(batch: [long] + quick)
            // One process and a long hold: the whole batch stays in the processing list while the first task runs.
            let node = try await f.startWorker(["--prefetch-batch", "8", "--batch-hold", "60"], concurrency: 1)
            try await f.poll("start:\(long.id)", timeout: .seconds(10), node: node) {
                try await f.list("rec:batch-kill").contains("start:" + long.id) ? true : nil
            }
            let processID = try await f.processRunning(long.id)
            let held = try await f.list("celerity:processing:" + processID)
            try #require(held.count == 5, "the process holds \(held.count) messages, not a batch of 5")
            let victim = try #require(node.pid(ofProcess: processID), "no pid for \(processID)")
            kill(victim, SIGKILL)

            let ids = [long.id] + quick.map(\.id)
            try await f.poll("all 10 tasks to succeed", timeout: .seconds(20), every: .milliseconds(100), node: node) {
                try await f.results(ids).allSatisfy { $0.state == .success } ? true : nil
            }
            let records = try await f.list("rec:batch-kill")
            #expect(Set(quick.map(\.id)).isSubset(of: Set(records)), "a quick task never ran: \(records)")
            #expect(records.filter { $0 == "start:" + long.id }.count == 2, "\(records)")
            #expect(records.contains("done:" + long.id))
            #expect(try await f.deadLetters().isEmpty, "a message of the batch was dead-lettered")
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
        }
    }

    // MARK: 13. revocation is checked again before each start

    @Test("13. a task revoked after its batch was taken, but before it started, never runs")
    func revokedWithinABatch() async throws {
        try await withFixture { f in
            let long = TaskMessage.make(task: "test.sleep_record", args: ["rec:batch-revoke", 0.5])
            let quick = (0..<9).map { _ in TaskMessage.make(task: "test.record", args: ["rec:batch-revoke"]) }
            try await f.client.send(batch: [long] + quick)
            let node = try await f.startWorker(["--prefetch-batch", "8", "--batch-hold", "60"], concurrency: 1)
            try await f.poll("start:\(long.id)", timeout: .seconds(10), node: node) {
                try await f.list("rec:batch-revoke").contains("start:" + long.id) ? true : nil
            }
            let target = quick[2]
            let held = try await f.list("celerity:processing:" + (try await f.processRunning(long.id)))
            try #require(held.contains { (try? TaskMessage.decode($0))?.id == target.id }, "the batch does not hold the target")
            let revoke = try await f.celerity(["revoke", target.id])
            #expect(revoke.status == 0, "\(revoke.output)")

            let others = [long.id] + quick.map(\.id).filter { $0 != target.id }
            try await f.poll("the other tasks to succeed", timeout: .seconds(10), node: node) {
                try await f.results(others).allSatisfy { $0.state == .success } ? true : nil
            }
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            #expect(!(try await f.list("rec:batch-revoke")).contains(target.id), "the revoked task ran")
            #expect(try await f.result(target.id).state == .revoked)
        }
    }

    // MARK: 14. priority order with batches

    @Test("14. priority order holds with batches: each batch comes from one bucket, highest priority first, in queue order")
    func priorityOrderWithBatches() async throws {
        try await withFixture { f in
            // Sent lowest priority first (Celery on Redis: 0 is the highest), six per bucket.
            let messages = [9, 6, 3, 0].flatMap { priority in
                (0..<6).map { _ in TaskMessage.make(task: "test.record", args: ["rec:priority"], options: TaskOptions(priority: priority)) }
            }
            try await f.client.send(batch: messages)
            let node = try await f.startWorker(["--prefetch-batch", "8"], concurrency: 1)
            try await f.poll("all 24 tasks to succeed", timeout: .seconds(10), node: node) {
                try await f.results(messages.map(\.id)).allSatisfy { $0.state == .success } ? true : nil
            }
            let expected = [0, 3, 6, 9].flatMap { bucket in messages.filter { $0.priority == bucket }.map(\.id) }
            #expect(try await f.list("rec:priority") == expected)
        }
    }
}
