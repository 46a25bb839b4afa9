import Broker

/// How long a unique task's lock lasts (docs/flow-control.md, "Unique jobs").
public enum Uniqueness: Sendable, Hashable {
    /// From the send until the job is acknowledged, dead-lettered or revoked: released in that same Lua step,
    /// never by a time-out, so it can neither leak nor expire under a running job. Retries keep it.
    case whileQueuedOrRunning
    /// For this long after the send (a lock with a time-to-live), however soon the job finishes.
    case forPeriod(Duration)
}

/// Task parameters of which at most one job is queued or running at a time: a second send while the first
/// holds the lock returns the first's task id instead of sending (`CelerityClient.enqueue`).
public protocol UniqueTaskParameters: TaskParameters {
    /// The lock's lifetime.
    static var uniqueness: Uniqueness { get }
    /// What makes two sends the same job. Default: the task name and all arguments.
    var uniqueKey: String { get }
}

extension UniqueTaskParameters {
    public var uniqueKey: String {
        let arguments = try? TaskArguments(self)
        return CelerityClient.uniqueKey(task: Self.taskName, args: arguments?.args ?? [], kwargs: arguments?.kwargs ?? [:])
    }
}

/// The unique-job lock: `celerity:unique:<sha1 of the key>` holds the task id of the job that owns it. The
/// message names its key in the `celerity_unique` header (a Python producer sets it by hand: the worker then
/// claims the lock when it takes the message and drops a duplicate with a result naming the first).
public enum UniqueJobs {
    /// The header naming the message's unique key.
    public static let keyHeader = "celerity_unique"
    /// The header giving a `.forPeriod` lock's lifetime in seconds (absent: `.whileQueuedOrRunning`).
    public static let periodHeader = "celerity_unique_for"
    /// The lock keys' prefix (+ sha1 of the unique key).
    public static let lockPrefix = "celerity:unique:"

    /// The longest unique key used (bytes); a longer one is cut, as the fetch script cuts it.
    public static let maxKeyBytes = 1024

    /// Sends `message` unless its lock is held: one step. Returns the task id holding the lock (the message's
    /// own id when it was sent).
    /// KEYS: ready list. ARGV: unique key, task id, lifetime in seconds ('' for whileQueuedOrRunning), message.
    public static let send = RedisScript(
        name: "unique-send",
        source: """
            local lock = '\(lockPrefix)' .. redis.sha1hex(string.sub(ARGV[1], 1, \(maxKeyBytes)))
            local holder = redis.call('GET', lock)
            if holder then return holder end
            if ARGV[3] ~= '' then redis.call('SET', lock, ARGV[2], 'EX', ARGV[3]) else redis.call('SET', lock, ARGV[2]) end
            redis.call('LPUSH', KEYS[1], ARGV[4])
            return ARGV[2]
            """
    )

    /// Claims the lock of a taken message (a Python producer's message, or a Swift one whose period expired):
    /// returns the task id holding it, the message's own when it holds it now.
    /// KEYS: none. ARGV: unique key, task id, lifetime in seconds ('' for whileQueuedOrRunning).
    public static let claim = RedisScript(
        name: "unique-claim",
        source: """
            local lock = '\(lockPrefix)' .. redis.sha1hex(string.sub(ARGV[1], 1, \(maxKeyBytes)))
            local holder = redis.call('GET', lock)
            if holder then return holder end
            if ARGV[3] ~= '' then redis.call('SET', lock, ARGV[2], 'EX', ARGV[3]) else redis.call('SET', lock, ARGV[2]) end
            return ARGV[2]
            """
    )

    /// The lifetime argument of the scripts for `uniqueness`.
    static func lifetime(_ uniqueness: Uniqueness) -> String {
        switch uniqueness {
        case .whileQueuedOrRunning: return ""
        case .forPeriod(let duration): return String(max(1, Int(duration.components.seconds)))
        }
    }

    /// The headers that mark a message unique under `key`.
    static func headers(key: String, uniqueness: Uniqueness) -> JSONObject {
        var headers: JSONObject = [keyHeader: .string(String(decoding: key.utf8.prefix(maxKeyBytes), as: UTF8.self))]
        if case .forPeriod = uniqueness { headers[periodHeader] = .string(lifetime(uniqueness)) }
        return headers
    }

    /// Marks `message` unique under `key`.
    static func mark(_ message: inout TaskMessage, key: String, uniqueness: Uniqueness) {
        for member in headers(key: key, uniqueness: uniqueness).members { message.headers[member.key] = member.value }
    }
}

extension CelerityClient {
    /// Sends a unique job unless one with the same key is queued or running (or sent within its period):
    /// returns the id of the job that holds the lock — this one's when it was sent.
    /// - Throws: `EncodingError` when a parameter cannot be encoded, ``RedisError`` when Redis cannot be written.
    public func enqueueUnique<Parameters: UniqueTaskParameters>(
        _ parameters: Parameters, options: SendOptions = SendOptions()
    ) async throws -> String {
        let message = try Signature(parameters, options: options).message()
        return try await enqueueUnique(message, key: parameters.uniqueKey, uniqueness: Parameters.uniqueness)
    }

    /// Sends `message` as a unique job under `key` unless that key's lock is held: returns the holder's task id
    /// (`message`'s own when it was sent). `celerity enqueue --unique` uses it.
    /// - Throws: ``RedisError`` when Redis cannot be written.
    public func enqueueUnique(_ message: TaskMessage, key: String, uniqueness: Uniqueness) async throws -> String {
        var message = message
        UniqueJobs.mark(&message, key: key, uniqueness: uniqueness)
        let arguments = [key, message.id, UniqueJobs.lifetime(uniqueness), message.encoded()]
        let list = message.listKey
        let holder = try await redis.withConnection { connection in
            try connection.evaluate(UniqueJobs.send, keys: [list], arguments: arguments)
        }
        guard let id = holder.string else {
            throw RedisError(code: .reply, message: "unique send: unexpected reply \(holder)", endpoint: redis.connection.configuration.redactedURL)
        }
        return id
    }

    /// The default unique key of a call: the task name and all its arguments.
    public static func uniqueKey(task: String, args: [JSONValue], kwargs: JSONObject) -> String {
        task + " " + JSONValue.array(args).serialized + JSONValue.object(kwargs).serialized
    }
}
