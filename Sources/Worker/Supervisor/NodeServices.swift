import Broker
import Logging

/// A worker node's long-lived parts, each a ``Service`` with one `run(until:)`, run by the `worker` command's
/// ``ServiceGroup``: the ``Supervisor`` (the process pool, with the control listener and `/metrics`), the
/// ``LeaseKeeper`` (heartbeat and reaper) and the ``EtaPromoter``. They share only thread-safe values
/// (``NodeShared``); each has its own Redis connection and thread.
package struct NodeServices: Sendable {
    /// The services, for a ``ServiceGroup``.
    package let services: [any Service]

    /// - Parameters:
    ///   - executable: the binary to start worker processes from (this one, by default).
    ///   - childArguments: the arguments after `worker-process --process-id ID`, i.e. the worker's own options.
    package init(configuration: WorkerConfiguration, executable: String? = nil, childArguments: [String], logger: Logger) {
        let shared = NodeShared(configuration: configuration)
        let leases = LeaseKeeper(
            configuration: configuration, shared: shared, logger: logger,
            thread: NodeThread(name: "leases", wakeup: shared.snapshot.wakeup, configuration: configuration, logger: logger)
        )
        let promoter = EtaPromoter(
            configuration: configuration, shared: shared, logger: logger,
            thread: NodeThread(name: "eta-promoter", wakeup: shared.dueTimes.wakeup, configuration: configuration, logger: logger)
        )
        let supervisor = Supervisor(
            configuration: configuration, executable: executable, childArguments: childArguments, shared: shared,
            otherConnections: [leases.thread.connection, promoter.thread.connection], logger: logger
        )
        services = [supervisor, leases, promoter]
    }
}

/// What the node's services share, all safe to use from any thread.
struct NodeShared: Sendable {
    /// The pool as the supervisor's loop last saw it (for control commands and the lease keeper).
    let snapshot = PublishedSnapshot()
    /// Run-time settings and the pool's target, changed by control commands (``ControlCommands``).
    let settings = Locked(NodeSettings())
    let poolTarget: Locked<PoolTarget>
    /// The due times of the ETAs the node's processes parked, for the promoter.
    let dueTimes = EtaDueTimes()
    /// Asked once every worker process has exited (or the pool never started): the lease keeper and the ETA
    /// promoter stop then, so leases are renewed for as long as a process runs.
    let poolStopped = Shutdown()
    /// The node's metrics, when `/metrics` is on.
    let metrics: NodeMetrics?

    init(configuration: WorkerConfiguration) {
        let initial = configuration.autoscale.map { max(1, $0.minimum) } ?? max(1, configuration.concurrency)
        poolTarget = Locked(PoolTarget(processes: initial, autoscale: configuration.autoscale))
        metrics = configuration.metricsAddress.map { _ in NodeMetrics(hostname: configuration.nodeName, queues: configuration.queues) }
    }
}
