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

/// Listens for control messages on a thread of its own (hiredis blocks): Celerity's `celerity:control` channel
/// (`revoke --terminate`) and Celery's broadcast pidbox (`/{db}.celery.pidbox`, wire spec §9), so
/// `celery inspect ping`, `app.control.revoke(id, terminate=True)` and Flower's inspect calls reach
/// Celerity workers. Replies go to the caller's `<oid>.reply.celery.pidbox` list. Every field is immutable and
/// `Sendable`; the two connections live on the listener's thread only.
final class ControlListener: Service {
    private let configuration: WorkerConfiguration
    private let logger: Logger
    private let terminate: @Sendable (String) -> Void
    private let snapshot: @Sendable () -> NodeSnapshot
    /// The node's run-time settings and pool target, shared with the supervisor (``ControlCommands``).
    private let settings: Locked<NodeSettings>
    private let pool: Locked<PoolTarget>
    private let clock = LamportClock()
    private let started = Date()

    init(
        configuration: WorkerConfiguration, logger: Logger,
        terminate: @escaping @Sendable (String) -> Void, snapshot: @escaping @Sendable () -> NodeSnapshot,
        settings: Locked<NodeSettings>, pool: Locked<PoolTarget>
    ) {
        self.configuration = configuration
        self.settings = settings
        self.pool = pool
        self.logger = logger
        self.terminate = terminate
        self.snapshot = snapshot
    }

    var pidboxChannel: String { "/\(configuration.redis.database).celery.pidbox" }

    /// Listens until `shutdown` asks (looked at every second, between messages), then closes its connections.
    func run(until shutdown: Shutdown) async {
        await PosixThread.run(name: "control") { [self] in listen(until: shutdown) }
    }

    private func listen(until shutdown: Shutdown) {
        let subscriber = RedisConnection(configuration: configuration.redis, logger: logger)
        let commands = RedisConnection(configuration: configuration.redis, logger: logger)
        defer { subscriber.close(); commands.close() }
        var settingsReset = false
        while !shutdown.isRequested {
            do {
                if !settingsReset {
                    // Run-time changes last until the node restarts, as Celery's: forget the last run's.
                    try commands.send(["DEL", WorkerKeys.nodeSettings(configuration.nodeName)])
                    settingsReset = true
                }
                try subscriber.subscribe([WorkerKeys.control, pidboxChannel])
                while !shutdown.isRequested {
                    guard let push = try subscriber.nextPush(timeout: .seconds(1)), let parts = push.array, parts.count == 3,
                        parts[0].string == "message", let channel = parts[1].string, let payload = parts[2].string
                    else { continue }
                    if channel == WorkerKeys.control {
                        handleCelerityControl(payload)
                    } else {
                        handlePidbox(payload, commands: commands)
                    }
                }
            } catch {
                subscriber.close()
                PosixThread.sleep(for: .seconds(1))
            }
        }
    }

    private func handleCelerityControl(_ payload: String) {
        guard let message = try? JSONValue.parse(payload), message["method"]?.stringValue == "revoke",
            message["terminate"]?.boolValue == true, let taskID = message["task_id"]?.stringValue
        else { return }
        terminate(taskID)
    }

    private func handlePidbox(_ payload: String, commands: RedisConnection) {
        guard let (body, _) = KombuEnvelope.decode(payload), let method = body["method"]?.stringValue else { return }
        if case .array(let destinations)? = body["destination"],
            !destinations.contains(where: { $0.stringValue == configuration.nodeName })
        {
            return
        }
        let arguments = body["arguments"]?.objectValue ?? [:]
        let reply: JSONValue?
        switch method {
        case "revoke", "terminate":  // `celery control terminate SIGNAL ID` is revoke(ID, terminate=True)
            reply = revoke(method: method, arguments: arguments, commands: commands)
        case "shutdown":
            // Celery's remote warm shutdown (`celery control shutdown`, Flower's button): no reply, as Celery.
            logger.warning("shutdown requested over Celery control")
            kill(getpid(), SIGTERM)
            reply = nil
        case "hello":
            reply = hello(arguments: arguments, commands: commands)
        case "heartbeat":
            // As Celery: a worker-heartbeat event now, and an empty reply.
            let state = snapshot()
            let fields = CeleryEvents.workerFields(
                active: state.active.count, processed: state.processed, frequency: configuration.heartbeatInterval.seconds)
            _ = try? commands.send(CeleryEvents(node: configuration.nodeName, database: configuration.redis.database)
                .publish("worker-heartbeat", fields))
            reply = .null
        case "election":
            reply = .null  // Celery's gossip elections; a Celerity node takes part in none, and says nothing more.
        case _ where FlowControlCommands.handlers[method] != nil:  // pause_queue / resume_queue (flow control)
            reply = FlowControlCommands.handlers[method]?(arguments, commands)
        default:
            let state = snapshot()
            let changes = ControlCommands(
                configuration: configuration, settings: settings, pool: pool, taskNames: state.taskNames,
                commands: commands, logger: logger
            )
            if let changed = changes.perform(method, arguments: arguments) {
                reply = changed
                break
            }
            var current = configuration  // as the node runs now: queues and events changed at run time
            let now = settings.value
            current.queues = now.queues ?? configuration.queues
            current.sendTaskEvents = now.taskEvents ?? configuration.sendTaskEvents
            current.concurrency = pool.value.autoscale?.maximum ?? pool.value.processes
            let replies = ControlReplies(configuration: current, state: state, clock: clock, started: started)
            let revoked = { ((try? commands.send(["ZRANGE", WorkerKeys.revoked, "0", "-1"]).array) ?? []).compactMap(\.string) }
            guard let known = replies.inspect(method, arguments: arguments, revoked: revoked) else {
                // As Celery (kombu's pidbox answers a KeyError): an error reply, never silence.
                logger.info("unknown Celery control command", metadata: ["method": "\(method.prefix(64))"])
                reply = ["error": .string("unknown control command \(method.prefix(64)) (celery/worker/control.py names them)")]
                break
            }
            reply = known
        }
        guard let reply, let replyTo = body["reply_to"]?.objectValue, let routingKey = replyTo["routing_key"]?.stringValue
        else { return }
        var headers: JSONObject = ["clock": .int(clock.tick())]
        if let ticket = body["ticket"] { headers = ["ticket": ticket, "clock": headers["clock"]!] }
        let envelope = KombuEnvelope.encode(
            body: [configuration.nodeName: reply], headers: headers,
            exchange: replyTo["exchange"]?.stringValue ?? "reply.celery.pidbox", routingKey: routingKey
        )
        do {
            try commands.send(["LPUSH", "\(routingKey).reply.celery.pidbox", envelope])
        } catch {
            logger.warning("cannot reply to a Celery control command", metadata: ["method": "\(method)", "error": "\(error)"])
        }
    }

