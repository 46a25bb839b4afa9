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
package final class Supervisor: Service {
    private let configuration: WorkerConfiguration
    private let executable: String
    private let childArguments: [String]
    private let snapshot = Locked(NodeSnapshot())
    private let logger: Logger
    private let connection: RedisConnection
    private let controlInbox = LockedQueue<String>()
    /// `/metrics`, `/healthz` and the status page; `nil` when disabled.
    private let metrics: MetricsEndpoint?
    /// Run-time settings and the pool's target, changed by control commands (``ControlCommands``).
    private let settings = Locked(NodeSettings())
    private let poolTarget: Locked<PoolTarget>

    /// - Parameters:
    ///   - executable: the binary to start worker processes from (this one, by default).
    ///   - childArguments: the arguments after `worker-process --process-id ID`, i.e. the worker's own options.
    package init(
        configuration: WorkerConfiguration, executable: String? = nil, childArguments: [String],
        logger: Logger
    ) {
        self.configuration = configuration
        self.executable = executable ?? SpawnedProcess.currentExecutable
        self.childArguments = childArguments
        self.logger = logger
        var redis = configuration.redis
        redis.reconnectTimeout = .seconds(1)
        let connection = RedisConnection(configuration: redis, logger: logger)
        self.connection = connection
        let initial = configuration.autoscale.map { max(1, $0.minimum) } ?? max(1, configuration.concurrency)
        self.poolTarget = Locked(PoolTarget(processes: initial, autoscale: configuration.autoscale))
        self.metrics = configuration.metricsAddress.map { _ in
            MetricsEndpoint(
                configuration: configuration,
                node: NodeMetrics(hostname: configuration.nodeName, queues: configuration.queues),
                supervisorConnection: connection, logger: logger
            )
        }
    }

    /// Runs until `shutdown` asks (warm: running tasks finish, until the shutdown timeout; cold: they are killed
    /// and their messages requeued); returns once every worker process has stopped, every in-flight message is
    /// finished or back on its queue, and the control listener and `/metrics` have stopped.
    /// - Throws: ``RedisError`` with code `.configuration` when Redis refuses the configuration (a wrong
    ///   password, a database out of range, no such socket), at start or later: retrying cannot help, so
    ///   the node stops. Transient failures (Redis restarting, `LOADING`) are retried, never thrown.
    ///   ``MetricsBindError`` when `--metrics-address` (or `CELERITY_METRICS_ADDRESS`) was given and cannot be served.
    package func run(until shutdown: Shutdown) async throws {
        do {
            try connection.connect()
        } catch let error where error.isFatal {
            throw error
        } catch {
            logger.warning("cannot reach Redis yet; starting and retrying", metadata: ["error": "\(error)"])
        }
        var serving: [any Service] = []
        if let metrics, let address = configuration.metricsAddress {
            do {
                try metrics.bind(address: address)
                serving.append(metrics)
            } catch {
                if configuration.metricsAddressRequired { throw MetricsBindError(address: address, reason: "\(error)") }
                logger.error("cannot serve /metrics on \(address): \(error); running without it (set --metrics-address)")
            }
        }
        let inbox = controlInbox
        let snapshot = self.snapshot
        serving.append(
            ControlListener(
                configuration: configuration, logger: logger, terminate: { inbox.post($0) },
                snapshot: { snapshot.value }, settings: settings, pool: poolTarget
            )
        )
        logger.info(
            "worker node starting",
            metadata: [
                "worker.node": "\(configuration.nodeName)", "worker.queues": "\(configuration.queues.joined(separator: ","))",
                "worker.concurrency": "\(max(1, configuration.concurrency))", "redis.endpoint": "\(configuration.redis.redactedURL)",
            ]
        )
        // The control listener and /metrics answer until the pool has stopped (`inspect active` and scrapes
        // work during a warm shutdown), then stop with it.
        let servingStopped = Shutdown()
        async let served: Void = ServiceGroup(serving).run(until: servingStopped)
        let (processed, fatal) = await PosixThread.run(name: "supervisor") { [self] in
            var loop = SupervisorLoop(
                configuration: configuration, logger: logger, connection: connection, metrics: metrics?.node, snapshot: snapshot,
                pool: ProcessPool(
                    configuration: configuration, executable: executable, childArguments: childArguments, connection: connection,
                    logger: logger
                ),
                settings: settings, poolTarget: poolTarget,
                leases: LeaseKeeper(configuration: configuration, connection: connection, logger: logger)
            )
            loop.run(until: shutdown, control: controlInbox)
            return (loop.pool.processed, loop.fatal)
        }
        servingStopped.request(.cold)
        try await served
        if let fatal { throw fatal }
        logger.info("worker node stopped", metadata: ["worker.node": "\(configuration.nodeName)", "worker.processed": "\(processed)"])
    }
}
