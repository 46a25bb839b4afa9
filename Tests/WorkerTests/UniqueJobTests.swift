import Broker
import Foundation
import TaskAPI
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 27 part 2, unique jobs tied to state: real redis-server, real worker processes, kill -9.
extension WorkerTests {
    /// `flow.unique(key, seconds)`: one job per key while queued or running.
    struct UniqueRecording: UniqueTaskParameters {
        static let taskName = "flow.unique"
        static let parameters = ["key", "seconds"]
        static let uniqueness = Uniqueness.whileQueuedOrRunning
        var key: String
        var seconds: Double
    }

    @Test("unique 1. 1,000 concurrent sends -> one job; kill -9 mid-run -> redelivered, the lock holds until it finishes; then a new send runs")
    func uniqueJobs() async throws {
        try await withFixture { f in
            let job = UniqueRecording(key: "rec:unique", seconds: 3)
            let client = f.client
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<1000 { group.addTask { try await client.enqueue(job) } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(ids.count == 1000)
            let first = try #require(ids.first)
            #expect(Set(ids) == [first], "\(Set(ids).count) different jobs were sent")
            #expect(try await f.send("LLEN", "celery").integer == 1)

            let node = try await f.startWorker([], concurrency: 2)
            let processID = try await f.processRunning(first)
            let victim = try #require(node.pid(ofProcess: processID), "no pid for \(processID)")
            kill(victim, SIGKILL)
            // Redelivered and running again, or queued again: either way the lock still names the first job.
            #expect(try await client.enqueue(job) == first, "a send after the kill was not refused")
            _ = try await f.waitForResult(first, .success, timeout: .seconds(30), node: node)
            #expect(try await f.list("rec:unique").count == 1, "the job finished more than once")
            let locks = try await f.send("KEYS", "celerity:unique:*").array ?? []
            #expect(locks.isEmpty, "the lock outlived its job: \(locks)")

            let next = try await client.enqueue(job)
            #expect(next != first)
            _ = try await f.waitForResult(next, .success, timeout: .seconds(15), node: node)
            #expect(try await f.list("rec:unique").count == 2)
            #expect(try await f.deadLetters().isEmpty)
        }
    }

    @Test("unique 2. a Python-style producer's celerity_unique header: the duplicate is dropped with a result naming the first")
    func uniqueHeaderFromAProducer() async throws {
        try await withFixture { f in
            var messages: [TaskMessage] = []
            for _ in 0..<2 {
                var message = TaskMessage.make(task: "flow.unique", args: ["rec:unique-header", 2.0])
                message.headers["celerity_unique"] = .string("nightly-report")
                messages.append(message)
            }
            try await f.client.send(batch: messages)
            let node = try await f.startWorker([], concurrency: 2)
            let results = [
                try await f.waitForResult(messages[0].id, .success, timeout: .seconds(20), node: node),
                try await f.waitForResult(messages[1].id, .success, timeout: .seconds(20), node: node),
            ]
            // The two processes take one each; whichever claims the lock first runs.
            let runs = try await f.list("rec:unique-header")
            #expect(runs.count == 1, "\(runs)")
            let ran = try #require(messages.first { message in runs.first?.hasSuffix(message.id) == true })
            let dropped = try #require(results.first { $0.taskID != ran.id })
            #expect(dropped.result == ["duplicate_of": .string(ran.id)], "\(dropped.result)")
            #expect(try await f.send("KEYS", "celerity:unique:*").array?.isEmpty == true, "the lock outlived its job")
        }
    }
}
