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

/// Runs one delivered message to its end: decodes it, refuses what cannot run (malformed, unknown, revoked,
/// expired), defers an early ETA, runs the handler, and does the broker steps its ``Disposition`` asks for —
/// then announces the outcome once (``OutcomeReporter``). All its I/O goes through a ``WorkerBroker``, so the
/// same code runs on Redis in a worker process and on ``MemoryWorkerBroker`` in unit tests.
final class DeliveryHandler {
    private let configuration: WorkerConfiguration
    private let registry: TaskRegistry
    private let processID: String
    private let logger: Logger
    private let broker: any WorkerBroker
    private let reporter: OutcomeReporter
    private let tellSupervisor: (WorkerEvent) -> Void
    /// Takes the acknowledgement of a finished task: the next broker step stores its result, then acknowledges it.
    private let acknowledgeLater: (PendingAck) -> Void
    /// Writes the supervisor the reports that wait (``SupervisorChannel/flush()``), before anything that can wait.
    private let flushReports: () -> Void
    private let handlers = HandlerRunner()
    private let transport: BrokerTaskTransport
    /// The node's run-time settings (``NodeSettings``: task events, time limits), refreshed by the process's loop.
    private let nodeSettings: NodeSettingsReader
    /// How many handlers ran.
    private(set) var processed = 0

    init(
        configuration: WorkerConfiguration, registry: TaskRegistry, processID: String, logger: Logger, broker: any WorkerBroker,
        tellSupervisor: @escaping (WorkerEvent) -> Void, acknowledgeLater: @escaping (PendingAck) -> Void,
        nodeSettings: NodeSettingsReader, flushReports: @escaping () -> Void = {}
    ) {
        self.flushReports = flushReports
        self.configuration = configuration
        self.registry = registry
        self.processID = processID
        self.logger = logger
        self.broker = broker
        self.tellSupervisor = tellSupervisor
        self.acknowledgeLater = acknowledgeLater
        self.nodeSettings = nodeSettings
        self.transport = BrokerTaskTransport(
            broker: broker, memory: max(.seconds(86400), configuration.results.timeToLive ?? .zero), logger: logger
        )
        self.reporter = OutcomeReporter(
            middleware: registry.middleware, tellSupervisor: tellSupervisor,
            publishEvent: { [configuration] type, fields in
                // `-E`, or `enable_events` / `disable_events` at run time.
                guard nodeSettings.current.taskEvents ?? configuration.sendTaskEvents else { return }
                try? broker.publishEvent(type, fields)
            }
        )
    }

