import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization
import TaskAPI

#if canImport(Glibc)
import Glibc
#endif

/// Set by this process's SIGTERM handler (only an atomic store is safe in a signal handler); one worker process
/// per OS process, so one flag.
private let workerStopRequested = Atomic<Bool>(false)

/// One worker process: takes messages from Redis into its processing list — one while the queue is shallow,
/// a batch of up to ``WorkerConfiguration/prefetchBatch`` when there is a backlog — runs them one at a time in
/// order, stores each result and only then acknowledges the message. The results of a batch's fast tasks are
/// stored together by the step that takes the next batch; a task that runs longer than the hold has what the
/// process holds handed back first (``HeldBatch``). Started by the ``Supervisor`` as a separate process of the
/// same binary; all Redis I/O happens on its own threads, never on the cooperative pool.
package final class WorkerProcess: @unchecked Sendable {
    private let configuration: WorkerConfiguration
    private let registry: TaskRegistry
    private let processID: String
    private let logger: Logger
    private let connection: RedisConnection
    private let processing: String
    private let supervisor: SupervisorChannel
    private var queueOrder: [String]
    /// The batch beyond the running task: messages taken and not started, results not yet stored.
    private let batch: HeldBatch
    /// How many messages the next step may take: ``WorkerConfiguration/prefetchBatch`` at first, 1 after a task
    /// longer than the hold (whose batch was handed back), doubling again after each shorter one.
    private var batchLimit: Int
    private var processed = 0
    private let handlers = HandlerRunner()
    /// Where handlers' ``TaskSender``s put their steps: this process's connection.
    private let transport: RedisTaskTransport
    private let events: CeleryEvents?
    /// The SIGTERM handler, kept alive while the process runs.

    /// A worker process running the tasks of `registry` (from the application's setup).
    package init(configuration: WorkerConfiguration, registry: TaskRegistry, processID: String, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.processID = processID
        self.logger = logger
        self.connection = RedisConnection(configuration: configuration.redis, logger: logger)
        self.processing = WorkerKeys.processing(processID)
        self.transport = RedisTaskTransport(
            connection: connection, memory: max(.seconds(86400), configuration.results.timeToLive ?? .zero),
            sender: configuration.nodeName, logger: logger
        )
        self.supervisor = SupervisorChannel(descriptor: SupervisorChannel.childDescriptor)
        self.events = configuration.sendTaskEvents
            ? CeleryEvents(node: configuration.nodeName, database: configuration.redis.database) : nil
        self.queueOrder = configuration.queues
        self.batch = HeldBatch(hold: configuration.batchHold)
        self.batchLimit = configuration.prefetchBatch
    }

    /// Runs until SIGTERM (finish the current task, then exit) or until the supervisor goes away.
    package func run() async {
        installSignalHandling()
        watchSupervisor()
        supervisor.send(.registered(taskNames: registry.names + registry.aliasNames.map(\.alias)))
        if configuration.prefetchBatch > 1 {
            batch.watch { [self] state in
                do {
                    try handBack(&state)
                    return true
                } catch {
                    logger.error("cannot hand back the rest of a batch; retrying", metadata: ["error": "\(error)"])
                    return false
                }
            }
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            PosixThread.start(name: "worker-loop", stackSize: 8 << 20) { [self] in
                loop()
                done.resume()
            }
        }
        logger.info("worker process stopped", metadata: ["worker.process": "\(processID)", "worker.processed": "\(processed)"])
    }

    // MARK: - Lifecycle

    private func installSignalHandling() {
        // The supervisor decides about shutdown: SIGTERM means "finish the current task, then stop". A plain
        // handler, installed in one step: ignoring the signal first and handing it to a dispatch source after
        // would lose a SIGTERM that arrives in between, and the process would never stop.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM) { _ in workerStopRequested.store(true, ordering: .releasing) }
    }

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
                let slow = ContinuousClock.now - started > batch.hold
                batchLimit = slow ? 1 : min(configuration.prefetchBatch, batchLimit * 2)
            } catch let error as RedisError where error.isFatal {
                logger.critical("Redis refuses the configuration; stopping", metadata: ["error": "\(error)"])
                exit(WorkerExit.configurationError)
            } catch {
                failures += 1
                logger.error("Redis error in worker loop; retrying", metadata: ["error": "\(error)"])
                PosixThread.sleep(for: Backoff.redisStep.delay(afterAttempts: failures))
            }
        }
    }

    // MARK: - Fetch

    struct Delivery: Sendable {
        var raw: String
        /// Whether the task is revoked (checked by the script that took the message, or checked it again).
        var revoked: Bool
        /// How many times the message was recovered from a process that died running it.
        var recoveries: Int
        /// The ready list it was popped from and its pop number there (``QueueArrivals``); `nil` when held already.
        var pop: (list: String, number: Int)? = nil
    }

    /// A finished task: the next step stores its result and acknowledges its message, in that order.
    struct Completion: Sendable {
        var resultKey: String
        /// Message, delivery tag, result document ('' for none), time to live: as ``WorkerScripts/take`` reads them.
        var arguments: [String]
    }

    private var readyKeys: [String] { PriorityBuckets.listKeys(queues: queueOrder) }
    /// The pop numbers of the last batch taken from a ready list, by message (loop thread only).
    private var batchPops: [String: (list: String, number: Int)] = [:]

    /// The next message to run, taking more from Redis when the batch is used up; `nil` once a stop was
    /// requested, after handing back what was not started (a warm stop finishes only the running task).
    private func next() throws -> Delivery? {
        while true {
            if workerStopRequested.load(ordering: .acquiring) {
                try batch.withState { try handBack(&$0) }
                return nil
            }
            switch batch.next() {
            case .start(let delivery):
                return delivery
            case .stale:
                try take(limit: 0)
            case .empty:
                if try !take(limit: batchLimit) { try idleTake() }
            }
        }
    }

    /// Stores the finished tasks' results and acknowledges them, then checks the waiting messages' revocation
    /// again (`limit` 0) or takes up to `limit` messages (``WorkerScripts/take``). Returns whether any waits.
    @discardableResult
    private func take(limit: Int) throws -> Bool {
        try batch.step { finished in
            let keys = [processing, WorkerKeys.revoked, WorkerKeys.deliveries] + readyKeys + finished.map(\.resultKey)
            let arguments = [String(Date().timeIntervalSince1970), String(limit), String(readyKeys.count)]
                + finished.flatMap(\.arguments)
            return taken(try persist { try connection.evaluate(WorkerScripts.take, keys: keys, arguments: arguments) })
        }
    }

    /// With nothing ready, blocks briefly on the first queue's default bucket with `BLMOVE`, pipelined with
    /// ``WorkerScripts/take``: Redis runs the script as soon as `BLMOVE` returns, so the message it moved
    /// comes back with its revocation checked in the same round trip (or, after the timeout, the script
    /// looks at the other queues and buckets).
    private func idleTake() throws {
        _ = try batch.step { finished in
            let wait = configuration.idlePollInterval
            let keys = [processing, WorkerKeys.revoked, WorkerKeys.deliveries] + readyKeys + finished.map(\.resultKey)
            let replies = try connection.pipeline(
                [
                    ["BLMOVE", queueOrder[0], processing, "RIGHT", "LEFT", Self.secondsWithMilliseconds(wait)],
                    [
                        "EVAL", QueueArrivals.countBlockingPop.source, "2", processing, QueueArrivals.poppedKey(queueOrder[0]),
                        String(finished.count),
                    ],
                    ["EVAL", WorkerScripts.take.source, String(keys.count)] + keys
                        + [String(Date().timeIntervalSince1970), "1", String(readyKeys.count)] + finished.flatMap(\.arguments),
                ],
                blockingFor: wait
            )
            for case .error(let message) in replies {
                throw RedisError(code: .reply, message: "idle fetch: \(message)", endpoint: configuration.redis.redactedURL)
            }
            let blockedOn = queueOrder[0]
            if replies[0].string != nil { rotate(afterKeyIndex: 0) }
            var deliveries = taken(replies[2])
            if let moved = replies[0].string, let number = replies[1].integer, number > 0,
                let index = deliveries.firstIndex(where: { $0.raw == moved })
            {
                deliveries[index].pop = (blockedOn, number)
            }
            return deliveries
        }
    }

    /// Stores the finished tasks' results and sends the waiting messages back to the head of their queues
    /// (``WorkerScripts/handBack``). Runs on the loop's thread (stopping) or the watchdog's (a long task).
    private func handBack(_ state: inout HeldBatch.State) throws {
        guard state.holdsMessages else { return }
        let keys = [processing, WorkerKeys.deliveries] + state.finished.map(\.resultKey)
        let arguments = [String(state.finished.count)] + state.finished.flatMap(\.arguments)
            + state.waiting.flatMap { [$0.raw, $0.pop?.list ?? ""] }
        try persist { try connection.evaluate(WorkerScripts.handBack, keys: keys, arguments: arguments) }
        state.finished = []
        state.waiting = []
    }

    /// A timeout as Redis reads it, seconds with three decimals: `1.000`, `0.250`.
    private static func secondsWithMilliseconds(_ duration: Duration) -> String {
        let milliseconds = Int64((duration.seconds * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// The messages a ``WorkerScripts/take`` call returned, in the order they run (rotating the queues after them).
    private func taken(_ reply: RedisReply) -> [Delivery] {
        guard let parts = reply.array, let index = parts.first?.integer else { return [] }
        let list = index > 0 ? readyKeys[index - 1] : nil
        if index > 0 { rotate(afterKeyIndex: index - 1) }
        var deliveries: [Delivery] = []
        deliveries.reserveCapacity((parts.count - 1) / 3)
        var at = 1
        while at + 2 < parts.count {
            if let raw = parts[at].string {
                deliveries.append(Delivery(raw: raw, revoked: parts[at + 1].integer == 1, recoveries: parts[at + 2].integer ?? 0))
            }
            at += 3
        }
        // After messages taken from a ready list: the first one's pop number (QueueArrivals), the rest follow it.
        // Held messages read again (their revocation re-checked) keep the numbers they were taken with.
        if let list, at < parts.count, let first = parts[at].integer {
            batchPops = [:]
            for position in deliveries.indices {
                deliveries[position].pop = (list, first + position)
                batchPops[deliveries[position].raw] = (list, first + position)
            }
        } else if list == nil, !batchPops.isEmpty {
            for position in deliveries.indices { deliveries[position].pop = batchPops[deliveries[position].raw] }
        }
        return deliveries
    }

    private func rotate(afterKeyIndex index: Int) {
        guard queueOrder.count > 1 else { return }
        let queue = queueOrder[index % queueOrder.count]
        queueOrder.removeAll { $0 == queue }
        queueOrder.append(queue)
    }

    // MARK: - Handling one message

    private func handle(_ delivery: Delivery) {
        let message: TaskMessage
        do {
            message = try TaskMessage.decode(delivery.raw, maxBytes: configuration.maxMessageBytes)
        } catch {
            rejectMalformed(delivery.raw, error)
            return
        }
        var log = logger
        // One metadata update, not three: a handler may re-render all its metadata on each change.
        log.handler.metadata.merge(
            ["task.id": "\(message.id)", "task.name": "\(message.task)", "queue": "\(message.queue)"]
        ) { $1 }
        let now = Date()

        guard let definition = registry[message.task] else {
            notify(context(for: message, delivery: delivery, limits: message.timeLimit, logger: log), .deadLettered(
                reason: "unknown task name", error: TaskError(type: "NotRegistered", message: message.task, module: "celery.exceptions")
            ))
            let failure = TaskResult(
                taskID: message.id, state: .failure,
                result: RemoteError(type: "NotRegistered", arguments: [.string(message.task)], module: "celery.exceptions").json,
                traceback: nil, dateDone: now
            )
            log.error("unknown task name; dead-lettered")
            deadLetter(
                raw: delivery.raw, reason: "unknown task name \"\(message.task)\"", error: nil, message: message,
                taskID: message.id, task: message.task, result: failure
            )
            supervisor.send(.finished(TaskReport(taskID: message.id, outcome: .rejected, name: message.task, queue: message.queue, deadLetter: .unknownTask)))
            return
        }
        let limits = TimeLimit(
            hard: message.timeLimit.hard ?? definition.timeLimit.hard,
            soft: message.timeLimit.soft ?? definition.timeLimit.soft
        )
        do {
            if delivery.revoked {
                log.info("task revoked; not run")
                complete(message, raw: delivery.raw, result: Revocations.revokedResult(taskID: message.id, reason: "revoked"))
                supervisor.send(.finished(TaskReport(taskID: message.id, outcome: .revoked, name: message.task, queue: message.queue)))
                notify(context(for: message, delivery: delivery, limits: limits, logger: log), .revoked(reason: "revoked"))
                return
            }
            if let expires = message.expires, expires < now {
                log.info("task expired; not run", metadata: ["task.expires": "\(CeleryTime.format(expires))"])
                complete(message, raw: delivery.raw, result: Revocations.revokedResult(taskID: message.id, reason: "expired"))
                supervisor.send(.finished(TaskReport(taskID: message.id, outcome: .revoked, name: message.task, queue: message.queue)))
                notify(context(for: message, delivery: delivery, limits: limits, logger: log), .revoked(reason: "expired"))
                return
            }
            if let eta = message.eta, eta.timeIntervalSince(now) > 0.2 {
                try persist {
                    try connection.evaluate(
                        WorkerScripts.defer_, keys: [processing, WorkerKeys.scheduled],
                        arguments: [delivery.raw, String(eta.timeIntervalSince1970)]
                    )
                }
                log.info("task received; scheduled for its ETA", metadata: ["task.eta": "\(CeleryTime.format(eta))"])
                return
            }
            if let eta = message.eta, eta > Date() {
                // Due within 200 ms: not worth a trip through the ETA set, but never run before the ETA (as Celery).
                PosixThread.sleep(for: Duration(checkedSeconds: eta.timeIntervalSinceNow) ?? .zero)
            }
            log.info("task received", metadata: ["task.retries": "\(message.retries)"])
            emit("task-received", CeleryEvents.receivedFields(message))
            try execute(message, raw: delivery.raw, definition: definition, limits: limits, delivery: delivery, logger: log)
        } catch {
            // Not a transport failure (those are retried in `persist`): a script or server error.
            // The message stays in the processing list; exiting lets the supervisor requeue it at once.
            log.critical("Redis refused a worker step; exiting so the message is requeued", metadata: ["error": "\(error)"])
            exit((error as? RedisError)?.isFatal == true ? WorkerExit.configurationError : EX_TEMPFAIL)
        }
    }

    /// Runs one idempotent Redis step, retrying transport failures for up to five minutes
    /// (``retryingTransportErrors(for:logger:_:)``), so a finished task's result is not lost to an outage.
    @discardableResult
    private func persist<T>(_ step: () throws -> T) throws -> T {
        try retryingTransportErrors(logger: logger, step)
    }

    /// The context a handler and the middleware see for `message`.
    private func context(for message: TaskMessage, delivery: Delivery, limits: TimeLimit, logger log: Logger) -> TaskContext {
        let rootID = message.rootID ?? message.id
        return TaskContext(
            taskID: message.id, name: message.task, retries: message.retries, deliveryCount: delivery.recoveries + 1,
            eta: message.eta, rootID: rootID, parentID: message.parentID, queue: message.queue,
            hostname: configuration.nodeName, headers: message.headers,
            deadline: (limits.soft ?? limits.hard).map { ContinuousClock.now + $0 }, logger: log,
            sender: TaskSender(parentID: message.id, rootID: rootID, transport: transport)
        )
    }

    /// Tells every middleware how a message ended.
    private func notify(_ context: TaskContext, _ outcome: TaskOutcome) {
        for middleware in registry.middleware { middleware.taskDidFinish(context, outcome: outcome) }
    }

    private func execute(
        _ message: TaskMessage, raw: String, definition: TaskDefinition, limits: TimeLimit, delivery: Delivery,
        logger log: Logger
    ) throws {
        supervisor.send(
            .started(.init(
                taskID: message.id, name: message.task, hardLimit: limits.hard, startedAt: Date().timeIntervalSince1970,
                queue: message.queue
            ))
        )
        // Queue wait: from the ETA when there is one, else estimated by the supervisor from the pop number (QueueArrivals).
        var report = TaskReport(
            taskID: message.id, outcome: nil, name: message.task, queue: message.queue,
            queueWait: message.eta.map { max(0, Date().timeIntervalSince($0)) },
            pop: message.eta == nil
                ? delivery.pop.map { TaskReport.Pop(list: $0.list, number: $0.number, started: Date().timeIntervalSince1970) } : nil
        )
        defer { supervisor.send(.finished(report)) }
        if configuration.trackStarted {
            let started = TaskResult(
                taskID: message.id, state: .started,
                result: ["pid": .int(Int(getpid())), "hostname": .string(configuration.nodeName)],
                children: [], dateDone: nil, groupID: message.group, parentID: message.parentID,
                extended: extendedFields(message)
            )
            try persist { try configuration.results.store(started, on: connection) }
        }
        log.info("task started")
        emit("task-started", ["uuid": .string(message.id)])
        let context = context(for: message, delivery: delivery, limits: limits, logger: log)
        for middleware in registry.middleware { middleware.taskWillRun(context) }
        let started = ContinuousClock.now
        let (outcome, softFired) = handlers.run(
            definition.handler, TaskArguments(args: message.args, kwargs: message.kwargs), context, softLimit: limits.soft
        )
        let elapsed = ContinuousClock.now - started
        let runtime = elapsed.seconds
        processed += 1

        switch outcome {
        case .success(let value):
            let followUps = Canvas.followUps(after: message, result: value)
            try sendFollowUps(followUps)
            try joinChord(message, state: .success, value: value)
            let result = message.ignoreResult ? nil : TaskResult(
                taskID: message.id, state: .success, result: value, children: Canvas.children(followUps), dateDone: Date(),
                groupID: message.group, parentID: message.parentID, extended: extendedFields(message)
            )
            complete(message, raw: raw, result: result)
            (report.outcome, report.runtime) = (.succeeded, runtime)
            log.info("task succeeded", metadata: ["task.runtime": "\(runtime)"])
            notify(context, .succeeded(runtime: elapsed))
            emit("task-succeeded", ["uuid": .string(message.id), "result": .string(PythonRepr.repr(value)), "runtime": .double(runtime)])
        case .failure(let error):
            let remote = ErrorReport.remoteError(for: error, softLimitFired: softFired, softLimit: limits.soft)
            let policy = definition.retryPolicy
            let request = error as? RetryRequest
            let retryLimit = request?.maxRetries ?? (policy.maxRetries > 0 ? policy.maxRetries : 3)
            let wantsRetry = !softFired && (request != nil || (policy.maxRetries > 0 && policy.shouldRetry(error)))
            if wantsRetry, message.retries < retryLimit {
                let delay = request?.countdown ?? policy.delay(afterRetries: message.retries)
                try retry(message, raw: raw, error: remote, delay: delay)
                (report.outcome, report.runtime) = (.retried, runtime)
                notify(context, .retried(error: TaskError(remote), delay: delay, runtime: elapsed))
                emit("task-retried", ["uuid": .string(message.id), "exception": .string(remote.description), "traceback": ""])
                log.warning(
                    "task failed; retrying",
                    metadata: [
                        "task.runtime": "\(runtime)", "error": "\(remote)", "task.retry_in": "\(delay.seconds)",
                        "task.retries": "\(message.retries + 1)",
                    ]
                )
                return
            }
            let failure = TaskResult(
                taskID: message.id, state: .failure, result: remote.json,
                traceback: ErrorReport.traceback(task: message.task, error: remote), children: [], dateDone: Date(),
                groupID: message.group, parentID: message.parentID, extended: extendedFields(message)
            )
            try joinChord(message, state: .failure, value: remote.json)
            try propagateFailure(message, error: remote)
            emit("task-failed", [
                "uuid": .string(message.id), "exception": .string(remote.description),
                "traceback": .string(ErrorReport.traceback(task: message.task, error: remote)),
            ])
            (report.outcome, report.runtime, report.exception) = (.failed, runtime, remote.type)
            if wantsRetry {
                report.deadLetter = .retriesExhausted
                log.error("task failed; retries exhausted, dead-lettered", metadata: ["task.runtime": "\(runtime)", "error": "\(remote)"])
                let reason = "retries exhausted after \(message.retries) retries"
                deadLetter(
                    raw: raw, reason: reason, error: remote.description,
                    message: message, taskID: message.id, task: message.task, result: message.ignoreResult ? nil : failure
                )
                notify(context, .deadLettered(reason: reason, error: TaskError(remote)))
            } else {
                complete(message, raw: raw, result: message.ignoreResult ? nil : failure)
                log.error("task failed", metadata: ["task.runtime": "\(runtime)", "error": "\(remote)"])
                notify(context, softFired ? .timeLimitExceeded(runtime: elapsed) : .failed(error: TaskError(remote), runtime: elapsed))
            }
        }
    }

    private func extendedFields(_ message: TaskMessage) -> JSONObject {
        guard configuration.extendedResults else { return [:] }
        return [
            "name": .string(message.task), "args": .array(message.args), "kwargs": .object(message.kwargs),
            "worker": .string(configuration.nodeName), "retries": .int(message.retries), "queue": .string(message.queue),
        ]
    }

    // MARK: - Redis steps

    /// Publishes a Celery task event when `-E` is on; events are best effort, never a reason to fail a task.
    private func emit(_ type: String, _ fields: @autoclosure () -> JSONObject) {
        guard let events else { return }
        _ = try? connection.send(events.publish(type, fields()))
    }

    /// Sends chain continuations and link callbacks before the task is acknowledged (at least once), all in one
    /// script (``WorkerScripts/push``): an error reply (OOM, READONLY) stores none of them and is retried like an
    /// outage (``retryingTransportErrors(for:logger:_:)``), so the parent is acknowledged only once they are stored.
    private func sendFollowUps(_ messages: [TaskMessage]) throws {
        guard !messages.isEmpty else { return }
        let counts = SentCounter.commands(for: messages, sender: configuration.nodeName)
        let keys = messages.map(\.listKey) + [SentCounter.key]
        let arguments = messages.map { $0.encoded() } + counts.flatMap { [$0[2], $0[3]] }
        try persist { try connection.evaluate(WorkerScripts.push, keys: keys, arguments: arguments) }
    }

    /// Joins a chord this task is a header member of; the member that completes it sends (or fails) the body.
    private func joinChord(_ message: TaskMessage, state: TaskState, value: JSONValue) throws {
        guard message.group != nil, let chord = message.embed["chord"], !chord.isNull else { return }
        let completion = try persist { try ChordJoin.join(message, state: state, value: value, on: connection) }
        if completion != nil { Failpoint.killIfRequested(at: Failpoint.chordJoined) }
        switch completion {
        case .runBody(let body, let claim)?:
            if try persist({ try ChordJoin.finish(claim, body: body, sender: configuration.nodeName, on: connection) }) {
                logger.info("chord complete; body sent", metadata: ["task.id": "\(body.id)", "task.name": "\(body.task)"])
            }
        case .failBody(let failure, let claim)?:
            try persist { try configuration.results.store(failure, on: connection) }
            try persist { try ChordJoin.finish(claim, body: nil, sender: configuration.nodeName, on: connection) }
            logger.error("chord failed; body not run", metadata: ["task.id": "\(failure.taskID)"])
        case nil:
            break
        }
    }

    /// What Celery's `mark_as_failure` does after a final failure: the rest of the chain will not run, so each of its
    /// tasks gets the same FAILURE (and joins its chord, if it is a chord header member), so a client waiting on the
    /// chain's end sees the error instead of waiting forever; then the errbacks (`link_error`) are sent.
    private func propagateFailure(_ message: TaskMessage, error: RemoteError) throws {
        for element in Canvas.abandonedChain(after: message) {
            let abandoned = element.message(parentID: message.id, rootID: message.rootID ?? message.id)
            if !message.ignoreResult, let id = element.options.taskID {
                let failure = TaskResult(
                    taskID: id, state: .failure, result: error.json,
                    traceback: ErrorReport.traceback(task: message.task, error: error), children: [], dateDone: Date(),
                    groupID: element.options.group
                )
                try persist { try configuration.results.store(failure, on: connection) }
            }
            try joinChord(abandoned, state: .failure, value: error.json)
        }
        try sendFollowUps(Canvas.errbacks(after: message))
    }

    /// Hands the result to the batch: the next step stores it and then acknowledges the message, before it
    /// takes anything new; the watchdog does it sooner when the next task runs long.
    private func complete(_ message: TaskMessage, raw: String, result: TaskResult?) {
        let invocation = result.map { configuration.results.storeInvocation($0) }
        batch.finish(
            Completion(
                resultKey: invocation?.keys[0] ?? ResultBackend.key(taskID: message.id),
                arguments: [raw, message.deliveryTag, invocation?.arguments[0] ?? "", invocation?.arguments[1] ?? "0"]
            )
        )
    }

    private func retry(_ message: TaskMessage, raw: String, error: RemoteError, delay: Duration) throws {
        let eta = Date().addingTimeInterval(delay.seconds)
        let next = message.retried(eta: eta)
        let document = TaskResult(
            taskID: message.id, state: .retry, result: error.json,
            traceback: ErrorReport.traceback(task: message.task, error: error) + "celery.exceptions.Retry: Retry in \(delay.seconds)s\n",
            children: [[[.string(message.id), nil], nil]], dateDone: nil, groupID: message.group, parentID: message.parentID,
            extended: extendedFields(message)
        )
        let invocation = configuration.results.storeInvocation(document)
        try persist {
            try connection.evaluate(
            WorkerScripts.retry,
            keys: [processing, WorkerKeys.deliveries, WorkerKeys.scheduled, invocation.keys[0], SentCounter.key],
            arguments: [
                raw, message.deliveryTag, next.encoded(), String(eta.timeIntervalSince1970),
                message.ignoreResult ? "" : invocation.arguments[0], invocation.arguments[1],
                SentCounter.field(queue: next.queue, name: next.task, sender: configuration.nodeName),
            ]
            )
        }
    }

    /// Dead-letters a message that failed to decode or validate. When its id is acceptable and a field was out
    /// of range, it also gets a FAILURE (`InvalidTaskError`), so a client waiting on it is not left waiting.
    private func rejectMalformed(_ raw: String, _ error: MalformedMessageError) {
        var excerpt: String?
        var failure: TaskResult?
        switch error.defect {
        case .tooLarge: excerpt = MessageLimits.excerpt(of: raw)
        case .invalidField:
            if let taskID = error.taskID {
                failure = TaskResult(
                    taskID: taskID, state: .failure,
                    result: RemoteError(type: "InvalidTaskError", arguments: [.string(error.description)], module: "celery.exceptions").json,
                    traceback: nil, dateDone: Date()
                )
            }
        default: break
        }
        deadLetter(
            raw: raw, envelope: excerpt, reason: error.description, error: nil, message: nil, taskID: error.taskID,
            task: error.taskName.map { String($0.prefix(MessageLimits.maxIDBytes)) }, result: failure
        )
        supervisor.send(.finished(TaskReport(
            taskID: error.taskID ?? "-", outcome: .rejected, name: String((error.taskName ?? "").prefix(MessageLimits.maxIDBytes)), queue: "",
            deadLetter: .malformed
        )))
    }

    private func deadLetter(
        raw: String, envelope: String? = nil, reason: String, error: String?, message: TaskMessage?, taskID: String?,
        task: String?, result: TaskResult? = nil
    ) {
        let entry = DeadLetterEntry(
            id: DeadLetterQueue.newEntryID(), reason: reason, error: error, time: Date(), worker: processID,
            queue: message?.listKey ?? "", task: task ?? "", taskID: taskID ?? "", envelope: envelope ?? raw
        )
        var attempt = 0
        while true {
            do {
                try configuration.deadLetters.add(
                    entry, message: raw, deliveryTag: message?.deliveryTag ?? "", processing: processing, result: result,
                    backend: configuration.results, on: connection
                )
                logger.warning(
                    "message dead-lettered",
                    metadata: ["task.id": "\(taskID ?? "-")", "task.name": "\(task ?? "-")", "reason": "\(reason)", "dlq.id": "\(entry.id)"]
                )
                return
            } catch {
                attempt += 1
                logger.error("cannot dead-letter message; retrying", metadata: ["error": "\(error)"])
                if attempt > 20 { return }  // it stays in the processing list and is recovered later
                PosixThread.sleep(for: .milliseconds(250))
            }
        }
    }

}
