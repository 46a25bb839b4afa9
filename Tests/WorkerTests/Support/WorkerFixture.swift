import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One test's world: its own redis-server (from TestSupport), a client, and the `celerity-test-worker`
/// nodes it starts. `WorkerTests.withFixture` calls ``tearDown()`` also when the test throws.
final class WorkerFixture: @unchecked Sendable {
    let redis: RedisServer
    let client: CelerityClient
    /// A connection for reading and writing Redis state directly (off the cooperative pool).
    let db: RedisClient
    private let lock = NSLock()
    private var nodes: [WorkerNode] = []
    private var counter = 0

    /// The worker options every test uses: a short lease and reap interval so recovery is fast.
    static let fastRecovery = ["--lease-timeout", "2", "--reap-interval", "1"]

    /// - Parameter appendOnly: AOF with `appendfsync always`, so a crash-restart keeps every acknowledged write.
    static func start(appendOnly: Bool = false) async throws -> WorkerFixture {
        let redis = try await RedisServer.start(
            appendOnly: appendOnly, extraArguments: appendOnly ? ["--appendfsync", "always"] : []
        )
        return WorkerFixture(redis: redis)
    }

    private init(redis: RedisServer) {
        self.redis = redis
        self.configuration = Self.configuration(for: redis)
        self.client = CelerityClient(configuration: configuration)
        self.db = RedisClient(configuration: configuration)
    }

    /// How the client side reaches this test's server (patient with reconnects: Redis may be restarting).
    let configuration: RedisConfiguration

    private static func configuration(for redis: RedisServer) -> RedisConfiguration {
        var configuration = RedisConfiguration(endpoint: .tcp(host: redis.host, port: redis.port))
        configuration.reconnectTimeout = .seconds(20)
        return configuration
    }

    /// Kills every worker node still running and stops the server.
    func tearDown() async {
        for node in lock.withLock({ nodes }) { await node.kill() }
        db.connection.close()
        client.redis.connection.close()
        await redis.stop()
    }

    // MARK: - Binaries

