import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Celery's event stream (wire spec §10): `worker-online`, `worker-heartbeat` every 2 s and
/// `worker-offline` on `/{db}.celeryev/worker.*`, and with `-E` task events on `task.multi`,
/// so `celery events` and Flower see Celerity workers and their tasks.
struct CeleryEvents: Sendable {
    let node: String
    let database: Int
    private let clock = LamportClock()

    init(node: String, database: Int) {
        self.node = node
        self.database = database
    }

    /// The PUBLISH command for an event of `type` (`worker-heartbeat`, `task-started`, …) with `fields`.
    func publish(_ type: String, _ fields: JSONObject) -> [String] {
        publishBatch(type.hasPrefix("task-") ? "task.multi" : type.replacing("-", with: "."), [(type, fields)])
    }

    /// The PUBLISH command for several task events in one `task.multi` message, as Celery batches them.
    func publishBatch(_ routingKey: String, _ events: [(type: String, fields: JSONObject)]) -> [String] {
        let bodies: [JSONValue] = events.map { event in
            var body: JSONObject = [
                "hostname": .string(node), "utcoffset": 0.0, "pid": .int(Int(getpid())), "clock": .int(clock.tick()),
            ]
            for member in event.fields { body[member.key] = member.value }
            body["timestamp"] = .double(Date().timeIntervalSince1970)
            body["type"] = .string(event.type)
            return .object(body)
        }
        let body = routingKey == "task.multi" ? JSONValue.array(bodies) : bodies[0]
        let envelope = KombuEnvelope.encode(
            body: body, headers: ["hostname": .string(node)], exchange: "celeryev", routingKey: routingKey
        )
        return ["PUBLISH", "/\(database).celeryev/\(routingKey)", envelope]
    }

    /// The fields of a worker event.
    static func workerFields(active: Int, processed: Int, frequency: Double = 2) -> JSONObject {
        var load = [0.0, 0.0, 0.0]
        _ = getloadavg(&load, 3)
        return [
            "freq": .double(frequency), "active": .int(active), "processed": .int(processed),
            "loadavg": .array(load.map { .double(($0 * 100).rounded() / 100) }),
            "sw_ident": "celerity", "sw_ver": .string(CelerityVersion.current), "sw_sys": "Linux",
        ]
    }

    /// The fields of `task-received`.
    static func receivedFields(_ message: TaskMessage) -> JSONObject {
        [
            "uuid": .string(message.id), "name": .string(message.task),
            "args": message.headers["argsrepr"] ?? .string(JSONValue.array(message.args).serialized),
            "kwargs": message.headers["kwargsrepr"] ?? .string(JSONValue.object(message.kwargs).serialized),
            "root_id": message.rootID.map(JSONValue.string) ?? .null,
            "parent_id": message.parentID.map(JSONValue.string) ?? .null, "retries": .int(message.retries),
            "eta": message.headers["eta"] ?? .null, "expires": message.headers["expires"] ?? .null,
        ]
    }
}

/// Celery's Lamport clock for events and control replies.
final class LamportClock: Sendable {
    private let counter = Atomic<Int>(0)

    /// The clock's current value, unchanged.
    var value: Int { counter.load(ordering: .relaxed) }

    func tick() -> Int {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
