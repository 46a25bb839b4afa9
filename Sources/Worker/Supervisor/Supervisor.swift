import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Keeps `concurrency` worker processes running and the shared Redis state healthy:
/// restarts processes that exit (capped backoff), requeues what a dead process held, renews
/// leases, moves due ETA messages to their queues, reaps dead nodes' processes, enforces hard
/// time limits, acts on `revoke --terminate`, and shuts down warm (SIGTERM) or cold (SIGQUIT or a
/// second SIGTERM) without losing a message.
package final class Supervisor: @unchecked Sendable {
    private let configuration: WorkerConfiguration
    private let executable: String
    private let childArguments: [String]
    /// The task names the processes registered (each reports them after its setup), for `celery inspect registered`.
    private var taskNames: [String] = []
    private let events: CeleryEvents
    private let snapshot = Locked(NodeSnapshot())
    private let logger: Logger
    private let connection: RedisConnection
    private let signals = LockedQueue<Int32>()
    private let controlInbox = LockedQueue<String>()
    private let started = Date()
    /// `/metrics`, `/healthz` and the status page; `nil` when disabled.
    private let metrics: MetricsEndpoint?
    private var slots: [Slot]
    private var processed = 0
    private var restarts = 0
    private var sentOnline = false
    private var shutdown: ShutdownState = .running
    /// A configuration Redis refuses (wrong password, database out of range, …): the node stops with it.
    private var fatal: RedisError?
    /// The SIGTERM, SIGINT and SIGQUIT handlers, kept alive while the supervisor runs.
    private var signalSources: [any DispatchSourceSignal] = []

    private enum ShutdownState: Equatable {
        case running
        case warm(deadline: ContinuousClock.Instant)
        case cold
    }

    private enum KillReason {
        case hardTimeLimit(taskID: String, task: String, limit: Duration)
        case terminated(taskID: String)
        case shutdown
    }

    private struct RunningTask {
        var id: String
        var name: String
        var startedAt: ContinuousClock.Instant
        var hardLimit: Duration?
        var queue = ""
    }

    private struct Slot {
        var index: Int
        var generation = 0
        var process: SpawnedProcess?
        var processID: String?
        var spawnedAt = ContinuousClock.now
        var lines = LineBuffer()
        var running: RunningTask?
        var killReason: KillReason?
        var restartAt: ContinuousClock.Instant? = .now
        var quickExits = 0
    }

    /// - Parameters:
    ///   - executable: the binary to start worker processes from (this one, by default).
    ///   - childArguments: the arguments after `worker-process --process-id ID`, i.e. the worker's own options.
    package init(
        configuration: WorkerConfiguration, executable: String? = nil, childArguments: [String],
        logger: Logger
    ) {
        self.configuration = configuration
        self.events = CeleryEvents(node: configuration.nodeName, database: configuration.redis.database)
        self.executable = executable ?? SpawnedProcess.currentExecutable
        self.childArguments = childArguments
        self.logger = logger
        var redis = configuration.redis
        redis.reconnectTimeout = .seconds(1)
        let connection = RedisConnection(configuration: redis, logger: logger)
        self.connection = connection
        self.slots = (0..<max(1, configuration.concurrency)).map { Slot(index: $0) }
        self.metrics = configuration.metricsAddress.map { _ in
            MetricsEndpoint(
                configuration: configuration,
                node: NodeMetrics(hostname: configuration.nodeName, queues: configuration.queues),
                supervisorConnection: connection, logger: logger
            )
        }
    }

    /// Runs until shut down by a signal; returns once every worker process has stopped and every
    /// in-flight message is finished or back on its queue.
    /// - Throws: ``RedisError`` with code `.configuration` when Redis refuses the configuration (a wrong
    ///   password, a database out of range, no such socket), at start or later: retrying cannot help, so
    ///   the node stops. Transient failures (Redis restarting, `LOADING`) are retried, never thrown.
    package func run() async throws(RedisError) {
        do {
            try connection.connect()
        } catch let error where error.isFatal {
            throw error
        } catch {
            logger.warning("cannot reach Redis yet; starting and retrying", metadata: ["error": "\(error)"])
        }
        installSignalHandlers()
        if let metrics, let address = configuration.metricsAddress {
            do {
                try metrics.start(address: address)
            } catch {
                if configuration.metricsAddressRequired {
                    logger.critical("cannot serve /metrics on \(address): \(error); stopping (use --metrics-address 0 to disable)")
                    return
                }
                logger.error("cannot serve /metrics on \(address): \(error); running without it (set --metrics-address)")
            }
        }
        defer { metrics?.stop() }
        let inbox = controlInbox
        let snapshot = self.snapshot
        ControlListener(
            configuration: configuration, logger: logger, terminate: { inbox.post($0) },
            snapshot: { snapshot.value }
        ).start()
        logger.info(
            "worker node starting",
            metadata: [
                "worker.node": "\(configuration.nodeName)", "worker.queues": "\(configuration.queues.joined(separator: ","))",
                "worker.concurrency": "\(slots.count)", "redis.endpoint": "\(configuration.redis.redactedURL)",
            ]
        )
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            PosixThread.start(name: "supervisor") { [self] in
                loop()
                done.resume()
            }
        }
        if let fatal { throw fatal }
        logger.info("worker node stopped", metadata: ["worker.node": "\(configuration.nodeName)", "worker.processed": "\(processed)"])
    }

    /// Stops the node for a configuration Redis refuses: processes are killed (their messages stay in
    /// their processing lists under expiring leases, for any other node to recover) and ``run()`` throws.
    private func stopForFatal(_ error: RedisError) {
        guard fatal == nil else { return }
        fatal = error
        shutdown = .cold
        killAll(reason: .shutdown)
    }

    // MARK: - Main loop

    /// How often the supervisor looks at its processes, signals, control messages and timers.
    private static let tick = Duration.milliseconds(50)

    private func loop() {
        var nextHeartbeat = ContinuousClock.now
        var nextPromote = ContinuousClock.now
        var nextReap = ContinuousClock.now
        while true {
            PosixThread.sleep(for: Self.tick)
            readEvents()
            reapExitedChildren()
            handleSignals()
            if shutdown != .running, slots.allSatisfy({ $0.process == nil }) { break }
            let now = ContinuousClock.now
            enforceHardTimeLimits(now: now)
            handleControlMessages()
            if shutdown == .running { restartDueSlots(now: now) }
            if case .warm(let deadline) = shutdown, now >= deadline {
                logger.warning("shutdown timeout passed; killing running tasks and requeueing their messages")
                killAll(reason: .shutdown)
                shutdown = .cold
            }
            guarded("heartbeat", at: &nextHeartbeat, every: configuration.heartbeatInterval, now: now) { heartbeat() }
            guarded("ETA", at: &nextPromote, every: configuration.scheduledPollInterval, now: now) { try promoteDue() }
            if shutdown == .running {
                guarded("reaper", at: &nextReap, every: configuration.reapInterval, now: now) { try reapDeadProcesses() }
            }
        }
        try? WorkerRegistry.remove(node: configuration.nodeName, on: connection)
        let offline = CeleryEvents.workerFields(active: 0, processed: processed, frequency: configuration.heartbeatInterval.seconds)
        _ = try? connection.send(events.publish("worker-offline", offline))
    }

    private func guarded(
        _ job: String, at next: inout ContinuousClock.Instant, every interval: Duration, now: ContinuousClock.Instant,
        _ body: () throws -> Void
    ) {
        guard now >= next else { return }
        next = now + interval
        do {
            try body()
        } catch let error as RedisError where error.isFatal {
            stopForFatal(error)
        } catch {
            logger.warning("supervisor \(job) step failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Reads what the worker processes reported since the last tick. Events carry their own
    /// timestamps, so the supervisor does not wake up for each of them (two per task): a busy pool
    /// would otherwise cost it thousands of wake-ups a second on the cores the tasks need.
    private func readEvents() {
        for index in slots.indices {
            guard let process = slots[index].process else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(process.events, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                let lines = buffer.withUnsafeBytes { slots[index].lines.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                for fields in lines { handleEvent(fields, slot: index) }
            }
        }
    }

    /// Acts on one line from a worker process. A line that is not a valid ``WorkerEvent`` (a number out of
    /// range, an unknown event) is logged and ignored: nothing a process sends can stop the supervisor.
    private func handleEvent(_ fields: [String], slot index: Int) {
        let event: WorkerEvent
        do {
            event = try WorkerEvent(fields: fields)
        } catch {
            if fields.first == "done" {  // whatever its numbers, the process is done with its task
                slots[index].running = nil
                processed += 1
            }
            logger.error(
                "ignoring an invalid event from a worker process",
                metadata: ["worker.process": "\(slots[index].processID ?? "-")", "error": "\(error)"]
            )
            return
        }
        switch event {
        case .started(let start):
            // Checked by the decoder: the age is finite and at most 10⁷ s.
            let age = Duration(checkedSeconds: max(0, Date().timeIntervalSince1970 - start.startedAt)) ?? .zero
            slots[index].running = RunningTask(
                id: start.taskID, name: start.name, startedAt: .now - age, hardLimit: start.hardLimit, queue: start.queue
            )
        case .finished(let report):
            slots[index].running = nil
            processed += 1
            metrics?.node.record(report)
        case .registered(let names):
            if names != taskNames {
                taskNames = names
                snapshot.withLock { $0.taskNames = names }
                metrics?.node.register(taskNames: names)
                logger.info("registered tasks", metadata: ["tasks": "\(names.joined(separator: ", "))"])
            }
        }
    }

    // MARK: - Processes

    private func restartDueSlots(now: ContinuousClock.Instant) {
        for index in slots.indices where slots[index].process == nil {
            guard let due = slots[index].restartAt, now >= due else { continue }
            spawn(slot: index)
        }
    }

    private func spawn(slot index: Int) {
        slots[index].generation += 1
        let processID = "\(configuration.nodeName)#\(index).\(slots[index].generation)"
        do {
            // sendAll: an error reply (OOM, READONLY) throws, and the spawn is retried; a process never runs
            // without its lease.
            try connection.sendAll([
                ["SADD", WorkerKeys.processes, processID],
                ["SET", WorkerKeys.lease(processID), configuration.nodeName, "PX", String(configuration.leaseTimeout.wholeMilliseconds)],
            ])
            let process = try SpawnedProcess.spawn(
                executable: executable, arguments: ["worker-process", "--process-id", processID] + childArguments
            )
            slots[index].process = process
            slots[index].processID = processID
            slots[index].spawnedAt = .now
            slots[index].restartAt = nil
            slots[index].running = nil
            slots[index].killReason = nil
            slots[index].lines = LineBuffer()
            logger.info("worker process started", metadata: ["worker.process": "\(processID)", "pid": "\(process.pid)"])
        } catch let error as RedisError where error.isFatal {
            stopForFatal(error)
        } catch {
            slots[index].restartAt = .now + backoff(for: &slots[index])
            logger.error("cannot start worker process; will retry", metadata: ["error": "\(error)"])
        }
    }

    private func backoff(for slot: inout Slot) -> Duration {
        slot.quickExits += 1
        return Backoff(base: configuration.restartBackoff, cap: configuration.restartBackoffCap, jitter: false)
            .delay(afterAttempts: slot.quickExits - 1)
    }

    private func reapExitedChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            guard let index = slots.firstIndex(where: { $0.process?.pid == pid }) else { continue }
            childExited(slot: index, status: status)
        }
    }

    private func childExited(slot index: Int, status: Int32) {
        guard let process = slots[index].process, let processID = slots[index].processID else { return }
        close(process.lifeline)
        close(process.events)
        let reason = slots[index].killReason
        let running = slots[index].running
        slots[index].process = nil
        slots[index].running = nil
        var metadata: Logger.Metadata = ["worker.process": "\(processID)", "pid": "\(process.pid)", "exit": "\(describeExit(status))"]
        if let running { metadata["task.id"] = "\(running.id)"; metadata["task.name"] = "\(running.name)" }

        do {
            switch reason {
            case .hardTimeLimit(let taskID, let task, let limit):
                metrics?.node.processRestarted(.hardTimeLimit)
                metrics?.node.record(
                    TaskReport(
                        taskID: taskID, outcome: .failed, name: task, queue: running?.queue ?? "", runtime: limit.seconds,
                        exception: "TimeLimitExceeded"
                    )
                )
                let error = RemoteError(type: "TimeLimitExceeded", arguments: [.double(limit.seconds)], module: "billiard.exceptions")
                let failure = TaskResult(
                    taskID: taskID, state: .failure, result: error.json,
                    traceback: ErrorReport.traceback(task: task, error: error), dateDone: Date()
                )
                try discard(processID: processID, result: failure)
                logger.error("task killed at its hard time limit", metadata: metadata)
            case .terminated(let taskID):
                metrics?.node.processRestarted(.revokeTerminate)
                try discard(processID: processID, result: Revocations.revokedResult(taskID: taskID, reason: "terminated"))
                logger.warning("task terminated by revoke", metadata: metadata)
            case .shutdown:
                try recover(processID: processID, countAsDelivery: false)
                logger.info("worker process stopped for shutdown; its message was requeued", metadata: metadata)
            case nil:
                let clean = status == 0 && shutdown != .running
                if !clean && shutdown == .running { metrics?.node.processRestarted(status & 0x7F != 0 ? .signal : .exited) }
                try recover(processID: processID, countAsDelivery: !clean)
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
        if shutdown == .running, WorkerExit.isConfigurationError(status) {
            // The process found the configuration refused; the supervisor checks for itself (a socket that is
            // missing while Redis restarts is only fatal to a process that never connected).
            connection.close()
            do {
                try connection.connect()
            } catch let error where error.isFatal {
                stopForFatal(error)
            } catch {}
        }
        if shutdown == .running {
            restarts += 1
            if ContinuousClock.now - slots[index].spawnedAt > .seconds(10) { slots[index].quickExits = 0 }
            let delay = reason == nil ? backoff(for: &slots[index]) : .zero
            slots[index].restartAt = .now + delay
        }
    }

    private func killAll(reason: KillReason) {
        for index in slots.indices {
            guard let process = slots[index].process else { continue }
            if slots[index].killReason == nil { slots[index].killReason = reason }
            ProcessGroups.killChildGroups(of: process.pid)
            kill(process.pid, SIGKILL)
        }
    }

    // MARK: - Time limits and revokes

    private func enforceHardTimeLimits(now: ContinuousClock.Instant) {
        for index in slots.indices {
            guard let process = slots[index].process, let running = slots[index].running, let limit = running.hardLimit,
                slots[index].killReason == nil, now - running.startedAt > limit
            else { continue }
            slots[index].killReason = .hardTimeLimit(taskID: running.id, task: running.name, limit: limit)
            ProcessGroups.killChildGroups(of: process.pid)
            kill(process.pid, SIGKILL)
        }
    }

    private func handleControlMessages() {
        for taskID in controlInbox.drain() {
            for index in slots.indices where slots[index].running?.id == taskID && slots[index].killReason == nil {
                guard let process = slots[index].process else { continue }
                slots[index].killReason = .terminated(taskID: taskID)
                ProcessGroups.killChildGroups(of: process.pid)
                kill(process.pid, SIGKILL)
            }
        }
    }

    // MARK: - Redis housekeeping

    private func heartbeat() {
        var commands: [[String]] = []
        for slot in slots {
            guard slot.process != nil, let processID = slot.processID else { continue }
            commands.append(["SET", WorkerKeys.lease(processID), configuration.nodeName, "PX", String(configuration.leaseTimeout.wholeMilliseconds)])
            // Re-announce the process too: after a long Redis outage another node may have reaped it.
            commands.append(["SADD", WorkerKeys.processes, processID])
        }
        let active = slots.compactMap(\.running)
        snapshot.value = NodeSnapshot(
            active: slots.compactMap { slot in
                slot.running.map { task in
                    NodeSnapshot.Task(
                        id: task.id, name: task.name, started: Date().addingTimeInterval(-(ContinuousClock.now - task.startedAt).seconds),
                        queue: task.queue, pid: slot.process.map { Int($0.pid) }
                    )
                }
            },
            processed: processed, processPIDs: slots.compactMap { $0.process.map { Int($0.pid) } }, taskNames: taskNames
        )
        let eventType = sentOnline ? "worker-heartbeat" : "worker-online"
        // `freq` tells Celery's event consumers (Flower) how often to expect a heartbeat: the real interval.
        let fields = CeleryEvents.workerFields(
            active: active.count, processed: processed, frequency: configuration.heartbeatInterval.seconds
        )
        commands.append(events.publish(eventType, fields))
        do {
            try connection.sendAll(commands)  // an error reply (a lease not renewed) is an error, logged below
            sentOnline = true
            let info = WorkerInfo(
                node: configuration.nodeName, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()),
                queues: configuration.queues, concurrency: slots.count, started: started, processed: processed,
                current: slots.map { slot in slot.running.map { "\($0.name) \($0.id)" } ?? (slot.process == nil ? "restarting" : "idle") },
                lastSeen: Date(), restarts: restarts
            )
            try WorkerRegistry.publish(info, ttl: configuration.leaseTimeout * 3, on: connection)
        } catch let error as RedisError where error.isFatal {
            stopForFatal(error)
        } catch {
            logger.warning("cannot renew leases; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Due ETA messages moved per promote call: about 1 ms of Redis time for 1 KB messages on a 2-core VM, so a
    /// burst of 100,000 due in one second never blocks Redis for long (bench/scale: the ETA burst curve).
    private static let promoteBatch = 100

    private func promoteDue() throws {
        while true {
            let moved = try connection.evaluate(
                WorkerScripts.promote, keys: [WorkerKeys.scheduled],
                arguments: [String(Date().timeIntervalSince1970), String(Self.promoteBatch)]
            ).integer ?? 0
            if moved < Self.promoteBatch { return }
        }
    }

    /// Recovers the processing lists of processes (of any node) whose lease has expired. The lock is kept for
    /// the whole interval, not released after the pass, so the cluster reaps once per interval: with n nodes,
    /// a pass that each node ran in turn cost n × (processes of n nodes) lease checks per interval.
    private func reapDeadProcesses() throws {
        let lockTime = String(configuration.reapInterval.wholeMilliseconds)
        guard try connection.send(["SET", WorkerKeys.reaperLock, configuration.nodeName, "NX", "PX", lockTime]).string == "OK" else {
            return
        }
        let members = (try connection.send(["SMEMBERS", WorkerKeys.processes]).array ?? []).compactMap(\.string)
        guard !members.isEmpty else { return }
        let alive = try connection.pipeline(members.map { ["EXISTS", WorkerKeys.lease($0)] })
        for (processID, exists) in zip(members, alive) where exists.integer == 0 {
            let (requeued, dead) = try recover(processID: processID, countAsDelivery: true)
            if requeued + dead > 0 {
                logger.warning(
                    "recovered messages of a dead worker process",
                    metadata: ["worker.process": "\(processID)", "requeued": "\(requeued)", "dead_lettered": "\(dead)"]
                )
            }
        }
    }

    @discardableResult
    private func recover(processID: String, countAsDelivery: Bool) throws -> (Int, Int) {
        let reply = try connection.evaluate(
            WorkerScripts.recover,
            keys: [
                WorkerKeys.processing(processID), WorkerKeys.deliveries, WorkerKeys.processes, WorkerKeys.deadLetterIndex,
                WorkerKeys.deadLetterEntries, WorkerKeys.lease(processID),
            ],
            arguments: [
                processID, countAsDelivery ? "1" : "0", String(configuration.maxDeliveries),
                String(Date().timeIntervalSince1970), DeadLetterQueue.newEntryID() + "-",
                String(Int(configuration.deadLetters.maxAge.seconds)), String(configuration.deadLetters.maxEntries),
                String(configuration.deadLetters.maxBytes),
            ]
        )
        let counts = reply.array?.compactMap(\.integer) ?? []
        let (requeued, dead) = (counts.first ?? 0, counts.count > 1 ? counts[1] : 0)
        if countAsDelivery { metrics?.node.recovered(requeued: requeued, poison: dead) }
        return (requeued, dead)
    }

    /// Drops a killed process's message, storing the result that explains why (the rest of its batch is requeued).
    private func discard(processID: String, result: TaskResult) throws {
        let invocation = configuration.results.storeInvocation(result)
        try connection.evaluate(
            WorkerScripts.discard,
            keys: [WorkerKeys.processing(processID), WorkerKeys.processes, WorkerKeys.lease(processID), invocation.keys[0]],
            arguments: [processID] + invocation.arguments + [result.taskID]
        )
    }

    // MARK: - Signals

    private func installSignalHandlers() {
        for signalNumber in [SIGTERM, SIGINT, SIGQUIT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [signals] in signals.post(signalNumber) }
            source.resume()
            signalSources.append(source)
        }
    }

    private func handleSignals() {
        for signalNumber in signals.drain() {
            let cold = signalNumber == SIGQUIT || shutdown != .running
            if cold {
                guard shutdown != .cold else { continue }
                logger.warning("cold shutdown: requeueing running tasks' messages now")
                shutdown = .cold
                killAll(reason: .shutdown)
            } else {
                logger.info(
                    "warm shutdown: waiting for running tasks",
                    metadata: ["shutdown.timeout": "\(configuration.shutdownTimeout.seconds)"]
                )
                shutdown = .warm(deadline: .now + configuration.shutdownTimeout)
                for slot in slots { if let process = slot.process { kill(process.pid, SIGTERM) } }
            }
        }
    }
}

/// A small thread-safe inbox: signal handlers and the control listener post, the supervisor loop drains.
private final class LockedQueue<Element: Sendable>: Sendable {
    private let pending = Locked<[Element]>([])

    func post(_ element: Element) {
        pending.withLock { $0.append(element) }
    }

    func drain() -> [Element] {
        pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }
}
