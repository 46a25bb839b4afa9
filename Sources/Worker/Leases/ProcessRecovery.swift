import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What happens to the messages a worker process held once it is gone: put back on their queues (or dead-lettered
/// as poison), or, for a process killed on purpose, the killed task's message dropped with the result that says
/// why. Used by the supervisor's loop for its own processes' exits and by the reaper for expired leases, each
/// through its own connection.
struct ProcessRecovery {
    private let broker: RedisWorkerBroker
    private let maxDeliveries: Int
    private let metrics: NodeMetrics?

    init(configuration: WorkerConfiguration, connection: RedisConnection, metrics: NodeMetrics?) {
        self.broker = RedisWorkerBroker(connection: connection, processID: "supervisor", configuration: configuration)
        self.maxDeliveries = configuration.maxDeliveries
        self.metrics = metrics
    }

    /// Returns a process's messages to their queues (``WorkerBroker/recover(processID:countAsDelivery:maxDeliveries:)``).
    @discardableResult
    func recover(processID: String, countAsDelivery: Bool) throws -> Recovered {
        let recovered = try broker.recover(processID: processID, countAsDelivery: countAsDelivery, maxDeliveries: maxDeliveries)
        if countAsDelivery { metrics?.recovered(requeued: recovered.requeued, poison: recovered.deadLettered) }
        return recovered
    }

    /// Drops a killed process's message, storing the result that explains why (the rest of its batch is requeued).
    func discard(processID: String, result: TaskResult) throws {
        try broker.discard(processID: processID, result: result, deadLetter: nil)
    }

    /// `--task-memory-limit`: stores the killed task's `MemoryLimitExceeded` failure and dead-letters its message
    /// with reason `memory` (never retried blindly); the rest of the process's batch goes back to its queues.
    func deadLetterKilled(processID: String, taskID: String, limitMiB limit: Int) throws {
        let failure = TaskMemoryLimit.failure(taskID: taskID, limitMiB: limit)
        try broker.discard(processID: processID, result: failure, deadLetter: TaskMemoryLimit.deadLetter(limitMiB: limit))
    }
}
