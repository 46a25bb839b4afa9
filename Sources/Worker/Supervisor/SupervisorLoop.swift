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

/// The supervisor's loop and the state only it touches (a value owned by the loop's thread): every tick it reads
/// what the processes reported, handles exits, the shutdown asked for (``Shutdown``) and `revoke --terminate`,
/// enforces hard time limits, restarts and sizes the pool, and publishes what changed (``NodeSnapshot``) for the
/// node's other services; the due times of parked ETAs go to the promoter (``EtaDueTimes``).
struct SupervisorLoop {
    let configuration: WorkerConfiguration
    let logger: Logger
    let connection: RedisConnection
    let metrics: NodeMetrics?
    private let shared: NodeShared
    private(set) var pool: ProcessPool
    private let recovery: ProcessRecovery
    private(set) var shutdown: ShutdownState = .running
    /// A configuration Redis refuses (wrong password, database out of range, …): the node stops with it.
    private(set) var fatal: RedisError?
    private var taskNames: [String] = []
    /// The pool size the loop works towards (the autoscaler's decision, or the fixed size).
    private var desiredProcesses: Int
    private var poolSizing: PoolSizing?
    private var appliedPoolRestarts = 0
    /// The pool size ``MemoryBudget`` last held the pool at (logged once per change).
    private var heldByBudget: Int?
    /// What the last published ``NodeSnapshot`` was built from: the pool's change count, task names, target size.
    private var published: (poolChanges: Int, taskNames: [String], desiredProcesses: Int)?

    init(configuration: WorkerConfiguration, logger: Logger, connection: RedisConnection, shared: NodeShared, pool: ProcessPool) {
        self.configuration = configuration
        self.logger = logger
        self.connection = connection
        self.metrics = shared.metrics
        self.shared = shared
        self.pool = pool
        self.recovery = ProcessRecovery(configuration: configuration, connection: connection, metrics: shared.metrics)
        self.desiredProcesses = shared.poolTarget.value.processes
    }

    /// How often the supervisor looks at its processes, the shutdown asked for, control messages and timers.
    private static let tick = Duration.milliseconds(50)

    /// Runs until every process has stopped after `shutdown` asked (warm or cold), reading it every tick, and
    /// publishes the pool's last snapshot.
    mutating func run(until requested: Shutdown, control: LockedQueue<String>) {
        var nextPoolLook = ContinuousClock.now
        while true {
            PosixThread.sleep(for: Self.tick)
            var reported: [WorkerEvent] = []
            pool.readEvents { reported.append($0) }
            for event in reported { handle(event) }
            while let exit = pool.nextExit() { childExited(exit) }
            follow(requested.level)
            if shutdown != .running, pool.isEmpty { break }
            let now = ContinuousClock.now
            pool.enforceHardTimeLimits(now: now)
            pool.enforceTaskMemoryLimit()
            for taskID in control.drain() { pool.terminate(taskID: taskID) }
            pool.sendPendingStops()
            if shutdown == .running { sizePool(now: now, nextLook: &nextPoolLook) }
            if shutdown == .running {
                do { try pool.restartDue(now: now) } catch { stopForFatal(error) }
            }
            if case .warm(let deadline) = shutdown, now >= deadline {
                logger.warning("shutdown timeout passed; killing running tasks and requeueing their messages")
                pool.killAll(reason: .shutdown)
                shutdown = .cold
            }
            publishSnapshotIfChanged()
        }
        publishSnapshotIfChanged()
    }

    /// Publishes the pool's snapshot when something in it changed since the last one (a process started or
    /// exited, a task started or finished, a slot retired, the task names, the target size): an idle tick
    /// publishes nothing, and the published one stays exact, since nothing it shows changed.
    private mutating func publishSnapshotIfChanged() {
        if let published, published == (pool.changes, taskNames, desiredProcesses) { return }
        published = (pool.changes, taskNames, desiredProcesses)
        shared.snapshot.publish(NodeSnapshot(pool: pool, taskNames: taskNames, desiredProcesses: desiredProcesses))
    }

