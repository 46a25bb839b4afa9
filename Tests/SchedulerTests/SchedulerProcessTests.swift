import Broker
import Foundation
import TestSupport
import Testing
@testable import Scheduler

/// Real `celerity scheduler` processes racing against one real redis-server.
@Suite struct SchedulerProcessTests {
    /// The `celerity` binary built next to this test bundle.
    static func celerityBinary() throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("celerity").path,
            packageRoot() + "/.build/debug/celerity",
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError(
                .programNotFound,
                "the celerity binary was not found at \(candidates); run `swift build --build-tests` first"
            )
        }
        return found
    }

    @Test(.timeLimit(.minutes(3)))
    func threeSchedulerProcessesEnqueueEverySlotExactlyOnce() async throws {
        try await withRedisServer { server in
            let binary = try Self.celerityBinary()
            let directory = server.directory
            let path = directory.appendingPathComponent("schedule.yaml").path
            try """
                entries:
                  - {name: tick, task: demo.tick, every: 1s, queue: ticks}
                  - {name: minute, task: demo.minute, cron: "* * * * *", queue: minutes}
                """.write(toFile: path, atomically: true, encoding: .utf8)
            func start() throws -> ChildProcess {
                try ChildProcess(
                    binary,
                    arguments: ["scheduler", "--schedule", path, "--redis-url", server.url, "--log-level", "debug"]
                )
            }
            var schedulers = try (0..<3).map { _ in try start() }
            let started = Date()
            // Run past the next minute boundary (the cron entry's slot), and at least 12 seconds.
            let boundary = (started.timeIntervalSince1970 / 60).rounded(.up) * 60
            let stopAt = Date(timeIntervalSince1970: max(boundary + 3, started.timeIntervalSince1970 + 12))

            let redis = RedisClient(configuration: server.configuration)
            func tickCount() async throws -> Int { try await redis.send(["LLEN", "ticks"]).integer ?? 0 }
            try await poll(timeout: .seconds(15), "the schedulers to enqueue two ticks") { try await tickCount() >= 2 }
            // A scheduler dies without warning, and comes back.
            schedulers[1].kill()
            try await schedulers[1].waitForExit(timeout: .seconds(5))
            let ticksAtKill = try await tickCount()
            try await poll(timeout: .seconds(5), "the other two to go on enqueueing") { try await tickCount() > ticksAtKill }
            schedulers[1] = try start()
            // Another reloads a changed file.
            let restarted = schedulers[1]
            try await poll(timeout: .seconds(15), "the restarted scheduler to start") {
                restarted.output.contains("scheduler started")
            }
            try """
                entries:
                  - {name: tick, task: demo.tick, every: 1s, queue: ticks}
                  - {name: minute, task: demo.minute, cron: "* * * * *", queue: minutes}
                  - {name: five, task: demo.five, every: 5s, queue: fives}
                """.write(toFile: path, atomically: true, encoding: .utf8)
            for scheduler in schedulers { scheduler.signal(SIGHUP) }

            try await Task.sleep(for: .seconds(max(0, stopAt.timeIntervalSinceNow)))
            let stopped = Date()
            for scheduler in schedulers { scheduler.terminate() }
            for scheduler in schedulers {
                let status = try? await scheduler.waitForExit(timeout: .seconds(10))
                #expect(status?.isSuccess == true, "scheduler did not stop cleanly on SIGTERM:\n\(scheduler.output)")
                #expect(scheduler.output.contains("scheduler stopped"))
            }
            #expect(schedulers[0].output.contains("schedule loaded"))

            let ticks = slotsByEntry(try await messages(in: "ticks", redis: redis))["tick"] ?? []
            #expect(Set(ticks).count == ticks.count, "a one-second slot was enqueued twice")
            #expect(isContiguous(ticks), "a one-second slot was lost")
            let first = try #require(ticks.min())
            let last = try #require(ticks.max())
            #expect(first.timeIntervalSince(started) < 8)  // generous: three debug binaries start on a busy CI
            #expect(stopped.timeIntervalSince(last) < 3)
            #expect(ticks.count >= 10)
            let minutes = slotsByEntry(try await messages(in: "minutes", redis: redis))["minute"] ?? []
            // The boundary after the start, once; and the one before it when the start was within the
            // grace period (10 s) after it, since a never-run entry begins with its latest on-time slot.
            #expect(minutes.contains(Date(timeIntervalSince1970: boundary)))
            #expect(Set(minutes).count == minutes.count, "a minute slot was enqueued twice")
            #expect(isContiguous(minutes, step: 60))
            #expect(minutes.allSatisfy { $0.timeIntervalSince(started) > -10 && $0 <= stopped })
            let fives = slotsByEntry(try await messages(in: "fives", redis: redis))["five"] ?? []
            #expect(!fives.isEmpty)
            #expect(Set(fives).count == fives.count)
            #expect(isContiguous(fives, step: 5))
            // Every message is a well-formed Celery message for its entry.
            for message in try await messages(in: "ticks", redis: redis) {
                #expect(message.task == "demo.tick")
                #expect(message.queue == "ticks")
            }
        }
    }

    @Test func schedulerRefusesToStartOnAnInvalidFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("schedule.yaml").path
        try "entries:\n  - name: a\n    task: t\n    cron: \"0 25 * * *\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            try Self.celerityBinary(),
            arguments: ["scheduler", "--schedule", path, "--redis-url", "redis://127.0.0.1:1/0"]
        )
        let status = try? await process.waitForExit(timeout: .seconds(20))
        #expect(status != nil && status?.isSuccess == false)
        #expect(process.output.contains("\(path):4:14: entry \"a\": cron hour field \"25\" is out of range 0-23"))
        #expect(process.output.contains("the scheduler did not start"))
    }

    @Test func checkCommandAcceptsTheExampleSchedule() async throws {
        let process = try ChildProcess(
            try Self.celerityBinary(),
            arguments: ["schedule", "check", packageRoot() + "/deploy/schedule.yaml"]
        )
        let status = try? await process.waitForExit(timeout: .seconds(20))
        #expect(status?.isSuccess == true)
        #expect(process.output.contains("6 entries, valid; default time zone America/Argentina/Buenos_Aires"))
        #expect(process.output.contains("pg-backup: backups.postgres, cron \"0 2 * * *\""))
    }
}
