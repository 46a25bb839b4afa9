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

/// Keeps `concurrency` worker processes running: restarts processes that exit (capped backoff), requeues what a
/// dead process held, enforces hard time limits, acts on `revoke --terminate`, and shuts down warm (SIGTERM) or
/// cold (SIGQUIT or a second SIGTERM) without losing a message. The leases and the ETA set are kept by services of
/// their own (``LeaseKeeper``, ``EtaPromoter``: ``NodeServices``), which read what the pool publishes.
final class Supervisor: Service {
    private let configuration: WorkerConfiguration
    private let executable: String
    private let childArguments: [String]
    private let shared: NodeShared
    private let logger: Logger
    private let connection: RedisConnection
    private let controlInbox = LockedQueue<String>()
    /// `/metrics`, `/healthz` and the status page; `nil` when disabled.
    private let metrics: MetricsEndpoint?

    /// - Parameters:
    ///   - executable: the binary to start worker processes from (this one, by default).
    ///   - childArguments: the arguments after `worker-process --process-id ID`, i.e. the worker's own options.
    ///   - otherConnections: the node's other services' connections, whose reconnects `/metrics` counts too.
    init(
        configuration: WorkerConfiguration, executable: String? = nil, childArguments: [String], shared: NodeShared,
        otherConnections: [RedisConnection], logger: Logger
    ) {
        self.configuration = configuration
        self.executable = executable ?? SpawnedProcess.currentExecutable
        self.childArguments = childArguments
        self.shared = shared
        self.logger = logger
        var redis = configuration.redis
        redis.reconnectTimeout = .seconds(1)
        let connection = RedisConnection(configuration: redis, logger: logger)
        self.connection = connection
        self.metrics = shared.metrics.map { node in
            MetricsEndpoint(configuration: configuration, node: node, nodeConnections: [connection] + otherConnections, logger: logger)
        }
    }

    /// Runs until `shutdown` asks (warm: running tasks finish, until the shutdown timeout; cold: they are killed
    /// and their messages requeued); returns once every worker process has stopped, every in-flight message is
    /// finished or back on its queue, and the control listener and `/metrics` have stopped.
    /// - Throws: ``RedisError`` with code `.configuration` when Redis refuses the configuration (a wrong
    ///   password, a database out of range, no such socket), at start or later: retrying cannot help, so
    ///   the node stops. Transient failures (Redis restarting, `LOADING`) are retried, never thrown.
    ///   ``MetricsBindError`` when `--metrics-address` (or `CELERITY_METRICS_ADDRESS`) was given and cannot be served.
    func run(until shutdown: Shutdown) async throws {
        // However the pool ends (or never starts), the lease keeper and the ETA promoter stop after it.
        defer { shared.poolStopped.request(.warm) }
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
        let snapshot = shared.snapshot
        serving.append(
            ControlListener(
                configuration: configuration, logger: logger, terminate: { inbox.post($0) },
                snapshot: { snapshot.value ?? NodeSnapshot() }, settings: shared.settings, pool: shared.poolTarget
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
                configuration: configuration, logger: logger, connection: connection, shared: shared,
                pool: ProcessPool(
                    configuration: configuration, executable: executable, childArguments: childArguments, connection: connection,
                    logger: logger
                )
            )
            loop.run(until: shutdown, control: controlInbox)
            return (loop.pool.processed, loop.fatal)
        }
        shared.poolStopped.request(.warm)  // every process has exited: the lease keeper takes the node offline
        servingStopped.request(.cold)
        try await served
        if let fatal { throw fatal }
        logger.info("worker node stopped", metadata: ["worker.node": "\(configuration.nodeName)", "worker.processed": "\(processed)"])
    }
}
