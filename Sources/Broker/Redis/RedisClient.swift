import Dispatch
import Logging

/// An async front for a ``RedisConnection``: every call runs on the connection's own serial
/// dispatch queue, so a blocking command never blocks Swift's cooperative thread pool.
///
/// The queue is also a task executor (``executor``). A task that talks to Redis in a tight loop
/// (a bulk sender, say) can run with it as its executor preference,
/// `withTaskExecutorPreference(client.executor) { … }`: its calls then run in place, with no thread
/// hop per command.
public final class RedisClient: Sendable {
    /// The underlying connection.
    public let connection: RedisConnection
    /// The executor the connection's blocking calls run on.
    public let executor: RedisExecutor

    /// Creates a client over a new connection (connecting on first use).
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "celerity.redis")) {
        self.connection = RedisConnection(configuration: configuration, logger: logger)
        self.executor = RedisExecutor(label: "celerity.redis.\(configuration.address)")
    }

    /// Closes the connection and frees its hiredis context; the next call connects again.
    /// - SeeAlso: ``RedisConnection/close()``
    public func close() {
        connection.close()
    }

    /// Runs `body` with exclusive use of the connection, on ``executor``.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws -> T
    ) async throws -> T {
        let connection = self.connection
        return try await withTaskExecutorPreference(executor) { try body(connection) }
    }

    /// Sends one command. - SeeAlso: ``RedisConnection/send(_:blockingFor:)``
    @discardableResult
    public func send(_ arguments: [String], blockingFor: Duration = .zero) async throws -> RedisReply {
        try await withConnection { try $0.send(arguments, blockingFor: blockingFor) }
    }

    /// Sends several commands in one write. - SeeAlso: ``RedisConnection/pipeline(_:)``
    @discardableResult
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        try await withConnection { try $0.pipeline(commands) }
    }

    /// Runs a Lua script. - SeeAlso: ``RedisConnection/evaluate(_:keys:arguments:)``
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws -> RedisReply {
        try await withConnection { try $0.evaluate(script, keys: keys, arguments: arguments) }
    }
}

/// A task executor over a serial dispatch queue: where a ``RedisClient`` runs blocking calls.
public final class RedisExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