    /// Runs `delivery` to its end.
    /// - Throws: a broker error that retrying did not cure; the message stays in the processing list.
    func handle(_ delivery: Delivery) throws {
        let message: TaskMessage
        do {
            message = try TaskMessage.decode(delivery.raw, maxBytes: configuration.maxMessageBytes)
        } catch {
            rejectMalformed(delivery.raw, error)
            return
        }
        // Read once: each is a search of the message's headers or properties.
        let (id, name, queue, messageLimit, eta) = (message.id, message.task, message.queue, message.timeLimit, message.eta)
        var log = logger
        // The task's fields become metadata only when a line is written (most levels drop every line of a task).
        log.handler = TaskLogHandler(base: logger.handler, taskID: id, name: name, queue: queue)
        let now = Date()
        let plainReport = TaskReport(taskID: id, outcome: nil, name: name, queue: queue)
        guard let definition = registry[name] else {
            let failure = TaskResult(
                taskID: id, state: .failure,
                result: RemoteError(type: "NotRegistered", arguments: [.string(name)], module: "celery.exceptions").json,
                traceback: nil, dateDone: now
            )
            deadLetter(
                raw: delivery.raw, reason: "unknown task name \"\(name)\"", error: nil, message: message,
                taskID: id, task: name, result: failure
            )
            let context = context(for: message, delivery: delivery, limits: messageLimit, logger: log)
            reporter.announce(Finished(ending: .unknownTask, report: plainReport, context: context, logger: log))
            return
        }
        let taskLimit = nodeSettings.current.timeLimits[name] ?? definition.timeLimit  // `time_limit` wins
        let limits = TimeLimit(hard: messageLimit.hard ?? taskLimit.hard, soft: messageLimit.soft ?? taskLimit.soft)
        let expires = message.expires
        let expired = expires.map { $0 < now } ?? false
        if delivery.revoked || expired {
            let reason = delivery.revoked ? "revoked" : "expired"
            if !delivery.revoked, let expires { log[metadataKey: "task.expires"] = "\(CeleryTime.format(expires))" }
            acknowledgeLater(
                PendingAck(
                    message: delivery.raw, deliveryTag: message.deliveryTag, taskID: id,
                    result: Revocations.revokedResult(taskID: id, reason: reason), backend: configuration.results
                )
            )
            let context = context(for: message, delivery: delivery, limits: limits, logger: log)
            reporter.announce(Finished(ending: .revoked(reason: reason), report: plainReport, context: context, logger: log))
            return
        }
        if let holder = try persist({ try broker.uniqueHolder(otherThan: message) }) {  // unique jobs
            log.info("duplicate of a unique job; not run", metadata: ["task.duplicate_of": "\(holder)"])
            complete(message, raw: delivery.raw, result: UniqueClaim.duplicateResult(taskID: id, holder: holder))
            tellSupervisor(.finished(TaskReport(taskID: id, outcome: .rejected, name: name, queue: queue)))
            return
        }
        if let eta, eta.timeIntervalSince(now) > 0.2 {
            try persist { try broker.deferUntil(delivery.raw, due: eta) }
            tellSupervisor(.parked(due: eta.timeIntervalSince1970))  // the node promotes it at its due time
            log.info("task received; scheduled for its ETA", metadata: ["task.eta": "\(CeleryTime.format(eta))"])
            emit("task-received", CeleryEvents.receivedFields(message))  // as Celery: received now, run at its ETA
            return
        }
        if let eta, eta > Date() {
            // Due within 200 ms: not worth a trip through the ETA set, but never run before the ETA (as Celery).
            flushReports()
            PosixThread.sleep(for: Duration(checkedSeconds: eta.timeIntervalSinceNow) ?? .zero)
        }
        log.info("task received", metadata: ["task.retries": "\(message.retries)"])
        emit("task-received", CeleryEvents.receivedFields(message))
        try execute(message, raw: delivery.raw, definition: definition, limits: limits, delivery: delivery, logger: log)
    }