    private mutating func guarded(
        _ job: String, at next: inout ContinuousClock.Instant, every interval: Duration, now: ContinuousClock.Instant,
        _ body: (inout SupervisorLoop) throws -> Void
    ) {
        guard now >= next else { return }
        next = now + interval
        do {
            try body(&self)
        } catch let error as RedisError where error.isFatal {
            stopForFatal(error)
        } catch {
            logger.warning("supervisor \(job) step failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Stops the node for a configuration Redis refuses: processes are killed (their messages stay in
    /// their processing lists under expiring leases, for any other node to recover) and the node stops with it.
    private mutating func stopForFatal(_ error: RedisError) {
        guard fatal == nil else { return }
        fatal = error
        shutdown = .cold
        pool.killAll(reason: .shutdown)
    }

    /// What a process reported (the pool has updated its slot already).
    private mutating func handle(_ event: WorkerEvent) {
        switch event {
        case .started:
            break
        case .finished(let report):
            metrics?.record(report)
        case .parked(let due):
            shared.dueTimes.add(due)
        case .registered(let names):
            guard names != taskNames else { return }
            taskNames = names
            metrics?.register(taskNames: names)
            logger.info("registered tasks", metadata: ["tasks": "\(names.joined(separator: ", "))"])
        }
    }

    // MARK: - Pool size (pool_grow, pool_shrink, pool_restart, autoscale)

    /// Works towards the pool size control commands and the autoscaler ask for: starts slots, retires
    /// processes warm (``PoolPlan``), and restarts them all, warm, after a `pool_restart`.
    private mutating func sizePool(now: ContinuousClock.Instant, nextLook: inout ContinuousClock.Instant) {
        let target = shared.poolTarget.value
        if target.restarts != appliedPoolRestarts {
            appliedPoolRestarts = target.restarts
            pool.restartAll()
        }
        if let range = target.autoscale {
            guarded("autoscale", at: &nextLook, every: .seconds(1), now: now) { loop in
                var sizing = loop.poolSizing ?? PoolSizing(range: range, idleTime: loop.configuration.autoscaleKeepalive)
                sizing.range = range
                let live = loop.pool.live
                let busy = live.count(where: { loop.pool.slots[$0].running != nil })
                let load = PoolLoad(ready: try loop.readyMessages(), busy: busy, processes: live.count)
                loop.desiredProcesses = max(1, sizing.desired(after: load, now: now))
                loop.poolSizing = sizing
            }
        } else {
            desiredProcesses = target.processes
        }
        var allowed = desiredProcesses
        if let budget = configuration.memoryBudget.map(MemoryBudget.init(mebibytes:)) {
            let live = pool.live
            let resident = live.compactMap { pool.slots[$0].process.flatMap { TaskMemoryLimit.residentBytes(of: $0.pid) } }
            allowed = budget.allowedProcesses(desired: desiredProcesses, current: live.count, residentBytes: resident)
            if allowed < desiredProcesses, allowed != heldByBudget {
                logger.warning(
                    "the pool stays below what it was asked for: --memory-budget holds it",
                    metadata: ["worker.processes": "\(allowed)", "worker.desired_processes": "\(desiredProcesses)"]
                )
            }
            heldByBudget = allowed < desiredProcesses ? allowed : nil
        }
        if pool.resize(to: allowed) {
            logger.info("pool resized", metadata: ["worker.processes": "\(desiredProcesses)"])
        }
    }

    /// Messages ready in the queues the node consumes (every priority bucket), for the autoscaler.
    private func readyMessages() throws -> Int {
        let keys = PriorityBuckets.listKeys(queues: shared.settings.value.queues ?? configuration.queues)
        return try connection.pipeline(keys.map { ["LLEN", $0] }).reduce(0) { $0 + ($1.integer ?? 0) }
    }

    /// Starts the shutdown `asked` for, once: warm stops the processes after their task, cold kills them.
    private mutating func follow(_ asked: ShutdownLevel) {
        guard let next = shutdown.after(request: asked, now: .now, timeout: configuration.shutdownTimeout) else { return }
        shutdown = next
        if next == .cold {
            logger.warning("cold shutdown: requeueing running tasks' messages now")
            pool.killAll(reason: .shutdown)
        } else {
            logger.info("warm shutdown: waiting for running tasks", metadata: ["shutdown.timeout": "\(configuration.shutdownTimeout.seconds)"])
            pool.stopAll()
        }
    }

    /// Puts what an exited process held back (or drops the message of one killed on purpose, storing why),
    /// then schedules its restart.
    private mutating func childExited(_ exit: ProcessPool.Exit) {
        var metadata: Logger.Metadata = ["worker.process": "\(exit.processID)", "pid": "\(exit.pid)", "exit": "\(describeExit(exit.status))"]
        if let running = exit.running { metadata["task.id"] = "\(running.id)"; metadata["task.name"] = "\(running.name)" }
        do {
            switch exit.killReason {
            case .hardTimeLimit(let taskID, let task, let limit):
                metrics?.processRestarted(.hardTimeLimit)
                metrics?.record(
                    TaskReport(
                        taskID: taskID, outcome: .failed, name: task, queue: exit.running?.queue ?? "", runtime: limit.seconds,
                        exception: "TimeLimitExceeded"
                    )
                )
                let error = RemoteError(type: "TimeLimitExceeded", arguments: [.double(limit.seconds)], module: "billiard.exceptions")
                let failure = TaskResult(
                    taskID: taskID, state: .failure, result: error.json, traceback: ErrorReport.traceback(task: task, error: error),
                    dateDone: Date()
                )
                try recovery.discard(processID: exit.processID, result: failure)
                logger.error("task killed at its hard time limit", metadata: metadata)
            case .terminated(let taskID):
                metrics?.processRestarted(.revokeTerminate)
                try recovery.discard(processID: exit.processID, result: Revocations.revokedResult(taskID: taskID, reason: "terminated"))
                logger.warning("task terminated by revoke", metadata: metadata)
            case .taskMemory(let taskID, let task, let limit):
                metrics?.processRestarted(.taskMemoryLimit)
                metrics?.record(
                    TaskReport(taskID: taskID, outcome: .rejected, name: task, queue: exit.running?.queue ?? "", deadLetter: .memory)
                )
                try recovery.deadLetterKilled(processID: exit.processID, taskID: taskID, limitMiB: limit)
                logger.error("task killed over --task-memory-limit; dead-lettered (reason memory)", metadata: metadata)
            case .shutdown:
                try recovery.recover(processID: exit.processID, countAsDelivery: false)
                logger.info("worker process stopped for shutdown; its message was requeued", metadata: metadata)
            case nil where Recycling.Reason(waitStatus: exit.status) != nil:  // a planned exit
                let recycled = Recycling.Reason(waitStatus: exit.status)!
                metrics?.processRecycled(recycled)
                try recovery.recover(processID: exit.processID, countAsDelivery: false)
                logger.info("worker process recycled (\(recycled.rawValue)); starting a fresh one", metadata: metadata)
            case nil where exit.retirement != nil:
                // A clean exit handed back what it held; a crash while retiring counts as one, as any crash.
                try recovery.recover(processID: exit.processID, countAsDelivery: exit.status != 0)
                logger.info("worker process retired by the pool (\(exit.retirement == .shrink ? "shrink" : "restart"))", metadata: metadata)
            case nil:
                let clean = exit.status == 0 && shutdown != .running
                if !clean && shutdown == .running { metrics?.processRestarted(exit.status & 0x7F != 0 ? .signal : .exited) }
                try recovery.recover(processID: exit.processID, countAsDelivery: !clean)
                if clean {
                    logger.info("worker process stopped", metadata: metadata)
                } else {
                    logger.error("worker process died; its message was requeued", metadata: metadata)
                }
            }
        } catch {
            // The process's list stays in Redis under its (soon expired) lease: the reaper recovers it.
            logger.error("cannot requeue a dead process's messages now; the reaper will", metadata: ["error": "\(error)"])
        }
        if shutdown == .running, WorkerExit.isConfigurationError(exit.status) {
            // The process found the configuration refused; the supervisor checks for itself (a socket that is
            // missing while Redis restarts is only fatal to a process that never connected).
            connection.close()
            do {
                try connection.connect()
            } catch let error where error.isFatal {
                stopForFatal(error)
            } catch {}
        }
        if shutdown == .running { pool.scheduleRestart(after: exit) }
    }
}
