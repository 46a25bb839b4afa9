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

/// A node's worker processes: one slot per process, each started with its lease, restarted with a capped
/// backoff after it exits, killed for a hard time limit or `revoke --terminate`. Owned by the supervisor's loop
/// thread (not `Sendable`); what a process reports arrives through ``readEvents(_:)``.
struct ProcessPool {
    /// A task a process reported started.
    struct RunningTask {
        var id: String
        var name: String
        var startedAt: ContinuousClock.Instant
        var hardLimit: Duration?
        var queue = ""
        /// The arguments as the process reported them (JSON text, reprs), for `inspect active`.
        var arguments: WorkerEvent.TaskStart? = nil
    }

    /// Why the pool retires a process warm (it finishes its task, hands back what it holds, then exits).
    enum Retirement {
        /// `pool_shrink` or the autoscaler: the slot goes away.
        case shrink
        /// `pool_restart`: the slot starts a new process at once.
        case restart
    }

    /// Why the supervisor killed a process.
    enum KillReason {
        case hardTimeLimit(taskID: String, task: String, limit: Duration)
        case terminated(taskID: String)
        /// `--task-memory-limit`: its task took the process past the limit.
        case taskMemory(taskID: String, task: String, limitMiB: Int)
        case shutdown
    }

    struct Slot {
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
        /// Set when the pool retires the process warm.
        var retirement: Retirement?
        /// A stop (SIGTERM) asked for but not sent yet: the process had no handler for it yet (``askToStop(slot:)``).
        var stopPending = false
    }

    /// A process that exited; its slot is empty now.
    struct Exit {
        var slot: Int
        var processID: String
        var pid: Int32
        var status: Int32
        var killReason: KillReason?
        var running: RunningTask?
        var retirement: Retirement?
    }

    private(set) var slots: [Slot] { didSet { changes &+= 1 } }
    /// Messages the processes finished.
    private(set) var processed = 0 { didSet { changes &+= 1 } }
    /// Processes restarted since the node started.
    private(set) var restarts = 0 { didSet { changes &+= 1 } }
    /// Counts changes to the slots and counters above, so the loop publishes a ``NodeSnapshot`` only after one.
    /// Only real changes touch them: an idle tick leaves this as it was.
    private(set) var changes = 0
    private let configuration: WorkerConfiguration
    private let executable: String
    private let childArguments: [String]
    private let connection: RedisConnection
    private let logger: Logger
    /// The index the next added slot gets (process ids stay unique as the pool grows and shrinks).
    private var nextSlotIndex: Int

    init(configuration: WorkerConfiguration, executable: String, childArguments: [String], connection: RedisConnection, logger: Logger) {
        self.configuration = configuration
        self.executable = executable
        self.childArguments = childArguments
        self.connection = connection
        self.logger = logger
        let initial = configuration.autoscale.map { max(1, $0.minimum) } ?? max(1, configuration.concurrency)
        self.slots = (0..<initial).map { Slot(index: $0) }
        self.nextSlotIndex = initial
    }

    /// Whether no process runs.
    var isEmpty: Bool { slots.allSatisfy { $0.process == nil } }

    /// Starts the processes whose restart is due.
    /// - Throws: a ``RedisError`` that is fatal (the configuration is refused); other failures retry later.
    mutating func restartDue(now: ContinuousClock.Instant) throws(RedisError) {
        for index in slots.indices where slots[index].process == nil {
            guard let due = slots[index].restartAt, now >= due else { continue }
            try spawn(slot: index)
        }
    }

    private mutating func spawn(slot index: Int) throws(RedisError) {
        slots[index].generation += 1
        let processID = "\(configuration.nodeName)#\(slots[index].index).\(slots[index].generation)"
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
            slots[index].stopPending = false
            logger.info("worker process started", metadata: ["worker.process": "\(processID)", "pid": "\(process.pid)"])
        } catch let error as RedisError where error.isFatal {
            throw error
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

    /// Reads what the processes reported since the last tick. Events carry their own timestamps, so the
    /// supervisor does not wake up for each of them (two per task): a busy pool would otherwise cost it thousands
    /// of wake-ups a second on the cores the tasks need. A line that is not a valid ``WorkerEvent`` (a number out
    /// of range, an unknown event) is logged and ignored: nothing a process sends can stop the supervisor.
    mutating func readEvents(_ handle: (WorkerEvent) -> Void) {
        for index in slots.indices {
            guard let process = slots[index].process else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(process.events, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                let lines = buffer.withUnsafeBytes { slots[index].lines.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                for fields in lines { accept(fields, slot: index, handle) }
            }
        }
    }

    private mutating func accept(_ fields: [String], slot index: Int, _ handle: (WorkerEvent) -> Void) {
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
                id: start.taskID, name: start.name, startedAt: .now - age, hardLimit: start.hardLimit, queue: start.queue,
                arguments: start
            )
        case .finished:
            slots[index].running = nil
            processed += 1
        case .registered, .parked:
            break
        }
        handle(event)
    }

