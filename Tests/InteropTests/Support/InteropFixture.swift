import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Celery versions every cross-version test runs against: the primary one and the cross-check.
enum CeleryVersions {
    /// Celery 5.7.0 (kombu 5.7.0) and Celery 5.5.3 (kombu 5.5.4).
    static let all = [PythonCelery.defaultVersion, "5.5.3"]
}

/// One interop test's world: its own `redis-server`, a Swift client, a direct Redis connection for assertions, and
/// the Celerity nodes, Python workers and other processes it starts. ``withInteropFixture(_:)`` stops everything,
/// also when the test fails.
final class InteropFixture: Sendable {
    let redis: RedisServer
    /// The Swift client under test.
    let client: CelerityClient
    /// A connection for reading Redis state in assertions.
    let db: RedisClient
    private let processes = Locked<[ChildProcess]>([])
    private let counter = Locked(0)

    init(redis: RedisServer) {
        self.redis = redis
        let configuration = RedisConfiguration(endpoint: .tcp(host: redis.host, port: redis.port))
        self.client = CelerityClient(configuration: configuration)
        self.db = RedisClient(configuration: configuration)
    }

    /// The test's Redis URL, for every process.
    var url: String { redis.url }

    /// Stops every process the test started, then the server.
    func tearDown() async {
        for process in processes.withLock({ $0 }).reversed() { await process.stop(gracePeriod: .seconds(10)) }
        client.redis.connection.close()
        db.connection.close()
        await redis.stop()
    }

    /// Registers a process to be stopped at tear-down.
    func adopt(_ process: ChildProcess) {
        processes.withLock { $0.append(process) }
    }

    private func nextIndex() -> Int {
        counter.withLock { value in
            value += 1
            return value
        }
    }

    // MARK: - Binaries

