import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17, item 4: a configuration Redis refuses stops every command at once with one line naming the
/// problem (never the password); a Redis that is only away (restarting, not up yet) is waited for.
@Suite(.serialized)
struct FatalConfigurationTests {
    static let password = "pa55-w0rd-fatal"

    /// One line of output naming the problem, no password, no retry loop, a non-zero exit within seconds.
    func expectStopsWithOneLine(
        _ binary: String, _ arguments: [String], naming expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let start = ContinuousClock.now
        let run = try await ChildProcess.run(
            try WorkerFixture.binary(binary), arguments: arguments, environment: ["CELERITY_REDIS_URL": ""], timeout: .seconds(20)
        )
        let elapsed = ContinuousClock.now - start
        let output = run.standardOutput + run.standardError
        let errorLines = output.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        let what = "\(binary) \(arguments.joined(separator: " "))"
        #expect(run.termination != .exited(0), "\(what) exited 0", sourceLocation: sourceLocation)
        #expect(elapsed < .seconds(10), "\(what) took \(elapsed)", sourceLocation: sourceLocation)
        #expect(errorLines.count == 1, "\(what) printed: \(output)", sourceLocation: sourceLocation)
        #expect(errorLines.first?.contains(expected) == true, "\(what) printed: \(output)", sourceLocation: sourceLocation)
        #expect(!output.contains(Self.password), "\(what) printed the password: \(output)", sourceLocation: sourceLocation)
        #expect(!output.lowercased().contains("retry"), "\(what) retried: \(output)", sourceLocation: sourceLocation)
    }

    /// Every command a deployment runs, against each way of misconfiguring Redis.
    @Test func everyCommandStopsOnAFatalRedisConfiguration() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", Self.password]) { redis in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-fatal-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let schedule = directory.appendingPathComponent("schedule.yaml").path
            try "entries:\n  - name: a\n    task: demo.add\n    every: 1s\n".write(toFile: schedule, atomically: true, encoding: .utf8)
            let cases: [(url: String, problem: String)] = [
                ("redis://:wrong-\(Self.password)@127.0.0.1:\(redis.port)/0", "AUTH failed: WRONGPASS"),
                ("redis://127.0.0.1:\(redis.port)/0", "NOAUTH"),
                ("redis://:\(Self.password)@127.0.0.1:\(redis.port)/99999", "DB index is out of range"),
                ("unix://\(directory.path)/no-such.sock", "no Unix socket at \(directory.path)/no-such.sock"),
                ("unix:///nonexistent-celerity/redis.sock", "directory of the Unix socket /nonexistent-celerity/redis.sock does not exist"),
                ("redis://:\(Self.password)@127.0.0.1:\(redis.port)/0?socket_timeout=5", "unknown option \"socket_timeout\""),
            ]
            let commands: [(binary: String, arguments: [String])] = [
                ("celerity", ["worker", "-c", "1"]),
                ("celerity-test-worker", ["worker", "-c", "1"]),
                ("celerity", ["scheduler", "--schedule", schedule]),
                ("celerity", ["enqueue", "demo.add"]),
                ("celerity", ["queues"]),
            ]
            for (url, problem) in cases {
                for (binary, arguments) in commands {
                    try await expectStopsWithOneLine(binary, arguments + ["--redis-url", url], naming: problem)
                }
            }
        }
    }

    @Test func schedulerStopsOnAnUnreadableScheduleFile() async throws {
        try await withRedisServer { redis in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-fatal-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            for path in [directory.appendingPathComponent("missing.yaml").path, directory.path] {
                try await expectStopsWithOneLine(
                    "celerity", ["scheduler", "--schedule", path, "--redis-url", redis.url],
                    naming: "\(path): cannot read the schedule file"
                )
            }
        }
    }

    /// A password changed while the node runs: its connections are refused on reconnect, and the node stops
    /// (its processes too) with one line, instead of logging retries forever.
    @Test func runningNodeStopsWhenThePasswordChanges() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", Self.password]) { redis in
            let url = "redis://:\(Self.password)@127.0.0.1:\(redis.port)/0"
            let node = try ChildProcess(
                try WorkerFixture.binary("celerity-test-worker"),
                arguments: ["worker", "-c", "2", "--lease-timeout", "2", "--redis-url", url], environment: ["CELERITY_REDIS_URL": url]
            )
            defer { node.kill() }
            let admin = RedisConnection(configuration: try RedisConfiguration(url: url))
            try await poll(timeout: .seconds(15), "the node to register") {
                if node.termination != nil { throw TestFailure("worker exited at start:\n\(node.diagnostics())") }
                return try admin.send(["ZCARD", "celerity:workers"]).integer == 1
            }
            try admin.send(["CONFIG", "SET", "requirepass", "changed-" + Self.password])
            // Existing connections stay authenticated: drop them all so that everyone reconnects.
            try admin.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])
            let ended = try await node.waitForExit(timeout: .seconds(15))
            #expect(ended != .exited(0))
            let output = node.output
            let errorLines = output.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errorLines.count == 1 && errorLines.first?.contains("WRONGPASS") == true, "\(output)")
            #expect(!output.contains(Self.password))
            try await poll(timeout: .seconds(5), "the node's worker processes to exit") {
                childProcesses(of: node.pid).isEmpty
            }
        }
    }

    /// Redis not up yet when the worker starts is transient: the worker waits, then serves.
    @Test func workerStartedBeforeRedisWaitsForIt() async throws {
        let fixture = try await WorkerFixture.start()
        do {
            await fixture.redis.kill()
            let node = try ChildProcess(
                try WorkerFixture.binary("celerity-test-worker"),
                arguments: ["worker", "-c", "1", "--redis-url", fixture.redis.url], environment: ["CELERITY_REDIS_URL": fixture.redis.url]
            )
            defer { node.kill() }
            // It must still be running (retrying) after a few seconds without Redis.
            let early = try? await node.waitForExit(timeout: .seconds(3))
            #expect(early == nil, "the worker gave up on a Redis that is only down: \(node.diagnostics())")
            try await fixture.redis.restart()
            let id = try await fixture.client.enqueue("demo.add", args: [2, 3])
            let result = try await fixture.waitForResult(id, .success, timeout: .seconds(30))
            #expect(result.result == .int(5))
            #expect(node.isRunning)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }
}