    /// The next process that exited (its slot emptied), or `nil`.
    mutating func nextExit() -> Exit? {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return nil }
            guard let index = slots.firstIndex(where: { $0.process?.pid == pid }), let process = slots[index].process,
                let processID = slots[index].processID
            else { continue }
            close(process.lifeline)
            close(process.events)
            let exit = Exit(
                slot: index, processID: processID, pid: process.pid, status: status, killReason: slots[index].killReason,
                running: slots[index].running, retirement: slots[index].retirement
            )
            slots[index].process = nil
            slots[index].running = nil
            slots[index].stopPending = false
            return exit
        }
    }

    /// Schedules the restart of an exited process: at once after a kill, else after the backoff of quick exits.
    mutating func scheduleRestart(after exit: Exit) {
        if let retirement = exit.retirement {
            // A restarted slot starts again now; a shrunk one is removed by the next ``resize(to:)``.
            slots[exit.slot].restartAt = retirement == .restart ? .now : nil
            if retirement == .restart { slots[exit.slot].retirement = nil }
            return
        }
        restarts += 1
        if ContinuousClock.now - slots[exit.slot].spawnedAt > .seconds(10) { slots[exit.slot].quickExits = 0 }
        // A kill or a planned recycle (``Recycling``) restarts at once; a crash backs off.
        let delay = exit.killReason == nil && Recycling.Reason(waitStatus: exit.status) == nil ? backoff(for: &slots[exit.slot]) : .zero
        slots[exit.slot].restartAt = .now + delay
    }

    // MARK: - Pool size (pool_grow, pool_shrink, pool_restart, autoscale)

    /// The positions of the slots that are not being shrunk away.
    var live: [Int] { slots.indices.filter { slots[$0].retirement != .shrink } }

    /// Retires every process warm and starts a new one in its place (`pool_restart`).
    mutating func restartAll() {
        for index in slots.indices where slots[index].retirement == nil {
            guard let process = slots[index].process else { continue }
            slots[index].retirement = .restart
            askToStop(slot: index)
        }
    }

    /// Works towards `desired` processes (``PoolPlan``): adds slots, or retires processes warm, idle ones first.
    /// - Returns: whether the pool changed.
    mutating func resize(to desired: Int) -> Bool {
        if slots.contains(where: { $0.retirement == .shrink && $0.process == nil }) {
            slots.removeAll { $0.retirement == .shrink && $0.process == nil }
        }
        let plan = PoolPlan.changes(live: live.map { PoolPlan.Member(position: $0, busy: slots[$0].running != nil) }, desired: desired)
        for position in plan.retire {
            slots[position].retirement = .shrink
            if slots[position].process != nil {
                askToStop(slot: position)  // warm: finishes its task, hands back what it holds, exits
            } else {
                slots[position].restartAt = nil
            }
        }
        for _ in 0..<plan.add {
            slots.append(Slot(index: nextSlotIndex))
            nextSlotIndex += 1
        }
        return !plan.retire.isEmpty || plan.add > 0
    }

    /// Kills every process (and the process groups its tasks started).
    mutating func killAll(reason: KillReason) {
        for index in slots.indices where slots[index].process != nil {
            if slots[index].killReason == nil { slots[index].killReason = reason }
            forceKill(slot: index)
        }
    }

    /// Asks every process to finish its task and stop (warm shutdown).
    mutating func stopAll() {
        for index in slots.indices where slots[index].process != nil { askToStop(slot: index) }
    }

    /// Asks a process to finish its task and stop: SIGTERM, once the process handles it. A process just started
    /// (`exec` until its command installs the handler, tens of ms) would die of it by the default action, so its
    /// stop waits, and ``sendPendingStops()`` sends it on a later tick.
    private mutating func askToStop(slot index: Int) {
        guard let process = slots[index].process else { return }
        let waits = !process.handlesTerm
        if !waits { kill(process.pid, SIGTERM) }
        if slots[index].stopPending != waits { slots[index].stopPending = waits }  // written only when it changes
    }

    /// Sends the stops that waited for their process's SIGTERM handler (every tick).
    mutating func sendPendingStops() {
        for index in slots.indices where slots[index].stopPending { askToStop(slot: index) }
    }

    /// Kills the processes whose task ran past its hard time limit.
    mutating func enforceHardTimeLimits(now: ContinuousClock.Instant) {
        for index in slots.indices {
            guard slots[index].process != nil, let running = slots[index].running, let limit = running.hardLimit,
                slots[index].killReason == nil, now - running.startedAt > limit
            else { continue }
            slots[index].killReason = .hardTimeLimit(taskID: running.id, task: running.name, limit: limit)
            forceKill(slot: index)
        }
    }

    /// `--task-memory-limit`: kills a process whose resident memory passed the limit while it runs a task.
    mutating func enforceTaskMemoryLimit() {
        guard let limit = configuration.taskMemoryLimit else { return }
        for index in slots.indices {
            guard let process = slots[index].process, let running = slots[index].running, slots[index].killReason == nil,
                let resident = TaskMemoryLimit.residentBytes(of: process.pid), resident > limit << 20
            else { continue }
            slots[index].killReason = .taskMemory(taskID: running.id, task: running.name, limitMiB: limit)
            forceKill(slot: index)
        }
    }

    /// Kills the process running `taskID` (`revoke --terminate`).
    mutating func terminate(taskID: String) {
        for index in slots.indices where slots[index].running?.id == taskID && slots[index].killReason == nil {
            guard slots[index].process != nil else { continue }
            slots[index].killReason = .terminated(taskID: taskID)
            forceKill(slot: index)
        }
    }

    private func forceKill(slot index: Int) {
        guard let process = slots[index].process else { return }
        ProcessGroups.killChildGroups(of: process.pid)
        kill(process.pid, SIGKILL)
    }
}