    /// `revoke` / `terminate`: records each id in the persistent revoked set; with terminate, kills the process
    /// running it. Replies as Celery does.
    private func revoke(method: String, arguments: JSONObject, commands: RedisConnection) -> JSONValue {
        let ids: [String]
        switch arguments["task_id"] {
        case .string(let id)?: ids = [id]
        case .array(let list)?: ids = list.compactMap(\.stringValue)
        default: ids = []
        }
        // Python truth, as Celery tests it: Flower sends `terminate=1` (its strtobool), the CLI `True`.
        let terminating = method == "terminate" || Self.isTrue(arguments["terminate"])
        do {
            for id in ids {
                try Revocations().record(taskID: id, on: commands)
                if terminating {
                    terminate(id)
                } else {
                    try configuration.results.store(Revocations.revokedResult(taskID: id, reason: "revoked"), on: commands)
                }
            }
        } catch {
            logger.error("cannot record a revoke from Celery control", metadata: ["error": "\(error)"])
        }
        logger.info("revoke received over Celery control", metadata: ["task.ids": "\(ids)", "terminate": "\(terminating)"])
        guard terminating else { return ["ok": .string("tasks \(ids.joined(separator: ", ")) flagged as revoked")] }
        // As Celery: the node running the task names it, the others say they do not know it.
        let running = Set(snapshot().active.map(\.id)).intersection(ids).sorted()
        return ["ok": .string("terminate: \(running.isEmpty ? "tasks unknown" : running.joined(separator: ", "))")]
    }

    /// Mingle's `hello` from a starting Celery worker: remember the revoked ids it brings (as Celery merges them)
    /// and answer with this node's revoked ids and clock. A node's own hello gets no answer.
    private func hello(arguments: JSONObject, commands: RedisConnection) -> JSONValue? {
        guard let from = arguments["from_node"]?.stringValue, from != configuration.nodeName else { return nil }
        logger.info("sync with \(from)")
        if case .array(let theirs)? = arguments["revoked"] {
            for id in theirs.prefix(Self.helloRevokedLimit).compactMap(\.stringValue) where MessageLimits.idProblem(id) == nil {
                do { try Revocations().record(taskID: id, on: commands) } catch {
                    logger.warning("cannot record a revoked id from \(from)", metadata: ["error": "\(error)"])
                    break
                }
            }
        }
        let ours = ((try? commands.send(["ZRANGE", WorkerKeys.revoked, "0", "-1"]).array) ?? []).compactMap(\.string)
        return ["revoked": .array(ours.map(JSONValue.string)), "clock": .int(clock.tick())]
    }

    /// Python's truth value of a control argument: `True`, a non-zero number, a non-empty string or collection.
    static func isTrue(_ value: JSONValue?) -> Bool {
        guard let value else { return false }
        if let flag = value.boolValue { return flag }
        if let number = value.doubleValue { return number != 0 }
        if let text = value.stringValue { return !text.isEmpty }
        if let list = value.arrayValue { return !list.isEmpty }
        if let object = value.objectValue { return !object.members.isEmpty }
        return false
    }

    /// Most revoked ids taken from one `hello` (Celery's revoked set holds at most 50,000 of them).
    static let helloRevokedLimit = 50_000
}
