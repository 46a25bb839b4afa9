import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One message set aside because it cannot or should not run again by itself.
public struct DeadLetterEntry: Sendable, Hashable {
    /// The entry id (not the task id).
    public var id: String
    /// Why it was set aside, e.g. `properties.delivery_tag is missing`.
    public var reason: String
    /// The last error of the task, when it ran.
    public var error: String?
    /// When it was dead-lettered.
    public var time: Date
    /// The worker process that set it aside.
    public var worker: String
    /// The ready list it came from, when known.
    public var queue: String
    /// The task name and id, when readable.
    public var task: String
    public var taskID: String
    /// The original envelope, exactly as it was popped.
    public var envelope: String

    /// The entry as stored (a JSON object).
    package var json: JSONValue {
        [
            "id": .string(id), "reason": .string(reason), "error": error.map(JSONValue.string) ?? .null,
            "time": .double(time.timeIntervalSince1970), "worker": .string(worker), "queue": .string(queue),
            "task": .string(task), "task_id": .string(taskID), "envelope": .string(envelope),
        ]
    }

    package init(id: String, reason: String, error: String?, time: Date, worker: String, queue: String, task: String, taskID: String, envelope: String) {
        self.id = id
        self.reason = reason
        self.error = error
        self.time = time
        self.worker = worker
        self.queue = queue
        self.task = task
        self.taskID = taskID
        self.envelope = envelope
    }

    package init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let envelope = json["envelope"]?.stringValue else { return nil }
        self.id = id
        self.reason = json["reason"]?.stringValue ?? ""
        self.error = json["error"]?.stringValue
        self.time = Date(timeIntervalSince1970: json["time"]?.doubleValue ?? 0)
        self.worker = json["worker"]?.stringValue ?? ""
        self.queue = json["queue"]?.stringValue ?? ""
        self.task = json["task"]?.stringValue ?? ""
        self.taskID = json["task_id"]?.stringValue ?? ""
        self.envelope = envelope
    }
}

/// The dead-letter queue: malformed messages, unknown task names, poison messages and tasks that
/// exhausted their retries, each with its reason. Capped by count and age.
public struct DeadLetterQueue: Sendable {
    /// Entries beyond this many are dropped, oldest first. Default 10,000.
    public var maxEntries: Int
    /// Entries older than this are dropped. Default 14 days.
    public var maxAge: Duration
    /// When the entries together hold more bytes than this, the oldest are dropped (the newest is always kept).
    /// Default 256 MiB.
    public var maxBytes: Int = 256 << 20

    public init(maxEntries: Int = 10_000, maxAge: Duration = .seconds(14 * 86400)) {
        self.maxEntries = maxEntries
        self.maxAge = maxAge
    }

    /// A fresh entry id: time-ordered and unique.
    package static func newEntryID(now: Date = Date()) -> String {
        "\(Int64(now.timeIntervalSince1970 * 1000))-\(RandomID.uuidString().prefix(8))"
    }

    /// One page of entries, newest first: `limit` entries after skipping the `offset` newest. A page costs
    /// O(log n + limit) in Redis however long the queue is.
    /// - Throws: ``Broker/RedisError``.
    public func list(limit: Int = 100, offset: Int = 0, on connection: RedisConnection) throws -> [DeadLetterEntry] {
        guard limit > 0 else { return [] }
        let first = max(0, offset)
        let ids = try connection.send(["ZREVRANGE", WorkerKeys.deadLetterIndex, String(first), String(first + limit - 1)]).array ?? []
        let names = ids.compactMap(\.string)
        guard !names.isEmpty else { return [] }
        let values = try connection.send(["HMGET", WorkerKeys.deadLetterEntries] + names).array ?? []
        return values.compactMap { value in
            value.string.flatMap { try? JSONValue.parse($0) }.flatMap(DeadLetterEntry.init(json:))
        }
    }

    /// The number of entries.
    public func count(on connection: RedisConnection) throws -> Int {
        try connection.send(["ZCARD", WorkerKeys.deadLetterIndex]).integer ?? 0
    }

    /// One entry, or `nil`.
    public func entry(id: String, on connection: RedisConnection) throws -> DeadLetterEntry? {
        guard let raw = try connection.send(["HGET", WorkerKeys.deadLetterEntries, id]).string else { return nil }
        return (try? JSONValue.parse(raw)).flatMap(DeadLetterEntry.init(json:))
    }

    /// Deletes every entry.
    /// - Returns: how many were deleted.
    @discardableResult
    public func purge(on connection: RedisConnection) throws -> Int {
        let replies = try connection.pipeline([
            ["MULTI"], ["ZCARD", WorkerKeys.deadLetterIndex],
            ["DEL", WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries, WorkerKeys.deadLetterBytes, WorkerKeys.deadLetterReasons],
            ["EXEC"],
        ])
        return replies.last?.array?.first?.integer ?? 0
    }
}
