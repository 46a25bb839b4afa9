#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Celery's `task-sent` events (`task_send_sent_event = True`), published by a client for each task it sends,
/// on the `celeryev` fanout (`/{db}.celeryev/task.sent`), with the fields and the kombu envelope a Celery 5.7
/// client's event dispatcher gives them, so Flower and `celery events` show tasks sent from Swift as PENDING.
///
/// Each event's task is also marked as counted (``SentCounter/eventMarker(_:)``) before it is published: the
/// client counts its sends in `celery_task_sent_total` itself, so a node's event counter skips the event.
final class SentEvents: Sendable {
    private let channel: String
    private let clock = Atomic<Int>(0)

    /// Events for a client of Redis database `database`.
    init(database: Int) {
        channel = "/\(database).celeryev/task.sent"
    }

    /// The commands that mark and publish the `task-sent` event of `message`, to run after its push.
    func commands(for message: TaskMessage) -> [[String]] {
        let body: JSONObject = [
            "hostname": .string(TaskMessage.origin), "utcoffset": 0,
            "pid": .int(Int(ProcessInfo.processInfo.processIdentifier)),
            "clock": .int(clock.wrappingAdd(1, ordering: .relaxed).newValue), "uuid": .string(message.id),
            "root_id": message.rootID.map(JSONValue.string) ?? .string(message.id),
            "parent_id": message.parentID.map(JSONValue.string) ?? .null, "name": .string(message.task),
            "args": message.headers["argsrepr"] ?? .null, "kwargs": message.headers["kwargsrepr"] ?? .null,
            "retries": .int(message.retries), "eta": message.headers["eta"] ?? .null,
            "expires": message.headers["expires"] ?? .null, "queue": .string(message.queue), "exchange": "",
            "routing_key": .string(message.queue), "timestamp": .double(Date().timeIntervalSince1970), "type": "task-sent",
        ]
        let envelope = KombuEnvelope.encode(
            body: .object(body), headers: ["hostname": .string(TaskMessage.origin)], exchange: "celeryev",
            routingKey: "task.sent"
        )
        return [["SET", SentCounter.eventMarker(message.id), "1", "EX", "60"], ["PUBLISH", channel, envelope]]
    }
}
