import Broker
import Foundation
import TestSupport
import Testing

/// Issue 26: Celery's `queue_order_strategy`. With a backlog on two queues, one process, and no batching, the
/// order the tasks run in shows the order the process looks at its queues.
extension WorkerTests {
    /// Queues 4 `test.record` tasks on each of `beta` and `alpha`, starts a worker on `-Q beta,alpha` with
    /// `options`, and returns which queue each task that ran came from, in the order they ran.
    func queueOrder(_ options: [String], environment: [String: String] = [:]) async throws -> [String] {
        var order: [String] = []
        try await withFixture { f in
            var queueOfID: [String: String] = [:]
            var messages: [TaskMessage] = []
            for queue in ["beta", "alpha"] {
                for _ in 0..<4 {
                    let message = TaskMessage.make(task: "test.record", args: ["rec:order"], options: TaskOptions(queue: queue))
                    queueOfID[message.id] = queue
                    messages.append(message)
                }
            }
            try await f.client.send(batch: messages)
            let node = try await f.startWorker(
                ["-Q", "beta,alpha", "--prefetch-batch", "1"] + options, concurrency: 1, environment: environment
            )
            try await f.poll("all 8 tasks to run", timeout: .seconds(15), node: node) {
                try await f.list("rec:order").count == 8 ? true : nil
            }
            order = try await f.list("rec:order").map { queueOfID[$0] ?? "?" }
        }
        return order
    }

    @Test("queue_order_strategy priority: the first queue given is emptied before the next")
    func priorityQueueOrder() async throws {
        let order = try await queueOrder(["--queue-order-strategy", "priority"])
        #expect(order == Array(repeating: "beta", count: 4) + Array(repeating: "alpha", count: 4), "\(order)")
    }

    @Test("queue_order_strategy sorted (from CELERITY_QUEUE_ORDER_STRATEGY): queues in name order, the first emptied first")
    func sortedQueueOrder() async throws {
        let order = try await queueOrder([], environment: ["CELERITY_QUEUE_ORDER_STRATEGY": "sorted"])
        #expect(order == Array(repeating: "alpha", count: 4) + Array(repeating: "beta", count: 4), "\(order)")
    }

    @Test("queue_order_strategy round_robin (the default): busy queues take turns")
    func roundRobinQueueOrder() async throws {
        let order = try await queueOrder([])
        #expect(order == ["beta", "alpha", "beta", "alpha", "beta", "alpha", "beta", "alpha"], "\(order)")
    }

    @Test("a bad --queue-order-strategy or CELERITY_QUEUE_ORDER_STRATEGY stops the worker with one line naming it")
    func badQueueOrderStrategy() async throws {
        for (arguments, environment) in [
            (["--queue-order-strategy", "fair"], [String: String]()),
            ([], ["CELERITY_QUEUE_ORDER_STRATEGY": "random"]),
        ] {
            let run = try await ChildProcess.run(
                try WorkerFixture.binary("celerity"), arguments: ["worker", "-c", "1"] + arguments,
                environment: environment.merging(["CELERITY_REDIS_URL": "redis://127.0.0.1:1/0"]) { $1 }, timeout: .seconds(20)
            )
            let errorLines = (run.standardOutput + run.standardError).split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(run.termination == .exited(1), "\(run.termination)")
            #expect(errorLines.count == 1 && errorLines[0].contains("queue-order-strategy"), "\(errorLines)")
        }
    }
}