    /// Runs one idempotent broker step, retrying transport failures for up to five minutes
    /// (``retryingTransportErrors(for:logger:_:)``), so a finished task's result is not lost to an outage. A failed
    /// attempt writes the waiting reports first, so none waits for the back-off.
    @discardableResult
    private func persist<T>(_ step: () throws -> T) throws -> T {
        try retryingTransportErrors(logger: logger) {
            do {
                return try step()
            } catch {
                flushReports()
                throw error
            }
        }
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

    private func execute(
        _ message: TaskMessage, raw: String, definition: TaskDefinition, limits: TimeLimit, delivery: Delivery, logger log: Logger
    ) throws {
        let (id, name, queue, eta) = (message.id, message.task, message.queue, message.eta)
        let startedAt = Date()
        // `inspect active` shows the arguments; a big message's are not serialised again just for that.
        let small = raw.utf8.count <= 4 * WorkerEvent.TaskStart.maxArgumentBytes
        tellSupervisor(
            .started(.init(
                taskID: id, name: name, hardLimit: limits.hard, startedAt: startedAt.timeIntervalSince1970,
                queue: queue, argsJSON: small ? Self.shortJSON(.array(message.args)) : nil,
                kwargsJSON: small ? Self.shortJSON(.object(message.kwargs)) : nil,
                argsrepr: message.headers["argsrepr"]?.stringValue
                    ?? (small ? TaskMessage.truncatedRepr(PythonRepr.args(message.args)) : "..."),
                kwargsrepr: message.headers["kwargsrepr"]?.stringValue
                    ?? (small ? TaskMessage.truncatedRepr(PythonRepr.kwargs(message.kwargs)) : "...")
            ))
        )
        // Queue wait: from the ETA when there is one, else estimated by the supervisor from the pop number (QueueArrivals).
        let report = TaskReport(
            taskID: id, outcome: nil, name: name, queue: queue,
            queueWait: eta.map { max(0, startedAt.timeIntervalSince($0)) },
            pop: eta == nil
                ? delivery.pop.map { TaskReport.Pop(list: $0.list, number: $0.number, started: startedAt.timeIntervalSince1970) } : nil
        )
        var announced = false
        // A broker step that failed for good: the supervisor still learns the task ended (counting nothing).
        defer { if !announced { tellSupervisor(.finished(report)) } }
        if configuration.trackStarted {
            let started = TaskResult(
                taskID: id, state: .started, result: ["pid": .int(Int(getpid())), "hostname": .string(configuration.nodeName)],
                children: [], dateDone: nil, groupID: message.group, parentID: message.parentID, extended: extendedFields(message)
            )
            try persist { try broker.storeResult(started) }
        }
        log.info("task started")
        emit("task-started", ["uuid": .string(id)])
        let context = context(for: message, delivery: delivery, limits: limits, logger: log)
        for middleware in registry.middleware { middleware.taskWillRun(context) }
        let started = ContinuousClock.now
        let (outcome, softFired) = handlers.run(
            definition.handler, TaskArguments(args: message.args, kwargs: message.kwargs), context, softLimit: limits.soft
        )
        let runtime = ContinuousClock.now - started
        processed += 1
        let ending = try conclude(
            message, raw: raw, outcome: outcome, softFired: softFired, limits: limits, policy: definition.retryPolicy, runtime: runtime,
            sentWhileRunning: context.sender.children
        )
        announced = true
        reporter.announce(Finished(ending: ending, report: report, context: context, logger: log))
    }

    /// Does the broker steps for a run's outcome (follow-ups, chord, result, retry or dead letter) and says how it ended.
    private func conclude(
        _ message: TaskMessage, raw: String, outcome: Result<JSONValue, any Error>, softFired: Bool, limits: TimeLimit,
        policy: RetryPolicy, runtime: Duration, sentWhileRunning: [JSONValue]
    ) throws -> Finished.Ending {
        switch outcome {
        case .success(let value):
            let followUps = Canvas.followUps(after: message, result: value)
            try persist { try broker.sendFollowUps(followUps) }
            try joinChord(message, state: .success, value: value)
            let result = message.ignoreResult ? nil : TaskResult(
                taskID: message.id, state: .success, result: value, children: Canvas.children(followUps, sentWhileRunning: sentWhileRunning), dateDone: Date(),
                groupID: message.group, parentID: message.parentID, extended: extendedFields(message)
            )
            complete(message, raw: raw, result: result)
            return .succeeded(result: value, runtime: runtime)
        case .failure(let error):
            let remote = ErrorReport.remoteError(for: error, softLimitFired: softFired, softLimit: limits.soft)
            let disposition = Disposition.decide(error: error, policy: policy, retries: message.retries, softLimitFired: softFired)
            if case .retry(let delay) = disposition {
                try retry(message, raw: raw, error: remote, delay: delay)
                return .retried(error: remote, delay: delay, retries: message.retries, runtime: runtime)
            }
            let failure = TaskResult(
                taskID: message.id, state: .failure, result: remote.json,
                traceback: ErrorReport.traceback(task: message.task, error: remote), children: [], dateDone: Date(),
                groupID: message.group, parentID: message.parentID, extended: extendedFields(message)
            )
            try joinChord(message, state: .failure, value: remote.json)
            try propagateFailure(message, error: remote)
            if case .deadLetter(let reason) = disposition {
                deadLetter(
                    raw: raw, reason: reason, error: remote.description, message: message, taskID: message.id, task: message.task,
                    result: message.ignoreResult ? nil : failure
                )
                return .retriesExhausted(error: remote, reason: reason, runtime: runtime)
            }
            complete(message, raw: raw, result: message.ignoreResult ? nil : failure)
            return .failed(error: remote, runtime: runtime, softLimitFired: softFired)
        }
    }

    private func extendedFields(_ message: TaskMessage) -> JSONObject {
        guard configuration.extendedResults else { return [:] }
        return [
            "name": .string(message.task), "args": .array(message.args), "kwargs": .object(message.kwargs),
            "worker": .string(configuration.nodeName), "retries": .int(message.retries), "queue": .string(message.queue),
        ]
    }

    /// The JSON text of a task's arguments for `inspect active`, or `nil` when too long to pass to the supervisor.
    private static func shortJSON(_ value: JSONValue) -> String? {
        let text = value.serialized
        return text.utf8.count <= WorkerEvent.TaskStart.maxArgumentBytes ? text : nil
    }

    /// Publishes a Celery task event when events are on (`-E`, or `enable_events` at run time); events are best
    /// effort, never a reason to fail a task.
    private func emit(_ type: String, _ fields: @autoclosure () -> JSONObject) {
        guard nodeSettings.current.taskEvents ?? configuration.sendTaskEvents else { return }
        try? broker.publishEvent(type, fields())
    }

    /// Joins a chord this task is a header member of; the member that completes it sends (or fails) the body.
    private func joinChord(_ message: TaskMessage, state: TaskState, value: JSONValue) throws {
        guard message.group != nil, let chord = message.embed["chord"], !chord.isNull else { return }
        let completion = try persist { try broker.joinChord(message, state: state, value: value) }
        if completion != nil { Failpoint.killIfRequested(at: Failpoint.chordJoined) }
        switch completion {
        case .runBody(let body, let claim)?:
            if try persist({ try broker.finishChord(claim, body: body) }) {
                logger.info("chord complete; body sent", metadata: ["task.id": "\(body.id)", "task.name": "\(body.task)"])
            }
        case .failBody(let failure, let claim)?:
            try persist { try broker.storeResult(failure) }
            try persist { try broker.finishChord(claim, body: nil) }
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
                    taskID: id, state: .failure, result: error.json, traceback: ErrorReport.traceback(task: message.task, error: error),
                    children: [], dateDone: Date(), groupID: element.options.group
                )
                try persist { try broker.storeResult(failure) }
            }
            try joinChord(abandoned, state: .failure, value: error.json)
        }
        let errbacks = Canvas.errbacks(after: message)
        try persist { try broker.sendFollowUps(errbacks) }
    }

    /// Hands the result to the batch: the next step stores it and then acknowledges the message.
    private func complete(_ message: TaskMessage, raw: String, result: TaskResult?) {
        acknowledgeLater(
            PendingAck(message: raw, deliveryTag: message.deliveryTag, taskID: message.id, result: result, backend: configuration.results)
        )
    }

    private func retry(_ message: TaskMessage, raw: String, error: RemoteError, delay: Duration) throws {
        let eta = Date().addingTimeInterval(delay.seconds)
        let state = TaskResult(
            taskID: message.id, state: .retry, result: error.json,
            traceback: ErrorReport.traceback(task: message.task, error: error) + "celery.exceptions.Retry: Retry in \(delay.seconds)s\n",
            children: [[[.string(message.id), nil], nil]], dateDone: nil, groupID: message.group, parentID: message.parentID,
            extended: extendedFields(message)
        )
        let step = RetryStep(
            message: raw, deliveryTag: message.deliveryTag, next: message.retried(eta: eta), due: eta, state: state,
            storeState: !message.ignoreResult
        )
        if try persist({ try broker.retry(step) }) { tellSupervisor(.parked(due: eta.timeIntervalSince1970)) }
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
        let name = String((error.taskName ?? "").prefix(MessageLimits.maxIDBytes))
        deadLetter(
            raw: raw, envelope: excerpt, reason: error.description, error: nil, message: nil, taskID: error.taskID,
            task: error.taskName.map { _ in name }, result: failure
        )
        let report = TaskReport(taskID: error.taskID ?? "-", outcome: nil, name: name, queue: "")
        reporter.announce(Finished(ending: .malformed(error), report: report, context: nil, logger: logger))
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
                try broker.deadLetter(entry, message: raw, deliveryTag: message?.deliveryTag ?? "", result: result)
                logger.warning(
                    "message dead-lettered",
                    metadata: ["task.id": "\(taskID ?? "-")", "task.name": "\(task ?? "-")", "reason": "\(reason)", "dlq.id": "\(entry.id)"]
                )
                return
            } catch {
                flushReports()
                attempt += 1
                logger.error("cannot dead-letter message; retrying", metadata: ["error": "\(error)"])
                if attempt > 20 { return }  // it stays in the processing list and is recovered later
                PosixThread.sleep(for: .milliseconds(250))
            }
        }
    }
}