    /// The directory holding the test bundle and the binaries built with it (`.build/debug`).
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the test runner is `…/debug/<Package>PackageTests.xctest`; elsewhere it may sit inside a bundle.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("celerity-test-worker").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }()

    static func binary(_ name: String) throws -> String {
        let path = buildDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(name) not found next to the test bundle; build with `swift build --build-tests`")
        }
        return path
    }

    // MARK: - Workers

    /// Starts `celerity-test-worker worker -c <concurrency>` with the fast-recovery options plus `options`, and waits
    /// until its supervisor has registered itself and started `concurrency` worker processes.
    @discardableResult
    func startWorker(_ options: [String] = [], concurrency: Int = 2, environment: [String: String] = [:]) async throws -> WorkerNode {
        let index = lock.withLock {
            counter += 1
            return counter
        }
        let name = "test\(index)-\(redis.port)@localhost"
        let arguments = ["worker", "-c", String(concurrency)] + Self.fastRecovery
            + ["--hostname", name, "--redis-url", redis.url] + options
        let process = try ChildProcess(
            try Self.binary("celerity-test-worker"), arguments: arguments, environment: environment.merging(["CELERITY_REDIS_URL": redis.url]) { $1 }
        )
        let node = WorkerNode(name: name, process: process)
        lock.withLock { nodes.append(node) }
        try await poll("worker \(name) to start \(concurrency) processes", timeout: .seconds(15), node: node) {
            if let ended = process.termination { throw TestFailure("worker exited at start (\(ended))") }
            let registered = try await self.db.send(["EXISTS", "celerity:worker:" + name]).integer == 1
            return registered && node.processes().count == concurrency ? true : nil
        }
        return node
    }

    // MARK: - Polling

    /// Evaluates `condition` until it returns a value, at most `timeout`; errors count as "not yet"
    /// (Redis may be restarting) and the last one is reported. No fixed sleeps: this is how tests wait.
    @discardableResult
    func poll<T>(
        _ what: String, timeout: Duration, every interval: Duration = .milliseconds(20), node: WorkerNode? = nil,
        _ condition: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        var lastError: (any Error)?
        while true {
            do {
                if let value = try await condition() { return value }
                lastError = nil
            } catch let error as TestFailure {
                throw TestFailure("while waiting for \(what): \(error)\n\(diagnostics(node))")
            } catch {
                lastError = error
            }
            if ContinuousClock.now >= deadline {
                let reason = lastError.map { " (last error: \($0))" } ?? ""
                throw TestFailure("timed out after \(timeout) waiting for \(what)\(reason)\n\(diagnostics(node))")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// The tails of the workers' logs (or of `focus`'s only), for failure messages.
    func diagnostics(_ focus: WorkerNode? = nil) -> String {
        let shown = focus.map { [$0] } ?? lock.withLock { nodes }
        return shown.map { "--- worker \($0.name): \($0.process.diagnostics(lines: 30))" }.joined(separator: "\n")
    }

    // MARK: - Redis state

    @discardableResult
    func send(_ arguments: String...) async throws -> RedisReply {
        try await db.send(arguments)
    }

    /// The elements of a list.
    func list(_ key: String) async throws -> [String] {
        (try await db.send(["LRANGE", key, "0", "-1"]).array ?? []).compactMap(\.string)
    }

    /// The stored result of a task (PENDING when none).
    func result(_ taskID: String) async throws -> TaskResult {
        try await client.result(taskID)
    }

    /// Waits until the task's stored state is `state` (or any ready state when `nil`) and returns the result.
    @discardableResult
    func waitForResult(
        _ taskID: String, _ state: TaskState? = nil, timeout: Duration = .seconds(15), node: WorkerNode? = nil
    ) async throws -> TaskResult {
        try await poll("task \(taskID) to reach \(state?.rawValue ?? "a ready state")", timeout: timeout, node: node) {
            let result = try await self.result(taskID)
            if let state { return result.state == state ? result : nil }
            return result.state.isReady ? result : nil
        }
    }

    /// Messages not yet finished: the `celery` queue (every priority bucket), every processing list and the ETA set.
    func messagesInFlight() async throws -> Int {
        var total = 0
        for pattern in ["celery*", "celerity:processing:*"] {
            for key in (try await db.send(["KEYS", pattern]).array ?? []).compactMap(\.string) where !key.hasPrefix("celery-task-meta-") {
                if try await db.send(["TYPE", key]).string == "list" {
                    total += try await db.send(["LLEN", key]).integer ?? 0
                }
            }
        }
        total += try await db.send(["ZCARD", "celerity:eta"]).integer ?? 0
        return total
    }

    /// The dead-letter entries as stored (`celerity:dlq:entries`), decoded.
    func deadLetters() async throws -> [JSONValue] {
        let values = try await db.send(["HVALS", "celerity:dlq:entries"]).array ?? []
        return try values.compactMap(\.string).map { try JSONValue.parse($0) }
    }

    // MARK: - The CLI

    /// Runs `celerity <arguments> --redis-url <this server>` and returns its exit status and output.
    func celerity(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let run = try await ChildProcess.run(
            try Self.binary("celerity"), arguments: arguments + ["--redis-url", redis.url], timeout: .seconds(20)
        )
        let status: Int32
        switch run.termination {
        case .exited(let code): status = code
        default: status = -1
        }
        return (status, run.standardOutput + run.standardError)
    }
}

/// A running `celerity-test-worker worker` node: its supervisor process and name.
final class WorkerNode: @unchecked Sendable {
    let name: String
    let process: ChildProcess

    init(name: String, process: ChildProcess) {
        self.name = name
        self.process = process
    }

    var pid: pid_t { process.pid }

    /// The worker processes of this node: pid → process id (the `--process-id` they were given).
    func processes() -> [pid_t: String] {
        var result: [pid_t: String] = [:]
        for child in childProcesses(of: process.pid) {
            guard let flag = child.commandLine.firstIndex(of: "--process-id"), flag + 1 < child.commandLine.count else { continue }
            result[child.pid] = child.commandLine[flag + 1]
        }
        return result
    }

    /// The pid of the worker process whose id is `processID`.
    func pid(ofProcess processID: String) -> pid_t? {
        processes().first { $0.value == processID }?.key
    }

    /// SIGKILLs the supervisor and its worker processes at once, and waits until the supervisor is gone.
    func kill() async {
        let children = processes().keys
        process.kill()
        for child in children { Glibc.kill(child, SIGKILL) }
        await process.stop(gracePeriod: .zero)
    }
}
