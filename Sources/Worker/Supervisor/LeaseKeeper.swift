import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The node's Redis housekeeping: renews its processes' leases and its registration (the heartbeat, which also
/// publishes Celery's `worker-heartbeat`), moves due ETA messages to their queues, and recovers the messages of
/// processes whose lease expired (of any node) or that exited. Owned by the supervisor's loop thread.
struct LeaseKeeper {
    private let configuration: WorkerConfiguration
    private let connection: RedisConnection
    private let broker: RedisWorkerBroker
    private let events: CeleryEvents
    private let logger: Logger
    private let started = Date()
    /// Whether `worker-online` went out (then heartbeats follow).
    private var sentOnline = false

    /// Due ETA messages moved per promote call: about 1 ms of Redis time for 1 KB messages on a 2-core VM, so a
    /// burst of 100,000 due in one second never blocks Redis for long (bench/scale: the ETA burst curve).
    static let promoteBatch = 100

    init(configuration: WorkerConfiguration, connection: RedisConnection, logger: Logger) {
        self.configuration = configuration
        self.connection = connection
        self.broker = RedisWorkerBroker(connection: connection, processID: "supervisor", configuration: configuration)
        self.events = CeleryEvents(node: configuration.nodeName, database: configuration.redis.database)
        self.logger = logger
    }

    /// Renews the leases of `pool`'s processes, re-announces them, publishes the heartbeat event and the
    /// node's registration; refreshes `snapshot` (what `inspect active` and the status page read).
    /// - Throws: a fatal ``RedisError`` only; other failures are logged and retried at the next heartbeat.
    mutating func heartbeat(
        _ pool: ProcessPool, taskNames: [String], snapshot: Locked<NodeSnapshot>, queues: [String], desiredProcesses: Int
    ) throws(RedisError) {
        var commands: [[String]] = []
        for slot in pool.slots {
            guard slot.process != nil, let processID = slot.processID else { continue }
            commands.append(["SET", WorkerKeys.lease(processID), configuration.nodeName, "PX", String(configuration.leaseTimeout.wholeMilliseconds)])
            // Re-announce the process too: after a long Redis outage another node may have reaped it.
            commands.append(["SADD", WorkerKeys.processes, processID])
        }
        snapshot.value = NodeSnapshot(
            active: pool.slots.compactMap { slot in
                slot.running.map { task in
                    NodeSnapshot.Task(
                        id: task.id, name: task.name, started: Date().addingTimeInterval(-(ContinuousClock.now - task.startedAt).seconds),
                        queue: task.queue, pid: slot.process.map { Int($0.pid) },
                        args: task.arguments?.argsJSON.flatMap { try? JSONValue.parse($0) },
                        kwargs: task.arguments?.kwargsJSON.flatMap { try? JSONValue.parse($0) },
                        argsrepr: task.arguments?.argsrepr ?? "", kwargsrepr: task.arguments?.kwargsrepr ?? ""
                    )
                }
            },
            processed: pool.processed, processPIDs: pool.slots.compactMap { $0.process.map { Int($0.pid) } }, taskNames: taskNames
        )
        let eventType = sentOnline ? "worker-heartbeat" : "worker-online"
        // `freq` tells Celery's event consumers (Flower) how often to expect a heartbeat: the real interval.
        let fields = CeleryEvents.workerFields(
            active: pool.slots.count { $0.running != nil }, processed: pool.processed, frequency: configuration.heartbeatInterval.seconds
        )
        commands.append(events.publish(eventType, fields))
        do {
            try connection.sendAll(commands)  // an error reply (a lease not renewed) is an error, logged below
            sentOnline = true
            var info = WorkerInfo(
                node: configuration.nodeName, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()),
                queues: queues, concurrency: pool.live.count, started: started, processed: pool.processed,
                current: pool.slots.map { slot in slot.running.map { "\($0.name) \($0.id)" } ?? (slot.process == nil ? "restarting" : "idle") },
                lastSeen: Date(), restarts: pool.restarts
            )
            info.desiredProcesses = desiredProcesses
            try WorkerRegistry.publish(info, ttl: configuration.leaseTimeout * 3, on: connection)
        } catch let error as RedisError where error.isFatal {
            throw error
        } catch {
            logger.warning("cannot renew leases; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Removes the node's registration and publishes `worker-offline` (best effort: the node is stopping).
    func goOffline(processed: Int) {
        try? WorkerRegistry.remove(node: configuration.nodeName, on: connection)
        let offline = CeleryEvents.workerFields(active: 0, processed: processed, frequency: configuration.heartbeatInterval.seconds)
        _ = try? connection.send(events.publish("worker-offline", offline))
    }

    /// Moves every due ETA message to its queue, ``promoteBatch`` per step.
    func promoteDue() throws {
        while try broker.promoteDue(now: Date(), limit: Self.promoteBatch) >= Self.promoteBatch {}
    }

    /// Recovers the processing lists of processes (of any node) whose lease has expired. The lock is kept for
    /// the whole interval, not released after the pass, so the cluster reaps once per interval: with n nodes,
    /// a pass that each node ran in turn cost n × (processes of n nodes) lease checks per interval.
    func reapDeadProcesses(metrics: NodeMetrics?) throws {
        let lockTime = String(configuration.reapInterval.wholeMilliseconds)
        guard try connection.send(["SET", WorkerKeys.reaperLock, configuration.nodeName, "NX", "PX", lockTime]).string == "OK" else {
            return
        }
        let members = (try connection.send(["SMEMBERS", WorkerKeys.processes]).array ?? []).compactMap(\.string)
        guard !members.isEmpty else { return }
        let alive = try connection.pipeline(members.map { ["EXISTS", WorkerKeys.lease($0)] })
        for (processID, exists) in zip(members, alive) where exists.integer == 0 {
            let recovered = try recover(processID: processID, countAsDelivery: true, metrics: metrics)
            if recovered.requeued + recovered.deadLettered > 0 {
                logger.warning(
                    "recovered messages of a dead worker process",
                    metadata: [
                        "worker.process": "\(processID)", "requeued": "\(recovered.requeued)",
                        "dead_lettered": "\(recovered.deadLettered)",
                    ]
                )
            }
        }
    }

    /// `--task-memory-limit`: stores the killed task's `MemoryLimitExceeded` failure and dead-letters its message
    /// with reason `memory` (never retried blindly); the rest of the process's batch goes back to its queues.
    func deadLetterKilled(processID: String, taskID: String, limitMiB limit: Int) throws {
        let failure = TaskMemoryLimit.failure(taskID: taskID, limitMiB: limit)
        try broker.discard(processID: processID, result: failure, deadLetter: TaskMemoryLimit.deadLetter(limitMiB: limit))
    }

    /// Returns a process's messages to their queues (``WorkerBroker/recover(processID:countAsDelivery:maxDeliveries:)``).
    @discardableResult
    func recover(processID: String, countAsDelivery: Bool, metrics: NodeMetrics?) throws -> Recovered {
        let recovered = try broker.recover(
            processID: processID, countAsDelivery: countAsDelivery, maxDeliveries: configuration.maxDeliveries
        )
        if countAsDelivery { metrics?.recovered(requeued: recovered.requeued, poison: recovered.deadLettered) }
        return recovered
    }

    /// Drops a killed process's message, storing the result that explains why (the rest of its batch is requeued).
    func discard(processID: String, result: TaskResult) throws {
        try broker.discard(processID: processID, result: result, deadLetter: nil)
    }
}
