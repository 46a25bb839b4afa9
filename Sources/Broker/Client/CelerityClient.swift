#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Sends tasks and reads their results, from Swift, speaking Celery's protocol v2 on Redis: what
/// `app.send_task()` and `AsyncResult` are in Python. Any Celery or Celerity worker can run the tasks.
public final class CelerityClient: Sendable {
    /// The Redis connection used for sending and for GETs.
    public let redis: RedisClient
    /// Where results are read.
    public let results: ResultBackend
    /// The `hostname` label of this client's sends in `celery_task_sent_total` (``SentCounter``).
    public let sender: String
    private let sentEvents: SentEvents?
    private let logger: Logger

    /// Creates a client; it connects on first use.
    /// - Parameters:
    ///   - sender: who its sends are counted under: `gen@<host>` unless given.
    ///   - sendSentEvents: publish a `task-sent` event for each task sent, as a Celery client with
    ///     `task_send_sent_event = True` does (Flower then shows the task as PENDING). Default off, as Celery's.
    public init(
        configuration: RedisConfiguration, results: ResultBackend = ResultBackend(), sender: String = SentCounter.clientSender,
        sendSentEvents: Bool = false, logger: Logger = Logger(label: "celerity.client")
    ) {
        self.redis = RedisClient(configuration: configuration, logger: logger)
        self.results = results
        self.sender = sender
        self.sentEvents = sendSentEvents ? SentEvents(database: configuration.database) : nil
        self.logger = logger
    }

    /// Closes the client's Redis connection and frees its hiredis context now, rather than when the client is
    /// released (its deinit frees it too). A call after `close()` connects again.
    public func close() {
        redis.close()
    }

    /// Sends task `name` and returns its id.
    /// - Parameters:
    ///   - name: the registered task name, e.g. `invoices.process`.
    ///   - args: positional arguments.
    ///   - kwargs: keyword arguments.
    ///   - options: queue, priority, countdown/eta, expires, time limits, ignoreResult, explicit task id.
    /// - Throws: ``RedisError`` when the message could not be pushed.
    @discardableResult
    public func enqueue(
        _ name: String, args: [JSONValue] = [], kwargs: JSONObject = [:], options: TaskOptions = TaskOptions()
    ) async throws -> String {
        let message = TaskMessage.make(task: name, args: args, kwargs: kwargs, options: options)
        try await send(message)
        return message.id
    }

    /// Sends task `name` with `Codable` arguments and returns its id. A value that encodes to a JSON
    /// object becomes the keyword arguments, an array the positional ones, anything else one argument.
    /// - Throws: `EncodingError`, or ``RedisError`` when the message could not be pushed.
    @discardableResult
    public func enqueue(
        _ name: String, arguments: some Encodable, options: TaskOptions = TaskOptions()
    ) async throws -> String {
        switch try JSONValue(encoding: arguments) {
        case .object(let kwargs): return try await enqueue(name, kwargs: kwargs, options: options)
        case .array(let args): return try await enqueue(name, args: args, options: options)
        case let single: return try await enqueue(name, args: [single], options: options)
        }
    }

    /// Pushes an already built message onto its queue's priority bucket (`LPUSH`, as kombu does) and counts
    /// it in `celery_task_sent_total` in the same round trip.
    public func send(_ message: TaskMessage) async throws {
        let commands = [
            ["LPUSH", message.listKey, message.encoded()],
            SentCounter.command(queue: message.queue, name: message.task, sender: sender),
        ] + (sentEvents?.commands(for: message) ?? [])
        _ = try await redis.withConnection { try $0.sendAll(commands) }
        logger.debug(
            "task sent",
            metadata: ["task.id": "\(message.id)", "task.name": "\(message.task)", "queue.name": "\(message.queue)"]
        )
    }

    /// Pushes many messages in one pipelined round trip, counting them as ``send(_:)`` does.
    public func send(batch messages: [TaskMessage]) async throws {
        let commands = messages.map { ["LPUSH", $0.listKey, $0.encoded()] } + SentCounter.commands(for: messages, sender: sender)
            + (sentEvents.map { events in messages.flatMap(events.commands(for:)) } ?? [])
        _ = try await redis.withConnection { try $0.sendAll(commands) }
    }

