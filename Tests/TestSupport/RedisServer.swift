import Broker
import Foundation

/// A real `redis-server` on a free loopback port with its data in a scratch directory, for integration tests.
///
/// The server also listens on a unix socket, ``unixSocketPath``. Use the scoped
/// ``withRedisServer(appendOnly:extraArguments:isolation:_:)``, which stops the server even when the test
/// throws; a server still running when the last reference goes away is killed and its directory removed.
///
/// ```swift
/// try await withRedisServer { redis in
///     #expect(try redis.command("SET", "k", "v") == .simple("OK"))
/// }
/// ```
///
/// The binary is `redis-server` from `PATH`, or the path in `CELERITY_REDIS_SERVER`.
public final class RedisServer: Sendable {
    /// The loopback TCP port the server listens on.
    public let port: Int
    /// The server's scratch directory: working directory, AOF files, unix socket.
    public let directory: URL
    /// Whether the append-only file is enabled, so that data survives ``restart()``.
    public let appendOnly: Bool

    private let executable: String
    private let extraArguments: [String]
    private let startTimeout: Duration
    private let state = Locked<State>(State())

    private struct State {
        var child: ChildProcess?
        var stopped = false
    }

    /// The host the server listens on: `127.0.0.1`.
    public var host: String { "127.0.0.1" }

    /// `redis://127.0.0.1:<port>/0`.
    public var url: String { url(database: 0) }

    /// `redis://127.0.0.1:<port>/<database>`.
    public func url(database: Int) -> String { "redis://127.0.0.1:\(port)/\(database)" }

    /// The path of the unix socket the server also listens on (mode 700).
    ///
    /// Python's kombu spells a URL for it `redis+socket://<path>`; redis-py spells it `unix://<path>`.
    public var unixSocketPath: String { directory.appendingPathComponent("redis.sock").path }

    /// The process id of the running server, or `nil` when it is not running.
    public var pid: Int32? { state.withLock { $0.child?.isRunning == true ? $0.child?.pid : nil } }

    /// Everything the current server process has logged.
    public var log: String { state.withLock { $0.child?.output ?? "" } }

    private init(
        executable: String, port: Int, directory: URL, appendOnly: Bool, extraArguments: [String],
        startTimeout: Duration
    ) {
        self.executable = executable
        self.port = port
        self.directory = directory
        self.appendOnly = appendOnly
        self.extraArguments = extraArguments
        self.startTimeout = startTimeout
    }

    deinit {
        state.withLock { $0.child?.kill() }
        HarnessEnvironment.removeTemporaryDirectory(directory)
    }

    /// Starts a server on a free loopback port and waits until it answers `PING`.
    ///
    /// - Parameters:
    ///   - appendOnly: Enables the append-only file (`appendfsync everysec`), so data survives ``restart()``.
    ///   - extraArguments: More `redis-server` options, e.g. `["--maxmemory", "10mb"]`.
    ///   - startTimeout: How long to wait for the first `PONG`.
    /// - Returns: The running server. Call ``stop()`` when done.
    /// - Throws: ``HarnessError`` when `redis-server` is missing, exits, or does not answer in time.
    public static func start(
        appendOnly: Bool = false,
        extraArguments: [String] = [],
        startTimeout: Duration = .seconds(10)
    ) async throws -> RedisServer {
        let executable = try HarnessEnvironment.require(
            "redis-server", override: "CELERITY_REDIS_SERVER", hint: "apt-get install redis-server"
        )
        var lastError: HarnessError?
        for _ in 1...3 {
            let directory = try HarnessEnvironment.makeTemporaryDirectory(prefix: "celerity-redis")
            let server = RedisServer(
                executable: executable, port: try FreePort.allocate(), directory: directory, appendOnly: appendOnly,
                extraArguments: extraArguments, startTimeout: startTimeout
            )
            do {
                try await server.launch()
                return server
            } catch let error as HarnessError where error.code == .portInUse {
                lastError = error  // Another process took the port between allocation and bind: try another.
            }
        }
        throw lastError!
    }

    private var commandLine: [String] {
        [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path,
            "--unixsocket", unixSocketPath, "--unixsocketperm", "700",
            "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--daemonize", "no",
            "--loglevel", "notice",
        ] + extraArguments
    }

