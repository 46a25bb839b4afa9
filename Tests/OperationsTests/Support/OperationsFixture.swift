import Broker
import Foundation
import TestSupport
import Testing

/// One test's world for the operations tests: its own redis-server, a client, and `celerity` processes
/// (worker nodes with `/metrics` on free ports, the CLI). ``tearDown()`` stops them all.
final class OperationsFixture: @unchecked Sendable {
    let redis: RedisServer
    let client: CelerityClient
    let db: RedisClient
    private let lock = NSLock()
    private var processes: [ChildProcess] = []
    private var directories: [URL] = []

    static func start() async throws -> OperationsFixture {
        OperationsFixture(redis: try await RedisServer.start())
    }

    private init(redis: RedisServer) {
        self.redis = redis
        let configuration = RedisConfiguration(endpoint: .tcp(host: redis.host, port: redis.port))
        client = CelerityClient(configuration: configuration)
        db = RedisClient(configuration: configuration)
    }

    func tearDown() async {
        for process in lock.withLock({ processes }).reversed() { _ = await process.stop(gracePeriod: .seconds(5)) }
        for directory in lock.withLock({ directories }) { try? FileManager.default.removeItem(at: directory) }
        db.connection.close()
        client.redis.connection.close()
        await redis.stop()
    }

    /// Runs `body` with a fresh fixture and always tears it down.
    static func with<T>(_ body: (OperationsFixture) async throws -> T) async throws -> T {
        let fixture = try await start()
        do {
            let result = try await body(fixture)
            await fixture.tearDown()
            return result
        } catch {
            await fixture.tearDown()
            throw error
        }
    }

    // MARK: - Binaries

    /// `.build/debug`, where `swift build --build-tests` puts `celerity` beside the test bundle.
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("celerity").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }()

    static var celerity: String {
        get throws {
            let path = buildDirectory + "/celerity"
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw HarnessError(.programNotFound, "celerity not found next to the test bundle; build with `swift build --build-tests`")
            }
            return path
        }
    }

    /// Runs the CLI once against this test's Redis.
    func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Self.celerity, arguments: arguments, environment: ["CELERITY_REDIS_URL": redis.url], timeout: timeout)
    }

    // MARK: - Worker nodes

    struct Node {
        let name: String
        let process: ChildProcess
        /// Its `/metrics` port, `nil` when started with metrics off.
        let port: Int?
        var url: String { "http://127.0.0.1:\(port ?? 0)" }
    }

    /// Starts `celerity worker` with a short lease and waits until `/healthz` answers (or, with metrics
    /// off, until it registered).
    func startWorker(
        name: String, queues: String = "celery", concurrency: Int = 2, metrics: Bool = true, extra: [String] = []
    ) async throws -> Node {
        let port = metrics ? try FreePort.allocate() : nil
        let arguments = [
            "worker", "-Q", queues, "-c", String(concurrency), "--hostname", name, "--lease-timeout", "2",
            "--reap-interval", "1", "--metrics-address", port.map { "127.0.0.1:\($0)" } ?? "0",
        ] + extra
        let process = try ChildProcess(
            Self.celerity, arguments: arguments, environment: ["CELERITY_REDIS_URL": redis.url], separateStandardError: true
        )
        lock.withLock { processes.append(process) }
        let node = Node(name: name, process: process, port: port)
        try await poll(timeout: .seconds(20), "worker \(name) to start") {
            if let ended = process.termination { throw HarnessError(.timeout, "worker \(name) exited at start (\(ended)): \(process.diagnostics())") }
            let registered = try await db.send(["EXISTS", "celerity:worker:" + name]).integer == 1
            guard registered, let port else { return registered }
            return (try? await Self.get("http://127.0.0.1:\(port)/healthz").status) == 200
        }
        return node
    }

    /// Starts a program and stops it at tear-down.
    func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        let process = try ChildProcess(executable, arguments: arguments, environment: environment, separateStandardError: true)
        lock.withLock { processes.append(process) }
        return process
    }

    /// A new temporary directory, removed at tear-down.
    func makeDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        lock.withLock { directories.append(directory) }
        return directory
    }

    // MARK: - HTTP

    /// GETs `url` with curl: status and body.
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let result = try await ChildProcess.run(
            "curl", arguments: ["-s", "-m", "10", "-w", "\n%{http_code}", url], timeout: .seconds(15)
        )
        var lines = result.standardOutput.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    /// Scrapes a node's `/metrics` (and fails on anything but 200).
    func scrape(_ node: Node) async throws -> PrometheusText {
        let (status, body) = try await Self.get(node.url + "/metrics")
        guard status == 200 else { throw HarnessError(.timeout, "GET /metrics answered \(status): \(body)") }
        return PrometheusText(body)
    }
}
