import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The pool as the supervisor's loop last saw it, published when it changes for the node's other services: control
/// commands (`celery inspect …`, ``ControlListener``) and the lease keeper (``LeaseKeeper``: which leases to renew,
/// what the heartbeat and the registry say). A value: readers never touch the loop's state.
struct NodeSnapshot: Sendable {
    /// A task running in one of the node's processes.
    struct Task: Sendable {
        var id: String
        var name: String
        var started: Date
        var queue: String
        var pid: Int?
        /// The message's arguments as JSON text, or `nil` when they were too large to pass to the supervisor.
        var argsJSON: String? = nil
        var kwargsJSON: String? = nil
        /// Celery's display reprs of the arguments, at most 1,024 characters (`argsrepr` / `kwargsrepr`).
        var argsrepr = ""
        var kwargsrepr = ""

        /// The arguments, parsed when a control command asks (not on every tick).
        var args: JSONValue? { argsJSON.flatMap { try? JSONValue.parse($0) } }
        var kwargs: JSONValue? { kwargsJSON.flatMap { try? JSONValue.parse($0) } }
    }

    var active: [Task] = []
    /// Messages the processes finished.
    var processed = 0
    var processPIDs: [Int] = []
    var taskNames: [String] = []
    /// The ids of the running processes, whose leases the lease keeper renews.
    var processIDs: [String] = []
    /// Per slot: `<task> <id>` of its running task, `idle`, or `restarting` (the registry's `current`).
    var current: [String] = []
    /// Processes restarted since the node started.
    var restarts = 0
    /// Slots that are not being shrunk away.
    var liveProcesses = 0
    /// The pool size the loop works towards (the autoscaler's decision, or the fixed size).
    var desiredProcesses = 0

    init() {}

    /// The snapshot of `pool` now.
    init(pool: ProcessPool, taskNames: [String], desiredProcesses: Int) {
        let now = ContinuousClock.now
        let wallNow = Date()
        for slot in pool.slots {
            if let process = slot.process, let processID = slot.processID {
                processIDs.append(processID)
                processPIDs.append(Int(process.pid))
            }
            current.append(slot.running.map { "\($0.name) \($0.id)" } ?? (slot.process == nil ? "restarting" : "idle"))
            guard let task = slot.running else { continue }
            active.append(
                Task(
                    id: task.id, name: task.name, started: wallNow.addingTimeInterval(-(now - task.startedAt).seconds), queue: task.queue,
                    pid: slot.process.map { Int($0.pid) }, argsJSON: task.arguments?.argsJSON, kwargsJSON: task.arguments?.kwargsJSON,
                    argsrepr: task.arguments?.argsrepr ?? "", kwargsrepr: task.arguments?.kwargsrepr ?? ""
                )
            )
        }
        processed = pool.processed
        restarts = pool.restarts
        liveProcesses = pool.live.count
        self.taskNames = taskNames
        self.desiredProcesses = desiredProcesses
    }
}

/// The pool's latest ``NodeSnapshot``, written by the supervisor's loop when the pool changed, read by the other
/// services.
/// The first one wakes the lease keeper, so its first heartbeat announces the processes just started.
final class PublishedSnapshot: Sendable {
    private let latest = Locked<NodeSnapshot?>(nil)
    /// Signalled by the first snapshot.
    let wakeup = Wakeup()

    init() {}

    /// The latest snapshot, or `nil` before the loop's first tick.
    var value: NodeSnapshot? { latest.value }

    func publish(_ snapshot: NodeSnapshot) {
        let first = latest.withLock { latest in
            defer { latest = snapshot }
            return latest == nil
        }
        if first { wakeup.signal() }
    }
}