    /// The directory of the test bundle and the binaries built with it (`.build/debug`).
    static let buildDirectory: String = {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(
            atPath: directory.appendingPathComponent("celerity-test-worker").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }()

    /// The path of a binary built with the tests (`celerity`, `celerity-test-worker`).
    /// A name with a `/` is a path to a binary built elsewhere (`Examples/ExternalShop`'s worker).
    static func binary(_ name: String) throws -> String {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else { throw InteropFailure("no executable at \(name)") }
            return name
        }
        let path = buildDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropFailure("\(name) not found next to the test bundle; build with `swift build --build-tests`")
        }
        return path
    }

    // MARK: - Celerity workers

    /// Starts `celerity-test-worker worker` (which has the `compat.*` tasks) and waits until the node is registered
    /// and listens on Celery's pidbox channel.
    /// - Parameters:
    ///   - queues: The queues to consume.
    ///   - concurrency: Worker processes.
    ///   - options: More worker options, e.g. `["-E"]` or `["--track-started"]`.
    ///   - binary: The worker binary: the test worker, `celerity-example` (the example application), or a path.
    ///   - globalKeyPrefix: `--global-keyprefix` (Celery's `global_keyprefix`), or `nil` for none.
    ///   - environment: More environment variables for the node, e.g. `["CELERITY_RESULT_EXTENDED": "1"]`.
    @discardableResult
    func startCelerity(
        queues: [String] = ["celery"], concurrency: Int = 2, options: [String] = [], binary: String = "celerity-test-worker",
        globalKeyPrefix: String? = nil, environment: [String: String] = [:]
    ) async throws -> CelerityNode {
        let name = "celerity\(nextIndex())-\(redis.port)@interop"
        let prefix = globalKeyPrefix ?? ""
        let pidboxListeners = try await pidboxSubscribers(prefix: prefix)
        let process = try ChildProcess(
            try Self.binary(binary),
            arguments: [
                "worker", "--redis-url", url, "--hostname", name, "-Q", queues.joined(separator: ","),
                "-c", String(concurrency),
            ] + (globalKeyPrefix.map { ["--global-keyprefix", $0] } ?? []) + options,
            environment: ["CELERITY_REDIS_URL": url].merging(environment) { $1 }
        )
        adopt(process)
        let node = CelerityNode(name: name, process: process)
        try await poll(timeout: .seconds(30), interval: .milliseconds(20), "Celerity node \(name) is registered") {
            if let ended = process.termination {
                throw InteropFailure("Celerity worker \(name) exited at start (\(ended))\n\(process.diagnostics())")
            }
            guard try await db.send(["EXISTS", prefix + "celerity:worker:" + name]).integer == 1 else { return false }
            return try await pidboxSubscribers(prefix: prefix) > pidboxListeners
        }
        return node
    }

    /// How many connections subscribe to Celery's broadcast pidbox channel of database 0 (under `prefix`).
    private func pidboxSubscribers(prefix: String = "") async throws -> Int {
        let reply = try await db.send(["PUBSUB", "NUMSUB", prefix + "/0.celery.pidbox"])
        return reply.array?.last?.integer ?? 0
    }

    // MARK: - Python

    /// Starts a real Celery worker for the `compat` app (solo pool, no mingle or gossip) and stops it at tear-down.
    @discardableResult
    func startPython(
        _ celery: PythonCelery, queues: [String] = ["celery"], extraArgs: [String] = []
    ) async throws -> ChildProcess {
        let worker = try await celery.startWorker(
            redisURL: url, queues: queues, extraArgs: ["--without-mingle", "--without-gossip"] + extraArgs
        )
        adopt(worker)
        return worker
    }

    /// Runs `script` (`scenarios.py` unless given) with `arguments` and `environment`, and returns the JSON line it
    /// prints last.
    func scenario(
        _ celery: PythonCelery, _ arguments: [String], timeout: Duration = .seconds(90), script: String = "scenarios.py",
        environment: [String: String] = [:]
    ) async throws -> InteropJSON {
        let output = try await celery.run(
            script: script, args: arguments, redisURL: url, environment: environment, timeout: timeout
        )
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        do {
            return try InteropJSON(parsing: line)
        } catch {
            throw InteropFailure("\(script) \(arguments.joined(separator: " ")) printed no JSON:\n\(output)")
        }
    }

    // MARK: - The CLI

    /// Runs `celerity <arguments> --redis-url <this server>` and returns its exit status and output.
    func celerity(_ arguments: [String]) async throws -> (status: ChildProcess.Termination, output: String) {
        let run = try await ChildProcess.run(
            try Self.binary("celerity"), arguments: arguments + ["--redis-url", url], timeout: .seconds(60)
        )
        return (run.termination, run.standardOutput + run.standardError)
    }

    // MARK: - Redis state

    /// The stored result document of a task, parsed, or `nil` when there is none.
    func document(_ taskID: String) async throws -> InteropJSON? {
        guard let raw = try await db.send(["GET", ResultBackend.key(taskID: taskID)]).string else { return nil }
        return try InteropJSON(parsing: raw)
    }

    /// Waits until a task's stored state is ready (SUCCESS, FAILURE, REVOKED) and returns the result.
    @discardableResult
    func waitForReady(_ taskID: String, timeout: Duration = .seconds(30)) async throws -> TaskResult {
        try await pollForValue(timeout: timeout, interval: .milliseconds(20), "task \(taskID) is ready") {
            let result = try await client.result(taskID)
            return result.state.isReady ? result : nil
        }
    }

    /// Subscribes to a task's result channel, runs `send`, and returns every document published for the task up
    /// to the first ready one (SUCCESS, FAILURE, REVOKED), as a Celery client listening with `get()` sees them.
    func publishedStates(
        of taskID: String, timeout: Duration = .seconds(30), after send: () async throws -> Void
    ) async throws -> [TaskResult] {
        let watcher = RedisClient(configuration: db.connection.configuration)
        defer { watcher.connection.close() }
        try await watcher.withConnection { try $0.subscribe([ResultBackend.key(taskID: taskID)]) }
        try await send()
        var states: [TaskResult] = []
        let deadline = ContinuousClock.now + timeout
        while states.last?.state.isReady != true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw InteropFailure("task \(taskID): only \(states.map(\.state)) published within \(timeout)")
            }
            let push = try await watcher.withConnection { try $0.nextPush(timeout: min(remaining, .seconds(1))) }
            guard let parts = push?.array, parts.count == 3, parts[0].string == "message", let payload = parts[2].string
            else { continue }
            states.append(try TaskResult.decode(payload, taskID: taskID))
        }
        return states
    }

    /// The elements of a list.
    func list(_ key: String) async throws -> [String] {
        (try await db.send(["LRANGE", key, "0", "-1"]).array ?? []).compactMap(\.string)
    }

    /// Waits until no message is in a processing list, a ready list or the ETA set: every task was acknowledged.
    func waitUntilIdle(queues: [String] = ["celery"], timeout: Duration = .seconds(30)) async throws {
        try await poll(timeout: timeout, interval: .milliseconds(20), "every message is acknowledged") {
            var keys = (try await db.send(["KEYS", "celerity:processing:*"]).array ?? []).compactMap(\.string)
            keys += queues.flatMap { PriorityBuckets.listKeys(queue: $0) }
            for key in keys where try await db.send(["LLEN", key]).integer ?? 0 > 0 { return false }
            return try await db.send(["ZCARD", "celerity:eta"]).integer == 0
        }
    }
}

/// A running `celerity-test-worker worker` node.
struct CelerityNode: Sendable {
    /// The node name (`--hostname`), as it appears in results, events and control replies.
    let name: String
    /// The supervisor process.
    let process: ChildProcess
}

/// A test failure with a message that explains it.
struct InteropFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Starts a `redis-server` for one test, runs `body` with its fixture, and always tears everything down.
func withInteropFixture<T>(
    isolation: isolated (any Actor)? = #isolation, _ body: (InteropFixture) async throws -> T
) async throws -> T {
    let fixture = InteropFixture(redis: try await RedisServer.start())
    do {
        let result = try await body(fixture)
        await fixture.tearDown()
        return result
    } catch {
        await fixture.tearDown()
        throw error
    }
}

extension InteropJSON {
    /// The string, if this is a string.
    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    var array: [InteropJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, if this is a number.
    var double: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The same value as the Broker's `JSONValue`, for comparing with what the Swift side decoded.
    var jsonValue: JSONValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let values): .array(values.map(\.jsonValue))
        case .object(let members):
            .object(JSONObject(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.jsonValue) }))
        }
    }
}

extension JSONValue {
    /// The same value with object keys sorted, for order-insensitive comparison.
    var sortedKeys: JSONValue {
        switch self {
        case .array(let values): .array(values.map(\.sortedKeys))
        case .object(let object):
            .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sortedKeys) }))
        default: self
        }
    }
}
