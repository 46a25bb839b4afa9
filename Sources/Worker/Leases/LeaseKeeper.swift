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

/// The node's leases, as a service of its own with its own Redis connection: every heartbeat interval it renews
/// the leases of the processes the pool last published (``NodeSnapshot``), re-announces them, publishes Celery's
/// `worker-online` / `worker-heartbeat` and the node's registration; every `--reap-interval` it recovers the
/// processing lists of processes (of any node) whose lease has expired. It keeps renewing through a warm shutdown
/// until the pool has stopped (the last process has exited), then takes the node offline; the reaper does not run
/// once a shutdown was asked.
struct LeaseKeeper: NodeThreadService {
    let configuration: WorkerConfiguration
    let shared: NodeShared
    let logger: Logger
    /// Its connection and thread (`leases`).
    let thread: NodeThread

    /// Renews leases until the pool has stopped (``NodeShared/poolStopped``), then takes the node offline.
    /// - Returns: a fatal ``RedisError`` (a configuration Redis refuses), after asking the node for a cold shutdown.
    ///   A failed heartbeat or reaper pass is logged and retried.
    func loop(until shutdown: Shutdown) -> RedisError? {
        let connection = thread.connection
        var heartbeat = Heartbeat(configuration: configuration, connection: connection, logger: logger)
        let recovery = ProcessRecovery(configuration: configuration, connection: connection, metrics: shared.metrics)
        var nextHeartbeat = ContinuousClock.now
        var nextReap = ContinuousClock.now
        while !shared.poolStopped.isRequested {
            let now = ContinuousClock.now
            // The first heartbeat waits for the pool's first snapshot (woken by it), so it announces the processes.
            if now >= nextHeartbeat, let snapshot = shared.snapshot.value {
                nextHeartbeat = now + configuration.heartbeatInterval
                do {
                    try heartbeat.beat(snapshot, queues: shared.settings.value.queues ?? configuration.queues)
                } catch {
                    shutdown.request(.cold)
                    return error
                }
            }
            if shutdown.level == .running, now >= nextReap {
                nextReap = now + configuration.reapInterval
                do {
                    try reapDeadProcesses(recovery)
                } catch let error as RedisError where error.isFatal {
                    shutdown.request(.cold)
                    return error
                } catch {
                    logger.warning("reaper step failed; will retry", metadata: ["error": "\(error)"])
                }
            }
            thread.wakeup.wait(until: shutdown.isRequested ? nextHeartbeat : min(nextHeartbeat, nextReap))
        }
        heartbeat.goOffline(processed: shared.snapshot.value?.processed ?? 0)
        return nil
    }

    /// Recovers the processing lists of processes (of any node) whose lease has expired. The lock is kept for
    /// the whole interval, not released after the pass, so the cluster reaps once per interval: with n nodes,
    /// a pass that each node ran in turn cost n × (processes of n nodes) lease checks per interval.
    private func reapDeadProcesses(_ recovery: ProcessRecovery) throws {
        let connection = thread.connection
        let lockTime = String(configuration.reapInterval.wholeMilliseconds)
        guard try connection.send(["SET", WorkerKeys.reaperLock, configuration.nodeName, "NX", "PX", lockTime]).string == "OK" else {
            return
        }
        let members = (try connection.send(["SMEMBERS", WorkerKeys.processes]).array ?? []).compactMap(\.string)
        guard !members.isEmpty else { return }
        let alive = try connection.pipeline(members.map { ["EXISTS", WorkerKeys.lease($0)] })
        for (processID, exists) in zip(members, alive) where exists.integer == 0 {
            let recovered = try recovery.recover(processID: processID, countAsDelivery: true)
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
}

/// The heartbeat's Redis writes and the little state they keep (whether `worker-online` went out), owned by the
/// lease keeper's thread.
private struct Heartbeat {
    let configuration: WorkerConfiguration
    let connection: RedisConnection
    let logger: Logger
    let events: CeleryEvents
    let started = Date()
    /// Whether `worker-online` went out (then heartbeats follow).
    var sentOnline = false

    init(configuration: WorkerConfiguration, connection: RedisConnection, logger: Logger) {
        self.configuration = configuration
        self.connection = connection
        self.logger = logger
        self.events = CeleryEvents(node: configuration.nodeName, database: configuration.redis.database)
    }

    /// Renews the leases of the snapshot's processes, re-announces them, publishes the heartbeat event and the
    /// node's registration. A process that exited after the snapshot was taken may get its lease back for one
    /// lease period: its list is empty by then, and the reaper forgets it once that lease expires.
    /// - Throws: a fatal ``RedisError`` only; other failures are logged and retried at the next heartbeat.
    mutating func beat(_ snapshot: NodeSnapshot, queues: [String]) throws(RedisError) {
        var commands: [[String]] = []
        for processID in snapshot.processIDs {
            commands.append(["SET", WorkerKeys.lease(processID), configuration.nodeName, "PX", String(configuration.leaseTimeout.wholeMilliseconds)])
            // Re-announce the process too: after a long Redis outage another node may have reaped it.
            commands.append(["SADD", WorkerKeys.processes, processID])
        }
        let eventType = sentOnline ? "worker-heartbeat" : "worker-online"
        // `freq` tells Celery's event consumers (Flower) how often to expect a heartbeat: the real interval.
        let fields = CeleryEvents.workerFields(
            active: snapshot.active.count, processed: snapshot.processed, frequency: configuration.heartbeatInterval.seconds
        )
        commands.append(events.publish(eventType, fields))
        do {
            try connection.sendAll(commands)  // an error reply (a lease not renewed) is an error, logged below
            sentOnline = true
            var info = WorkerInfo(
                node: configuration.nodeName, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()),
                queues: queues, concurrency: snapshot.liveProcesses, started: started, processed: snapshot.processed,
                current: snapshot.current, lastSeen: Date(), restarts: snapshot.restarts
            )
            info.desiredProcesses = snapshot.desiredProcesses
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
}