    /// Starts the process and waits for `PONG`.
    private func launch() async throws {
        let child = try ChildProcess(executable, arguments: commandLine, workingDirectory: directory)
        state.withLock { $0.child = child }
        do {
            try await poll(timeout: startTimeout, interval: .milliseconds(10), "redis-server on port \(port) answers PING") {
                if child.termination != nil {
                    let code: HarnessError.Code = child.output.contains("Address already in use")
                        ? .portInUse : .serverDidNotStart
                    throw HarnessError(code, "redis-server exited before answering PING\n\(child.diagnostics())")
                }
                let reply = try? RESPClient.command(["PING"], to: .tcp(port: port), timeout: .seconds(1))
                if case .error(let message)? = reply, message.hasPrefix("NOAUTH") { return true }  // --requirepass
                return reply == .simple("PONG")
            }
        } catch let error as HarnessError where error.code == .timeout {
            await child.stop(gracePeriod: .seconds(1))
            throw HarnessError(.serverDidNotStart, "\(error.message)\n\(child.diagnostics())")
        } catch {
            await child.stop(gracePeriod: .seconds(1))
            throw error
        }
    }

    /// Stops the server gracefully (`SIGTERM`, which flushes the AOF; `SIGKILL` after 10 s) and removes its
    /// directory. Calling it again does nothing.
    public func stop() async {
        let child = state.withLock { state -> ChildProcess? in
            defer { state.stopped = true }
            return state.stopped ? nil : state.child
        }
        await child?.stop(gracePeriod: .seconds(10))
        HarnessEnvironment.removeTemporaryDirectory(directory)
    }

    /// Kills the server with `SIGKILL` and waits until it is gone; the directory is kept, so ``restart()`` can
    /// bring the server back with whatever reached the AOF.
    public func kill() async {
        guard let child = state.withLock({ $0.child }) else { return }
        child.kill()
        await child.stop(gracePeriod: .seconds(10))
    }

    /// Stops the server gracefully if it is running, then starts it again on the same port and directory, so
    /// that data in the AOF survives; returns once it answers `PING`.
    ///
    /// - Throws: ``HarnessError`` if the server was stopped with ``stop()`` or does not come back.
    public func restart() async throws {
        let child = try state.withLock { state -> ChildProcess? in
            guard !state.stopped else {
                throw HarnessError(.serverDidNotStart, "restart() called after stop() on redis port \(port)")
            }
            return state.child
        }
        await child?.stop(gracePeriod: .seconds(10))
        try await launch()
    }

    /// Sends one command over a fresh TCP connection and returns the reply.
    ///
    /// This client is independent of the code under test, for assertions. Error replies are returned as
    /// ``RESPValue/error(_:)``, not thrown.
    /// - Parameters:
    ///   - arguments: The command and its arguments, e.g. `["LRANGE", "celery", "0", "-1"]`.
    ///   - timeout: The socket's send and receive timeout.
    /// - Throws: ``HarnessError`` when the server cannot be reached or the reply cannot be parsed.
    @discardableResult
    public func command(_ arguments: [String], timeout: Duration = .seconds(5)) throws -> RESPValue {
        try RESPClient.command(arguments, to: .tcp(port: port), timeout: timeout)
    }

    /// Sends one command over a fresh TCP connection and returns the reply: `command("GET", "key")`.
    @discardableResult
    public func command(_ arguments: String...) throws -> RESPValue {
        try command(arguments)
    }

    /// Sends one command over a fresh connection to the unix socket and returns the reply.
    @discardableResult
    public func commandOverUnixSocket(_ arguments: [String], timeout: Duration = .seconds(5)) throws -> RESPValue {
        try RESPClient.command(arguments, to: .unix(path: unixSocketPath), timeout: timeout)
    }
}

/// Starts a ``RedisServer``, runs `body` with it, and always stops it afterwards, also when `body` throws.
///
/// - Parameters:
///   - appendOnly: Enables the append-only file, so data survives ``RedisServer/restart()``.
///   - extraArguments: More `redis-server` options.
///   - body: The test code.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws, or ``HarnessError`` when the server cannot start.
public func withRedisServer<T>(
    appendOnly: Bool = false,
    extraArguments: [String] = [],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (RedisServer) async throws -> T
) async throws -> T {
    let server = try await RedisServer.start(appendOnly: appendOnly, extraArguments: extraArguments)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
