import Broker
import Foundation
import HTTP
import TaskAPI
import TestSupport
import Testing

@testable import Tasks

/// Children die with their task (issue 25, part 5): a `pg_dump` that hangs past the task's limits.
@Suite("Backups: children die with their task", .serialized)
struct BackupChildProcessTests {
    /// A fake `pg_dump` that starts a grandchild and hangs; both pids are appended to `pids`.
    static func hangingPgDump(in directory: TemporaryDirectory) throws -> (bin: String, pids: String) {
        let bin = directory.appending("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let pids = directory.appending("pg_dump.pids")
        let script = "#!/bin/sh\nsleep 600 &\necho $! >> '\(pids)'\necho $$ >> '\(pids)'\nwait\n"
        let path = bin + "/pg_dump"
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return (bin, pids)
    }

    /// Whether process `pid` is gone (or a zombie waiting for init).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    func worker(_ fixture: BackupFixture, bin: String) throws -> ChildProcess {
        try ChildProcess(
            try BackupTaskTests.celerity(), arguments: ["worker", "-Q", "backups", "-c", "1"],
            environment: [
                "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "CELERITY_REDIS_URL": fixture.redis.url, "CELERITY_DATABASE_URL": fixture.url("celerity"),
                "CELERITY_BACKUP_DATABASE_URL": fixture.url("app"),
                "CELERITY_BACKUP_DIR": fixture.directory.appending("backups"),
                "SLACK_WEBHOOK_URL": fixture.slack.url("/services/T1/B1/worker-secret"),
            ])
    }

    func pids(_ file: String, count: Int) async throws -> [Int32] {
        try await pollForValue(timeout: .seconds(30), "the fake pg_dump started") {
            let pids = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { Int32($0) }
            return pids.count >= count ? pids : nil
        }
    }

    @Test("a pg_dump hanging past the soft limit: FAILURE recorded in backup_runs, Slack told, no process left, staging removed")
    func hungPgDumpAtTheSoftLimit() async throws {
        try await BackupFixture.with { fixture in
            let fake = try Self.hangingPgDump(in: fixture.directory)
            let worker = try worker(fixture, bin: fake.bin)
            let client = CelerityClient(configuration: try RedisConfiguration(url: fixture.redis.url))
            var options = TaskOptions(queue: "backups")
            options.timeLimit = TimeLimit(hard: .seconds(30), soft: .seconds(4))
            let started = ContinuousClock.now
            let id = try await client.enqueue("backups.postgres", options: options)
            let children = try await pids(fake.pids, count: 2)
            let result = try await client.result(id, timeout: .seconds(60))
            #expect(result.state == .failure, "\(result.result)\n\(worker.diagnostics())")
            #expect(ContinuousClock.now - started < .seconds(25), "ended at the soft limit, not the hard one")
            try await poll(timeout: .seconds(10), "pg_dump and its child are gone") { children.allSatisfy(Self.isGone) }

            let runs = try await fixture.postgres.psql(
                "SELECT status || '|' || error FROM backup_runs WHERE kind = 'postgres'", database: "celerity")
            #expect(runs.contains("failure|"), "\(runs)")
            #expect(runs.contains("time limit"), "\(runs)")
            _ = try await fixture.slack.waitForRequests(count: 1, timeout: .seconds(10))
            #expect(fixture.slackMessages.contains { $0.contains("`postgres` FAILED") }, "\(fixture.slackMessages)")
            let directory = fixture.directory.appending("backups/postgresql")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            #expect(!left.contains { $0.hasPrefix(BackupStaging.prefix) }, "\(left)")
            await worker.stop()
        }
    }

    @Test("every backup task has a soft limit before its hard one; a step is killed at the task's deadline")
    func stepsEndAtTheTaskDeadline() async throws {
        let logs = LogRecorder()
        let service = BackupService(
            configuration: BackupConfiguration(
                directory: "/nonexistent", databaseURL: nil, redis: try RedisConfiguration(url: "redis://127.0.0.1:1/0")),
            recordsDatabase: nil,
            slack: SlackNotifier(configuration: .init(webhookURL: nil), client: HTTPClient(logger: logs.logger), logger: logs.logger),
            logger: logs.logger)
        let definitions = BackupTasks.definitions(service)
        #expect(definitions.count == 4)
        for definition in definitions {
            let soft = try #require(definition.timeLimit.soft, "\(definition.name) has no soft limit")
            let hard = try #require(definition.timeLimit.hard)
            #expect(soft < hard, "\(definition.name)")
        }

        let started = ContinuousClock.now
        let error = await #expect(throws: BackupError.self) {
            try await ExternalCommand.$taskDeadline.withValue(started + .seconds(1)) {
                try await ExternalCommand(executable: "sleep", arguments: ["30"], timeout: .seconds(3600))
                    .run(scrubber: SecretScrubber(secrets: []))
            }
        }
        #expect(error?.code == .timeLimit, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!BackupTasks.retry.shouldRetry(try #require(error)), "a retry would hit the same limit")
    }

    @Test("a pg_dump still running when the supervisor kills the worker process at the hard limit is killed too")
    func hungPgDumpAtTheHardLimit() async throws {
        try await BackupFixture.with { fixture in
            let fake = try Self.hangingPgDump(in: fixture.directory)
            let worker = try worker(fixture, bin: fake.bin)
            let client = CelerityClient(configuration: try RedisConfiguration(url: fixture.redis.url))
            var options = TaskOptions(queue: "backups")
            options.timeLimit = TimeLimit(hard: .seconds(4), soft: .seconds(600))
            let id = try await client.enqueue("backups.postgres", options: options)
            let children = try await pids(fake.pids, count: 2)
            let result = try await client.result(id, timeout: .seconds(60))
            #expect(result.state == .failure, "\(result.result)\n\(worker.diagnostics())")
            try await poll(timeout: .seconds(10), "pg_dump and its child are gone") { children.allSatisfy(Self.isGone) }
            await worker.stop()
        }
    }
}
