#if canImport(Glibc)
import Glibc
#endif

/// Celery's Redis result backend (wire spec §6): `celery-task-meta-<id>` keys plus a PUBLISH of the
/// same bytes on the channel of the same name, which is what wakes a waiting `AsyncResult.get()`.
public struct ResultBackend: Sendable {
    /// How long a result is kept; `nil` keeps it forever (plain SET). Celery's default is one day.
    public var timeToLive: Duration?

    public init(timeToLive: Duration? = .seconds(86400)) {
        self.timeToLive = timeToLive
    }

    /// The key (and pub/sub channel) of a task's result.
    public static func key(taskID: String) -> String { "celery-task-meta-" + taskID }

    /// Reads the stored state, and unless it is SUCCESS, replaces it and publishes the same bytes.
    ///
    /// Celery's worker sends `GET`, then `MULTI SETEX … PUBLISH … EXEC`; this script does the same
    /// steps in one atomic call, so a late duplicate can never overwrite a SUCCESS between the read
    /// and the write. With no TTL it uses plain `SET`, as Celery does for `result_expires=None`.
    static let storeScript = RedisScript(
        name: "store-result",
        source: """
            local current = redis.call('GET', KEYS[1])
            if current then
              local ok, doc = pcall(cjson.decode, current)
              if ok and type(doc) == 'table' and doc['status'] == 'SUCCESS' then return 0 end
            end
            local ttl = tonumber(ARGV[2])
            if ttl and ttl > 0 then
              redis.call('SETEX', KEYS[1], ttl, ARGV[1])
            else
              redis.call('SET', KEYS[1], ARGV[1])
            end
            redis.call('PUBLISH', KEYS[1], ARGV[1])
            return 1
            """
    )

    /// The script, keys and arguments that store `result`, for callers that batch it with other work.
    public func storeInvocation(_ result: TaskResult) -> (script: RedisScript, keys: [String], arguments: [String]) {
        let ttl = timeToLive.map { String(max(1, Int($0.seconds.rounded(.up)))) } ?? "0"
        return (Self.storeScript, [Self.key(taskID: result.taskID)], [result.encoded(), ttl])
    }

    /// Stores and publishes a result unless SUCCESS is already stored.
    /// - Returns: `false` when an existing SUCCESS was kept.
    /// - Throws: ``RedisError``.
    @discardableResult
    public func store(_ result: TaskResult, on connection: RedisConnection) throws(RedisError) -> Bool {
        let invocation = storeInvocation(result)
        let reply = try connection.evaluate(invocation.script, keys: invocation.keys, arguments: invocation.arguments)
        return reply.integer == 1
    }

    /// The stored result, or PENDING when there is no key.
    /// - Throws: ``RedisError``, or ``ResultDecodingError`` for a document that is not Celery's.
    public func fetch(taskID: String, on connection: RedisConnection) throws -> TaskResult {
        let reply = try connection.send(["GET", Self.key(taskID: taskID)])
        guard let raw = reply.string else { return .pending(taskID) }
        return try TaskResult.decode(raw, taskID: taskID)
    }

    /// Subscribes `subscriber` to the task's result channel (step one of Celery's §6.2 read).
    public func subscribe(taskID: String, on subscriber: RedisConnection) throws(RedisError) {
        try subscriber.subscribe([Self.key(taskID: taskID)])
    }

    /// Waits on a subscribed connection for a published document in a ready state (SUCCESS, FAILURE,
    /// REVOKED); `latest` is the state the GET found after subscribing. Blocks the calling thread.
    /// - Throws: ``ResultTimeoutError`` with the last state seen when `timeout` passes first.
    public func waitForPublishedReady(
        taskID: String, latest: TaskResult, timeout: Duration?, on subscriber: RedisConnection
    ) throws -> TaskResult {
        let key = Self.key(taskID: taskID)
        var latest = latest
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while !latest.state.isReady {
            let remaining = deadline.map { $0 - ContinuousClock.now }
            if let remaining, let timeout, remaining <= .zero {
                throw ResultTimeoutError(taskID: taskID, lastState: latest.state, waited: timeout)
            }
            guard let push = try subscriber.nextPush(timeout: remaining) else { continue }
            guard let parts = push.array, parts.count == 3, parts[0].string == "message", parts[1].string == key,
                let payload = parts[2].string
            else { continue }
            latest = try TaskResult.decode(payload, taskID: taskID)
        }
        return latest
    }
}

/// No ready state arrived in time.
public struct ResultTimeoutError: Error, Sendable, CustomStringConvertible {
    public var taskID: String
    /// The state seen last (PENDING, STARTED or RETRY).
    public var lastState: TaskState
    public var waited: Duration

    public var description: String {
        "task \(taskID) is still \(lastState) after waiting \(waited.seconds.formatted())s"
    }
}

extension Double {
    /// A short decimal form of a wait in seconds, with at most three significant digits: `2`, `0.5`, `1.25`, `12.3`.
    func formatted() -> String {
        guard rounded() != self, abs(self) < 100 else { return String(Int(rounded())) }
        let scale = pow(10, Double(2 - Int(log10(abs(self)).rounded(.down))))
        let short = (self * scale).rounded() / scale
        return short.rounded() == short ? String(Int(short)) : String(short)
    }
}
