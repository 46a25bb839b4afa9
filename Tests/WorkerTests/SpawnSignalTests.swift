import Broker
import Foundation
import Logging
import Support
import TestSupport
import Testing

@testable import Worker

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM between `exec` and a worker process's handler (tens of ms while the binary starts): the pool sends a
/// stop only once the process handles SIGTERM (``ProcessPool``'s pending stops), so a process stopped right after
/// its start ends cleanly. The stop is asked for the moment the spawn returns, long before a Swift binary has set
/// anything up; the test checks it had to wait.
@Suite("spawn: a stop right after exec", .serialized)
struct SpawnSignalTests {
    @Test("a stop the pool asks for right after a spawn waits for the process's handler: it ends cleanly (exit 0)")
    func stopRightAfterSpawnIsClean() async throws {
        let redis = try await RedisServer.start()
        var configuration = WorkerConfiguration(redis: try RedisConfiguration(url: redis.url))
        configuration.concurrency = 1
        let logger = Logger(label: "test")
        var pool = ProcessPool(
            configuration: configuration, executable: try WorkerFixture.binary("celerity-test-worker"),
            childArguments: ["--redis-url", redis.url], connection: RedisConnection(configuration: configuration.redis, logger: logger),
            logger: logger
        )
        try pool.restartDue(now: .now)
        let process = try #require(pool.slots.first?.process, "the pool did not start its process")
        defer {
            close(process.lifeline)
            close(process.events)
        }
        pool.stopAll()
        #expect(pool.slots[0].stopPending, "the process handled SIGTERM already: the test missed the moment after exec")
        let status = try #require(
            await Self.waitForExit(process.pid, timeout: .seconds(60)) { pool.sendPendingStops() }, "the process did not exit"
        )
        #expect(status == .exited(0), "the worker process ended with \(status)")
        await redis.stop()
    }

    @Test("a SIGTERM sent at once instead ends the process by its default action (the gap the pending stop closes)")
    func termRightAfterSpawnKills() async throws {
        let process = try SpawnedProcess.spawn(
            executable: try WorkerFixture.binary("celerity-test-worker"),
            arguments: ["worker-process", "--process-id", "spawn-test#0.2", "--redis-url", "redis://127.0.0.1:1/0"]
        )
        defer {
            close(process.lifeline)
            close(process.events)
        }
        #expect(!process.handlesTerm, "the process handled SIGTERM already: the test missed the moment after exec")
        kill(process.pid, SIGTERM)
        let status = try #require(await Self.waitForExit(process.pid, timeout: .seconds(60)) {}, "the process did not exit")
        #expect(status == .signalled(SIGTERM), "the process ended with \(status)")
    }

    @Test("a program spawned by a thread that blocks SIGTERM starts with nothing blocked (job families, pg_dump)")
    func childrenStartUnblocked() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-mask-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("status").path
        let pid = try await PosixThread.run(name: "blocked-spawner") { () -> Result<pid_t, ProcessSpawnError> in
            var term = sigset_t()
            sigemptyset(&term)
            sigaddset(&term, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &term, nil)  // as a worker process's threads do
            return Result { () throws(ProcessSpawnError) -> pid_t in
                try ProcessSpawn.start(
                    path: "/bin/cat", arguments: ["/proc/self/status"], environment: nil,
                    descriptors: [STDOUT_FILENO: .open(path: output, flags: O_WRONLY | O_CREAT | O_TRUNC)]
                )
            }
        }.get()
        #expect(try #require(await Self.waitForExit(pid, timeout: .seconds(10)) {}) == .exited(0))
        let blocked = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
        let mask = blocked.flatMap { UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) }
        #expect(mask == 0, "the child started with \(blocked.map(String.init) ?? "no SigBlk line")")
    }

    /// Polls `waitpid` (running `step` before each look) until `pid` has exited; `nil`, and the process killed, when
    /// it has not after `timeout`.
    static func waitForExit(_ pid: pid_t, timeout: Duration, step: () -> Void) async throws -> ChildProcess.Termination? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            step()
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, nil, 0)
        return nil
    }
}
