import Broker
import Foundation
import TestSupport
import Testing

/// Issue 27 part 4, memory-safe processes: `--max-tasks-per-child` and `--max-memory-per-child` recycle a process
/// between tasks; nothing is lost and `celerity_process_recycled_total{reason}` counts it. Real worker nodes.
extension WorkerTests {
    func scrapeMetrics(port: Int) async throws -> String {
        let scrape = try await ChildProcess.run("curl", arguments: ["-s", "-m", "5", "http://127.0.0.1:\(port)/metrics"], timeout: .seconds(10))
        return scrape.standardOutput
    }

    func recycledCount(_ metrics: String, reason: String) -> Int {
        metrics.split(separator: "\n").filter { $0.hasPrefix("celerity_process_recycled_total{") && $0.contains("reason=\"\(reason)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { Int($0) }.reduce(0, +)
    }

    @Test("recycle 1. --max-tasks-per-child 100 during a 10,000-task drain: processes recycle, 0 lost, none run twice")
    func maxTasksPerChild() async throws {
        try await withFixture { f in
            let messages = (0..<10_000).map { _ in TaskMessage.make(task: "test.record", args: ["rec:recycle"]) }
            try await f.client.send(batch: messages)
            let port = try FreePort.allocate()
            let node = try await f.startWorker(["--max-tasks-per-child", "100", "--metrics-address", "127.0.0.1:\(port)"], concurrency: 2)
            try await f.poll("the 10,000 tasks to run", timeout: .seconds(240), every: .milliseconds(500), node: node) {
                try await f.send("LLEN", "rec:recycle").integer ?? 0 >= 10_000 ? true : nil
            }
            let records = try await f.list("rec:recycle")
            #expect(records.count == 10_000, "\(records.count) runs for 10,000 tasks")
            #expect(Set(records) == Set(messages.map(\.id)), "a task was lost")
            try await f.poll("nothing left in flight", timeout: .seconds(10), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            let recycled = try await f.poll("the recycles on /metrics", timeout: .seconds(10), node: node) {
                let count = recycledCount(try await scrapeMetrics(port: port), reason: "tasks")
                return count >= 90 ? count : nil
            }
            #expect(recycled <= 100, "\(recycled) recycles for 10,000 tasks at 100 per process")
            #expect(try await f.deadLetters().isEmpty)
        }
    }

    @Test("recycle 2. --max-memory-per-child: a task that leaves its process large recycles it after the task; the node keeps serving")
    func maxMemoryPerChild() async throws {
        try await withFixture { f in
            let port = try FreePort.allocate()
            let node = try await f.startWorker(["--max-memory-per-child", "128", "--metrics-address", "127.0.0.1:\(port)"], concurrency: 1)
            let before = Set(node.processes().keys)
            let hog = TaskMessage.make(task: "flow.hog", args: [200])
            try await f.client.send(hog)
            let result = try await f.waitForResult(hog.id, .success, timeout: .seconds(20), node: node)
            #expect((result.result.intValue ?? 0) >= 200, "the process held \(result.result) MiB: the test proves nothing")
            try await f.poll("a memory recycle on /metrics", timeout: .seconds(15), node: node) {
                recycledCount(try await scrapeMetrics(port: port), reason: "memory") == 1 ? true : nil
            }
            try await f.poll("a fresh process", timeout: .seconds(15), node: node) {
                let now = Set(node.processes().keys)
                return now.count == 1 && now.isDisjoint(with: before) ? true : nil
            }
            let after = (0..<5).map { _ in TaskMessage.make(task: "test.record", args: ["rec:after-hog"]) }
            try await f.client.send(batch: after)
            try await f.poll("the next tasks to run", timeout: .seconds(15), node: node) {
                try await f.list("rec:after-hog").count == 5 ? true : nil
            }
        }
    }

    @Test("recycle 3. --task-memory-limit: a task that allocates past it is killed and dead-lettered with reason memory, never retried; the node keeps serving")
    func taskMemoryLimit() async throws {
        try await withFixture { f in
            let port = try FreePort.allocate()
            let node = try await f.startWorker(["--task-memory-limit", "150", "--metrics-address", "127.0.0.1:\(port)"], concurrency: 1)
            let hog = TaskMessage.make(task: "flow.hog", args: [300, 10.0])
            try await f.client.send(hog)
            let result = try await f.waitForResult(hog.id, .failure, timeout: .seconds(20), node: node)
            #expect("\(result.result)".contains("MemoryLimitExceeded"), "\(result.result)")
            let letters = try await f.deadLetters()
            #expect(letters.count == 1, "\(letters)")
            #expect(letters.first?["reason"] == .string("memory"), "\(letters)")
            #expect(letters.first?["task_id"] == .string(hog.id))
            try await f.poll("nothing left in flight (not retried)", timeout: .seconds(10), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            #expect(try await f.send("ZCARD", "celerity:eta").integer == 0, "the killed task was scheduled for a retry")
            let after = (0..<3).map { _ in TaskMessage.make(task: "test.record", args: ["rec:after-kill"]) }
            try await f.client.send(batch: after)
            try await f.poll("the node to keep serving", timeout: .seconds(20), node: node) {
                try await f.list("rec:after-kill").count == 3 ? true : nil
            }
            let metrics = try await scrapeMetrics(port: port)
            #expect(metrics.contains("cause=\"task_memory_limit\""), "no restart counted for the memory kill")
            #expect(metrics.contains("celerity_dead_lettered_total{reason=\"memory\"} 1"), "the memory dead letter is not counted")
            #expect(try await f.list("rec:after-kill").count == 3)
        }
    }
}
