import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What the supervisor exposes to control commands (`celery inspect …`), refreshed by its loop.
struct NodeSnapshot: Sendable {
    var active: [(id: String, name: String, started: Date)] = []
    var processed = 0
    var processPIDs: [Int] = []
    var taskNames: [String] = []
}

/// Listens for control messages on its own thread: Celerity's `celerity:control` channel
/// (`revoke --terminate`) and Celery's broadcast pidbox (`/{db}.celery.pidbox`, wire spec §9), so
/// `celery inspect ping`, `app.control.revoke(id, terminate=True)` and Flower's inspect calls reach
/// Celerity workers. Replies go to the caller's `<oid>.reply.celery.pidbox` list.
final class ControlListener: @unchecked Sendable {
    private let configuration: WorkerConfiguration
    private let logger: Logger
    private let terminate: @Sendable (String) -> Void
    private let snapshot: @Sendable () -> NodeSnapshot
    private let clock = LamportClock()
    private let started = Date()

    init(
        configuration: WorkerConfiguration, logger: Logger,
        terminate: @escaping @Sendable (String) -> Void, snapshot: @escaping @Sendable () -> NodeSnapshot
    ) {
        self.configuration = configuration
        self.logger = logger
        self.terminate = terminate
        self.snapshot = snapshot
    }

    var pidboxChannel: String { "/\(configuration.redis.database).celery.pidbox" }

    func start() {
        PosixThread.start(name: "control") { [self] in run() }
    }

    private func run() {
        let subscriber = RedisConnection(configuration: configuration.redis, logger: logger)
        let commands = RedisConnection(configuration: configuration.redis, logger: logger)
        while true {
            do {
                try subscriber.subscribe([WorkerKeys.control, pidboxChannel])
                while true {
                    guard let push = try subscriber.nextPush(timeout: nil), let parts = push.array, parts.count == 3,
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
        case "ping":
            reply = ["ok": "pong"]
        case "revoke", "terminate":  // `celery control terminate SIGNAL ID` is revoke(ID, terminate=True)
            let ids: [String]
            switch arguments["task_id"] {
            case .string(let id)?: ids = [id]
            case .array(let list)?: ids = list.compactMap(\.stringValue)
            default: ids = []
            }
            let terminating = method == "terminate" || arguments["terminate"]?.boolValue == true
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
            if terminating {
                // As Celery: the node running the task names it, the others say they do not know it.
                let running = Set(snapshot().active.map(\.id)).intersection(ids).sorted()
                let names = running.isEmpty ? "tasks unknown" : running.joined(separator: ", ")
                reply = ["ok": .string("terminate: \(names)")]
            } else {
                reply = ["ok": .string("tasks \(ids.joined(separator: ", ")) flagged as revoked")]
            }
        case "shutdown":
            // Celery's remote warm shutdown (`celery control shutdown`, Flower's button): no reply, as Celery.
            logger.warning("shutdown requested over Celery control")
            kill(getpid(), SIGTERM)
            reply = nil
        case "stats":
            let state = snapshot()
            reply = [
                "pid": .int(Int(getpid())), "clock": .string(String(clock.tick())),
                "uptime": .int(Int(Date().timeIntervalSince(started))),
                "total": .object(JSONObject([("processed", .int(state.processed))])),
                "pool": [
                    "max-concurrency": .int(configuration.concurrency), "processes": .array(state.processPIDs.map(JSONValue.int)),
                    "implementation": "celerity:prefork",
                ],
                "broker": ["transport": "redis", "hostname": .string(configuration.redis.address)],
                "prefetch_count": .int(configuration.concurrency), "sw_ident": "celerity",
            ]
        case "active":
            reply = .array(snapshot().active.map { task in
                [
                    "id": .string(task.id), "name": .string(task.name), "hostname": .string(configuration.nodeName),
                    "time_start": .double(task.started.timeIntervalSince1970), "acknowledged": false,
                    "worker_pid": nil, "args": [], "kwargs": [:],
                ]
            })
        case "active_queues":
            reply = .array(configuration.queues.map { queue in
                [
                    "name": .string(queue), "exchange": ["name": "", "type": "direct"], "routing_key": .string(queue),
                    "durable": true, "exclusive": false, "auto_delete": false, "no_ack": false,
                ]
            })
        case "registered":
            reply = .array(snapshot().taskNames.map(JSONValue.string))
        case "scheduled", "reserved":
            reply = []
        case "revoked":
            reply = .array(((try? commands.send(["ZRANGE", WorkerKeys.revoked, "0", "-1"]).array) ?? []).compactMap { $0.string.map(JSONValue.string) })
        case "conf":
            reply = ["broker_url": .string(configuration.redis.redactedURL), "worker_concurrency": .int(configuration.concurrency)]
        default:
            reply = nil  // Celery ignores what it does not know; so do we (e.g. mingle's `hello`).
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
}