    /// The task's current state: PENDING when nothing is stored.
    public func result(_ taskID: String) async throws -> TaskResult {
        let results = self.results
        return try await redis.withConnection { try results.fetch(taskID: taskID, on: $0) }
    }

    /// Waits for the task to finish (SUCCESS, FAILURE or REVOKED), following Celery's
    /// SUBSCRIBE → GET → wait-for-PUBLISH sequence on a connection of its own. When the connection breaks
    /// while waiting (Redis restarted), it subscribes and reads again, since a PUBLISH sent meanwhile is lost.
    /// - Throws: ``ResultTimeoutError`` when `timeout` passes first.
    public func result(_ taskID: String, timeout: Duration) async throws -> TaskResult {
        let results = self.results
        let deadline = ContinuousClock.now + timeout
        let subscriber = RedisClient(configuration: redis.connection.configuration, logger: logger)
        defer { subscriber.connection.close() }
        while true {
            try await subscriber.withConnection { try results.subscribe(taskID: taskID, on: $0) }
            let latest = try await result(taskID)
            let remaining = max(.zero, deadline - ContinuousClock.now)
            do {
                return try await subscriber.withConnection {
                    try results.waitForPublishedReady(taskID: taskID, latest: latest, timeout: remaining, on: $0)
                }
            } catch var error as ResultTimeoutError {
                error.waited = timeout
                throw error
            } catch let error as RedisError where error.isTransport {
                logger.info(
                    "lost the Redis connection while waiting for a result; subscribing again",
                    metadata: ["task.id": "\(taskID)", "error": "\(error.message)"]
                )
            }
        }
    }

    /// The number of ready messages in each priority bucket of each queue.
    public func queueDepths(_ queues: [String]) async throws -> [QueueDepth] {
        let steps = PriorityBuckets.steps
        let keys = queues.flatMap { PriorityBuckets.listKeys(queue: $0) }
        let replies = try await redis.pipeline(keys.map { ["LLEN", $0] })
        var depths: [QueueDepth] = []
        for (index, queue) in queues.enumerated() {
            let counts = steps.indices.map { replies[index * steps.count + $0].integer ?? 0 }
            depths.append(QueueDepth(queue: queue, buckets: Array(zip(steps, counts))))
        }
        return depths
    }

    /// Queue names found in Redis: every list whose name is a Celery queue or one of its priority buckets
    /// (Celerity's own `celerity:*` keys, result keys and pidbox reply lists excluded).
    public func discoverQueues() async throws -> [String] {
        try await redis.withConnection { connection in
            var cursor = "0"
            var names = Set<String>()
            repeat {
                let reply = try connection.send(["SCAN", cursor, "COUNT", "1000", "TYPE", "list"])
                guard let parts = reply.array, parts.count == 2 else { break }
                cursor = parts[0].string ?? "0"
                for key in parts[1].array ?? [] {
                    guard let name = key.string, !name.hasPrefix("celerity:"), !name.hasPrefix("celery-task-meta-"),
                        !name.hasSuffix(".pidbox")
                    else { continue }
                    let queue = name.components(separatedBy: PriorityBuckets.separator).first ?? name
                    if !queue.hasSuffix(".pidbox") { names.insert(queue) }
                }
            } while cursor != "0"
            return names.sorted()
        }
    }
}

/// How many ready messages one queue holds, per priority bucket.
public struct QueueDepth: Sendable, Hashable {
    public var queue: String
    /// (bucket step, count) for steps 0, 3, 6, 9.
    public var buckets: [(step: Int, count: Int)]

    /// All ready messages of the queue.
    public var total: Int { buckets.reduce(0) { $0 + $1.count } }

    public static func == (lhs: QueueDepth, rhs: QueueDepth) -> Bool {
        lhs.queue == rhs.queue && lhs.buckets.map(\.count) == rhs.buckets.map(\.count)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(queue)
        hasher.combine(buckets.map(\.count))
    }
}
