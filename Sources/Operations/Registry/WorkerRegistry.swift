import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one worker node (a supervisor and its processes) tells others about itself; shown by `celerity workers`.
public struct WorkerInfo: Sendable, Hashable {
    public var node: String
    public var host: String
    public var pid: Int
    public var queues: [String]
    public var concurrency: Int
    public var started: Date
    public var processed: Int
    /// Per process slot: the task it is running (`name id`), or `idle`.
    public var current: [String]
    public var lastSeen: Date
    /// Worker processes restarted since the node started (crashes, kills, time limits).
    public var restarts: Int
    /// How many processes the node would run now (its autoscaler's decision, or its fixed pool size), for
    /// external autoscalers (`celerity_worker_desired_processes`).
    public var desiredProcesses: Int = 0

    package var json: JSONValue {
        [
            "desired_processes": .int(desiredProcesses),
            "node": .string(node), "host": .string(host), "pid": .int(pid), "queues": .array(queues.map(JSONValue.string)),
            "concurrency": .int(concurrency), "started": .double(started.timeIntervalSince1970),
            "processed": .int(processed), "current": .array(current.map(JSONValue.string)),
            "last_seen": .double(lastSeen.timeIntervalSince1970), "restarts": .int(restarts),
        ]
    }

    package init(
        node: String, host: String, pid: Int, queues: [String], concurrency: Int, started: Date, processed: Int,
        current: [String], lastSeen: Date, restarts: Int = 0
    ) {
        self.node = node
        self.host = host
        self.pid = pid
        self.queues = queues
        self.concurrency = concurrency
        self.started = started
        self.processed = processed
        self.current = current
        self.lastSeen = lastSeen
        self.restarts = restarts
    }

    package init?(json: JSONValue) {
        guard let node = json["node"]?.stringValue else { return nil }
        self.node = node
        host = json["host"]?.stringValue ?? ""
        pid = json["pid"]?.intValue ?? 0
        queues = json["queues"]?.arrayValue?.compactMap(\.stringValue) ?? []
        concurrency = json["concurrency"]?.intValue ?? 0
        started = Date(timeIntervalSince1970: json["started"]?.doubleValue ?? 0)
        processed = json["processed"]?.intValue ?? 0
        current = json["current"]?.arrayValue?.compactMap(\.stringValue) ?? []
        lastSeen = Date(timeIntervalSince1970: json["last_seen"]?.doubleValue ?? 0)
        restarts = json["restarts"]?.intValue ?? 0
        desiredProcesses = json["desired_processes"]?.intValue ?? concurrency
    }
}

/// Worker registrations in Redis, each with a TTL so a dead node disappears by itself.
public enum WorkerRegistry {
    /// Registers or refreshes a node for `ttl`.
    package static func publish(_ info: WorkerInfo, ttl: Duration, on connection: RedisConnection) throws {
        let expiry = info.lastSeen.timeIntervalSince1970 + ttl.seconds
        try connection.sendAll([
            ["SET", WorkerKeys.worker(info.node), info.json.serialized, "PX", String(max(1, ttl.wholeMilliseconds))],
            ["ZADD", WorkerKeys.workers, String(expiry), info.node],
            ["ZREMRANGEBYSCORE", WorkerKeys.workers, "-inf", String(info.lastSeen.timeIntervalSince1970)],
        ])
    }

    /// Removes a node (at shutdown).
    package static func remove(node: String, on connection: RedisConnection) throws {
        try connection.pipeline([["DEL", WorkerKeys.worker(node)], ["ZREM", WorkerKeys.workers, node]])
    }

    /// The nodes alive now.
    public static func list(on connection: RedisConnection, now: Date = Date()) throws -> [WorkerInfo] {
        let names = (try connection.send(["ZRANGEBYSCORE", WorkerKeys.workers, String(now.timeIntervalSince1970), "+inf"]).array ?? [])
            .compactMap(\.string)
        guard !names.isEmpty else { return [] }
        let values = try connection.send(["MGET"] + names.map(WorkerKeys.worker)).array ?? []
        return values.compactMap { $0.string.flatMap { try? JSONValue.parse($0) }.flatMap(WorkerInfo.init(json:)) }
    }
}
