import Broker

/// Pausing a queue (docs/flow-control.md): its name in ``WorkerKeys/pausedQueues``. The fetch script takes
/// nothing from a paused queue (no bucket, no idle `BLMOVE` either: a message it moved goes straight back);
/// producers keep pushing to it and due ETA messages are still promoted into it. Resuming removes the name.
package enum QueuePause {
    /// Pauses `queue`; returns whether it was running before.
    /// - Throws: ``QueuePauseError`` for a name that cannot be a queue, ``RedisError`` when Redis cannot be written.
    @discardableResult
    package static func pause(_ queue: String, on connection: RedisConnection) throws -> Bool {
        try check(queue)
        return try connection.send(["SADD", WorkerKeys.pausedQueues, queue]).integer == 1
    }

    /// Resumes `queue`; returns whether it was paused.
    /// - Throws: ``QueuePauseError`` for a name that cannot be a queue, ``RedisError`` when Redis cannot be written.
    @discardableResult
    package static func resume(_ queue: String, on connection: RedisConnection) throws -> Bool {
        try check(queue)
        return try connection.send(["SREM", WorkerKeys.pausedQueues, queue]).integer == 1
    }

    /// The paused queues, sorted.
    /// - Throws: ``RedisError`` when Redis cannot be read.
    package static func paused(on connection: RedisConnection) throws(RedisError) -> [String] {
        (try connection.send(["SMEMBERS", WorkerKeys.pausedQueues]).array ?? []).compactMap(\.string).sorted()
    }

    private static func check(_ queue: String) throws(QueuePauseError) {
        if let problem = MessageLimits.queueProblem(queue) {
            throw QueuePauseError(description: "queue name \"\(queue.prefix(80))\" \(problem); name a queue such as celery")
        }
        if queue.contains(PriorityBuckets.separator) {
            throw QueuePauseError(description: "queue name \"\(queue.prefix(80))\" names a priority bucket; pause the queue itself")
        }
    }
}

/// A queue name that cannot be paused or resumed.
package struct QueuePauseError: Error, CustomStringConvertible {
    package var description: String
}

/// The control commands flow control answers, for the control dispatcher (``ControlListener``) to look up by
/// name: `pause_queue` / `resume_queue` with argument `queue`. Replies are Celery's `{"ok": ...}` /
/// `{"error": ...}` shapes.
package enum FlowControlCommands {
    package typealias Handler = @Sendable (_ arguments: JSONObject, _ connection: RedisConnection) -> JSONValue

    package static let handlers: [String: Handler] = [
        "pause_queue": { arguments, connection in
            reply(arguments) { try QueuePause.pause($0, on: connection) ? "queue \($0) paused" : "queue \($0) already paused" }
        },
        "resume_queue": { arguments, connection in
            reply(arguments) { try QueuePause.resume($0, on: connection) ? "queue \($0) resumed" : "queue \($0) was not paused" }
        },
    ]

    private static func reply(_ arguments: JSONObject, _ action: (String) throws -> String) -> JSONValue {
        guard let queue = arguments["queue"]?.stringValue else { return ["error": "missing argument: queue"] }
        do {
            return ["ok": .string(try action(queue))]
        } catch {
            return ["error": .string("\(error)")]
        }
    }
}
