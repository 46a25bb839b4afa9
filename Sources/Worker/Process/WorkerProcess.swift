import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TaskAPI

#if canImport(Glibc)
import Glibc
#endif

/// One worker process: takes messages from Redis into its processing list — one while the queue is shallow,
/// a batch of up to ``WorkerConfiguration/prefetchBatch`` when there is a backlog — runs them one at a time in
/// order, stores each result and only then acknowledges the message. The results of a batch's fast tasks are
/// stored together by the step that takes the next batch; a task that runs longer than the hold has what the
/// process holds handed back first (``HeldBatch``). Started by the ``Supervisor`` as a separate process of the
/// same binary; all Redis I/O happens on its own threads, never on the cooperative pool.
///
/// Not `Sendable`: ``run(configuration:registry:processID:logger:)`` builds it on the loop's thread, where its
/// mutable state stays; the batch watchdog's thread gets only the `Sendable` parts (``HeldBatch``, the broker).
package final class WorkerProcess {
    private let configuration: WorkerConfiguration
    private let registry: TaskRegistry
    /// When to recycle this process (`--max-tasks-per-child`, `--max-memory-per-child`), and why it did.
    private var recycling: Recycling
    private var recycleReason: Recycling.Reason?
    private let processID: String
    private let logger: Logger
    private let broker: any WorkerBroker
    private let supervisor: SupervisorChannel
    /// The batch beyond the running task: messages taken and not started, results not yet stored.
    private let batch: HeldBatch
    /// Runs each message to its end (loop thread only).
    private let handler: DeliveryHandler
    /// The queues' turn and the pop numbers of what is held (loop thread only).
    private var order: FetchOrder
    /// How many messages the next step may take: ``WorkerConfiguration/prefetchBatch`` at first, 1 after a task
    /// longer than the hold (whose batch was handed back), doubling again after each shorter one.
    private var batchLimit: Int
    /// How long the next idle poll blocks on its list (loop thread only).
    private var idleWait: IdleWait
    /// Which of its node's processes this one is (``IdleSlot``): which list it waits on, when its waits end.
    private let idleSlot: IdleSlot
    /// The node's settings changed by control commands (task events, queues, time limits), read once a second.
    private let nodeSettings: NodeSettingsReader
    private let connection: RedisConnection
    /// SIGTERM: finish the current task, then stop (the handler is ``ShutdownSignals``'; this reads its flag).
    private let signals: ShutdownSignals

    private init(
        signals: ShutdownSignals, configuration: WorkerConfiguration, registry: TaskRegistry, processID: String, logger: Logger
    ) {
        let connection = RedisConnection(configuration: configuration.redis, logger: logger)
        let broker = RedisWorkerBroker(connection: connection, processID: processID, configuration: configuration)
        let supervisor = SupervisorChannel(descriptor: SupervisorChannel.childDescriptor)
        // A finished task's report goes to the supervisor with the next task's start, or before any Redis step.
        let batch = HeldBatch(hold: configuration.batchHold, beforeStep: { supervisor.flush() })
        HeapPadding.apply()
        let nodeSettings = NodeSettingsReader(node: configuration.nodeName)
        self.nodeSettings = nodeSettings
        self.signals = signals
        self.connection = connection
        self.configuration = configuration
        self.registry = registry
        self.recycling = Recycling(configuration: configuration)
        self.processID = processID
        self.logger = logger
        self.broker = broker
        self.supervisor = supervisor
        self.batch = batch
        self.handler = DeliveryHandler(
            configuration: configuration, registry: registry, processID: processID, logger: logger, broker: broker,
            tellSupervisor: supervisor.send, acknowledgeLater: batch.finish, nodeSettings: nodeSettings,
            flushReports: supervisor.flush
        )
        let idleSlot = IdleSlot(processID: processID, processes: configuration.autoscale?.maximum ?? configuration.concurrency)
        self.idleSlot = idleSlot
        self.order = FetchOrder(queues: configuration.queues, strategy: configuration.queueOrderStrategy, idleSlot: idleSlot)
        self.batchLimit = configuration.prefetchBatch
        self.idleWait = IdleWait(interval: configuration.idlePollInterval, slot: idleSlot)
    }

    /// Runs a worker process for the tasks of `registry` (from the application's setup) until SIGTERM (finish the
    /// current task, then stop) or until the supervisor goes away.
    /// - Returns: the exit status to end with once the application's shutdown steps ran: the recycling reason's
    ///   (`--max-tasks-per-child`, `--max-memory-per-child`), else 0.
    package static func run(
        configuration: WorkerConfiguration, registry: TaskRegistry, processID: String, logger: Logger
    ) async -> Int32 {
        // The supervisor decides about shutdown (Ctrl-C reaches it, not us); SIGTERM means "finish the current task,
        // then stop". Installed in one step (never ignored in between), so no SIGTERM is lost.
        let signals = ShutdownSignals.install([SIGTERM], ignoring: [SIGINT])
        let (processed, status) = await PosixThread.run(name: "worker-loop", stackSize: 8 << 20) {
            let process = WorkerProcess(
                signals: signals, configuration: configuration, registry: registry, processID: processID, logger: logger
            )
            process.start()
            process.loop()
            process.batch.stopWatching()
            return (process.handler.processed, process.recycleReason?.exitStatus ?? 0)
        }
        logger.info("worker process stopped", metadata: ["worker.process": "\(processID)", "worker.processed": "\(processed)"])
        return status
    }

    private func start() {
        watchSupervisor()
        supervisor.send(.registered(taskNames: registry.names + registry.aliasNames.map(\.alias)))
        FlowLimitsPublisher.publish(registry, on: connection, logger: logger)  // flow hook
        if configuration.prefetchBatch > 1 {
            batch.watch { [broker, logger] state in
                do {
                    try Self.handBack(&state, broker: broker, logger: logger)
                    return true
                } catch {
                    logger.error("cannot hand back the rest of a batch; retrying", metadata: ["error": "\(error)"])
                    return false
                }
            }
        }
    }

    // MARK: - Lifecycle

    /// Exits at once when the supervisor dies: its end of our stdin pipe closes.
    private func watchSupervisor() {
        PosixThread.start(name: "parent-watch") {
            var byte: UInt8 = 0
            while true {
                let count = read(STDIN_FILENO, &byte, 1)
                if count == 0 || (count < 0 && errno != EINTR) { _exit(75) }
            }
        }
    }

    private func loop() {
        var failures = 0
        while true {
            do {
                guard let delivery = try next() else { break }
                failures = 0
                let started = ContinuousClock.now
                handle(delivery)
                batch.taskEnded()
                if let reason = recycling.taskEnded() {  // recycling hook: stop after this task, exit with the reason
                    recycleReason = reason
                }
                let slow = ContinuousClock.now - started > batch.hold
                batchLimit = slow ? 1 : min(configuration.prefetchBatch, batchLimit * 2)
            } catch let error as RedisError where error.isFatal {
                supervisor.flush()
                logger.critical("Redis refuses the configuration; stopping", metadata: ["error": "\(error)"])
                exit(WorkerExit.configurationError)
            } catch {
                supervisor.flush()  // a finished task's report does not wait for the back-off
                failures += 1
                logger.error("Redis error in worker loop; retrying", metadata: ["error": "\(error)"])
                PosixThread.sleep(for: Backoff.redisStep.delay(afterAttempts: failures))
            }
        }
    }

    /// Runs one message; a broker step that failed for good (not a transport failure: those are retried) exits,
    /// leaving the message in the processing list, so the supervisor requeues it at once.
    private func handle(_ delivery: Delivery) {
        do {
            try handler.handle(delivery)
        } catch {
            supervisor.flush()
            logger.critical("Redis refused a worker step; exiting so the message is requeued", metadata: ["error": "\(error)"])
            exit((error as? RedisError)?.isFatal == true ? WorkerExit.configurationError : EX_TEMPFAIL)
        }
    }

    // MARK: - Fetch

    /// The next message to run, taking more from Redis when the batch is used up; `nil` once a stop was
    /// requested, after handing back what was not started (a warm stop finishes only the running task).
    private func next() throws -> Delivery? {
        while true {
            if recycleReason != nil || signals.stopRequested {
                try batch.withState { try Self.handBack(&$0, broker: broker, logger: logger) }
                return nil
            }
            if nodeSettings.refreshIsDue { supervisor.flush() }
            if try nodeSettings.refreshIfDue(on: connection) { followQueueSettings() }
            switch batch.next() {
            case .start(let delivery):
                return delivery
            case .stale:
                try take(limit: 0)
            case .empty:
                // After an idle poll that found nothing, the next poll at once: its script looks at every list too.
                if try idleWait.idle || !take(limit: batchLimit) { try idleTake() }
            }
        }
    }

    /// Stores the finished tasks' results and acknowledges them, then checks the waiting messages' revocation
    /// again (`limit` 0) or takes up to `limit` messages. Returns whether any waits.
    @discardableResult
    private func take(limit: Int) throws -> Bool {
        try batch.step { acks in
            let lists = order.lists
            return order.accept(try persist { try broker.take(acknowledging: acks, limit: limit, from: lists) }, from: lists)
        }
    }

    /// With nothing ready, waits on its list (``FetchOrder/idleList``, ``IdleWait``), then takes one message and reads
    /// the node's settings (each wait is at most a second, so an idle process reads them as often as a busy one).
    private func idleTake() throws {
        let wait = idleWait.next(now: IdleWait.monotonicNow())
        var settings: [String]?
        idleWait.record(tookMessages: try batch.step { acks in
            let lists = order.lists
            let taken = try broker.idleTake(
                acknowledging: acks, from: lists, waitingOn: order.idleList, wait: wait, readingHash: nodeSettings.key
            )
            settings = taken.hashFields
            return order.accept(taken, from: lists)
        })
        if let settings, nodeSettings.accept(hashReply: settings) { followQueueSettings() }
    }

    /// The node's settings changed, maybe its queues (`add_consumer` / `cancel_consumer`): takes from and waits on
    /// the queues they name.
    private func followQueueSettings() {
        order = FetchOrder(
            queues: nodeSettings.current.queues ?? configuration.queues, strategy: configuration.queueOrderStrategy,
            idleSlot: idleSlot
        )
    }

    /// Stores the finished tasks' results and sends the waiting messages back to the head of their queues.
    /// Runs on the loop's thread (stopping) or the watchdog's (a long task).
    private static func handBack(_ state: inout HeldBatch.State, broker: any WorkerBroker, logger: Logger) throws {
        guard state.holdsMessages else { return }
        let (acks, waiting) = (state.finished, state.waiting)
        _ = try retryingTransportErrors(logger: logger) { try broker.handBack(acknowledging: acks, waiting: waiting) }
        state.finished = []
        state.waiting = []
    }

    /// Runs one idempotent broker step, retrying transport failures for up to five minutes
    /// (``retryingTransportErrors(for:logger:_:)``).
    @discardableResult
    private func persist<T>(_ step: () throws -> T) throws -> T {
        try retryingTransportErrors(logger: logger, step)
    }
}
