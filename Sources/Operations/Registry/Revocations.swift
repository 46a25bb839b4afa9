import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Revoked task ids, kept in Redis with an expiry (Celery keeps them in worker memory only, so a
/// worker started later runs a task that was revoked before it started).
public struct Revocations: Sendable {
    /// How long a revocation is remembered. Default one day (Celery's result lifetime).
    public var timeToLive: Duration

    public init(timeToLive: Duration = .seconds(86400)) {
        self.timeToLive = timeToLive
    }

    /// Revokes a task: it will not start; with `terminate`, a worker running it kills its process.
    /// Also stores the REVOKED state (unless SUCCESS is stored) so clients see it at once.
    public func revoke(
        taskID: String, terminate: Bool, backend: ResultBackend, on connection: RedisConnection, now: Date = Date()
    ) throws {
        try record(taskID: taskID, on: connection, now: now)
        // Python Celery workers sharing the queues do not read Celerity's revoked set: tell them as Celery does.
        let pidbox = "/\(connection.configuration.database).celery.pidbox"
        try connection.send(["PUBLISH", pidbox, Self.celeryBroadcast(taskID: taskID, terminate: terminate, now: now)])
        if terminate {
            let message: JSONValue = ["method": "revoke", "task_id": .string(taskID), "terminate": true]
            try connection.send(["PUBLISH", WorkerKeys.control, message.serialized])
        } else {
            try backend.store(Self.revokedResult(taskID: taskID, reason: "revoked"), on: connection)
        }
    }

    /// Celery's broadcast `revoke` command (wire spec §9), as `app.control.revoke(id, terminate=…)` publishes it on
    /// `/{db}.celery.pidbox`; it expires one second after `now`, as Celery's does.
    package static func celeryBroadcast(taskID: String, terminate: Bool, now: Date = Date()) -> String {
        let body: JSONValue = [
            "method": "revoke",
            "arguments": ["task_id": .string(taskID), "terminate": .bool(terminate), "signal": "SIGTERM"],
            "destination": nil, "pattern": nil, "matcher": nil,
        ]
        return KombuEnvelope.encode(
            body: body, headers: ["clock": 0, "expires": .double(now.timeIntervalSince1970 + 1)],
            exchange: "celery.pidbox", routingKey: "", deliveryMode: 2
        )
    }

    /// Adds `taskID` to the persistent revoked set (and drops expired entries).
    package func record(taskID: String, on connection: RedisConnection, now: Date = Date()) throws {
        let expiry = now.timeIntervalSince1970 + timeToLive.seconds
        try connection.pipeline([
            ["ZADD", WorkerKeys.revoked, String(expiry), taskID],
            ["ZREMRANGEBYSCORE", WorkerKeys.revoked, "-inf", String(now.timeIntervalSince1970)],
        ])
    }

    /// Celery's REVOKED document: `TaskRevokedError` with `reason` (`revoked`, `expired`, `terminated`).
    public static func revokedResult(taskID: String, reason: String, now: Date = Date()) -> TaskResult {
        TaskResult(
            taskID: taskID, state: .revoked,
            result: RemoteError(type: "TaskRevokedError", message: reason, module: "celery.exceptions").json,
            children: .null, dateDone: now
        )
    }
}
