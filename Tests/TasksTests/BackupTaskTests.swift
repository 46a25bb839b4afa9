import Broker
import Foundation
import TestSupport
import Testing

@testable import Tasks

/// The `backups.*` tasks in a real `celerity worker` process, sent through Redis like the scheduler sends them.
@Suite("Backups: tasks in a worker")
struct BackupTaskTests {
    @Test("backups.config and backups.postgres end in SUCCESS with the run; a failing verify ends in FAILURE with the reason and Slack is told")
    func tasksInAWorker() async throws {
        try await BackupFixture.with { fixture in
            let env = fixture.directory.appending("app.env")
            #expect(FileManager.default.createFile(atPath: env, contents: Data("APP_SECRET=1\n".utf8)))
            let worker = try ChildProcess(
                try Self.celerity(), arguments: ["worker", "-Q", "backups", "-c", "1"],
                environment: [
                    "CELERITY_REDIS_URL": fixture.redis.url,
                    "CELERITY_DATABASE_URL": fixture.url("celerity"),
                    "CELERITY_BACKUP_DATABASE_URL": fixture.url("app"),
                    "CELERITY_BACKUP_DIR": fixture.directory.appending("backups"),
                    "CELERITY_BACKUP_CONFIG_FILES": env,
                    "SLACK_WEBHOOK_URL": fixture.slack.url("/services/T1/B1/worker-secret"),
                ]
            )
            let client = CelerityClient(configuration: try RedisConfiguration(url: fixture.redis.url))
            let options = TaskOptions(queue: "backups")

            let config = try await client.result(
                try await client.enqueue("backups.config", options: options), timeout: .seconds(60)
            )
            #expect(config.state == .success, "\(config.result)\n\(worker.diagnostics())")
            #expect(config.result["kind"]?.stringValue == "config")
            #expect(config.result["file"]?.stringValue?.hasPrefix("config_") == true)

            let postgres = try await client.result(
                try await client.enqueue("backups.postgres", options: options), timeout: .seconds(60)
            )
            #expect(postgres.state == .success, "\(postgres.result)\n\(worker.diagnostics())")
            #expect(postgres.result["row_counts"]?["public.orders"]?.intValue == 1000)
            // Each success is recorded for /metrics (the CelerityBackupTooOld alert reads it).
            for kind in ["config", "postgres"] {
                let recorded = try await client.redis.send(
                    ["HGET", "celerity:metrics:jobs", "celerity_backup_last_success_timestamp_seconds|kind=\(kind)"]
                )
                let seconds = Double(recorded.string ?? "") ?? 0
                #expect(abs(seconds - Date().timeIntervalSince1970) < 300, "\(kind): \(recorded)")
            }

            // No Redis backup yet: verify fails, is not retried (nothing would change), and says what to do.
            let verify = try await client.result(
                try await client.enqueue("backups.verify", kwargs: ["latest": true], options: options),
                timeout: .seconds(60)
            )
            #expect(verify.state == .failure)
            #expect("\(verify.result)".contains("run backups.redis"))
            _ = try await fixture.slack.waitForRequests(count: 1, timeout: .seconds(10))
            #expect(fixture.slackMessages.first?.contains("`verify` FAILED") == true)
            #expect(!worker.output.contains(BackupFixture.password) && !worker.output.contains("worker-secret"))
            #expect(!"\(verify.result)\(postgres.result)".contains(BackupFixture.password))
            await worker.stop()  // On a thrown error, the ChildProcess kills it when released.
        }
    }

    @Test("celerity backups restore checks the checksum first and refuses without --yes off a terminal")
    func restoreCommandRefuses() async throws {
        let directory = try TemporaryDirectory(prefix: "celerity-restore")
        let file = directory.appending("backup_20261129_020000.dump.gz")
        #expect(FileManager.default.createFile(atPath: file, contents: Data(repeating: 7, count: 2000)))
        let checksum = try BackupChecksum.sha256(ofFileAt: file)
        try BackupChecksum.writeSidecar(checksum: checksum, forFileAt: file)
        let database = "postgresql://app:restore-secret@127.0.0.1:1/app"
        let refused = try await ChildProcess.run(
            try Self.celerity(), arguments: ["backups", "restore", file, "--database", database],
            environment: ["CELERITY_DATABASE_URL": ""]
        )
        #expect(refused.termination == .exited(1))
        #expect(refused.standardOutput.contains("checksum ok: \(checksum)"))
        #expect(refused.standardOutput.contains("Stop the writers"))
        #expect(refused.standardError.contains("refusing to restore without --yes"))

        // A damaged file is refused before anything else, --yes or not.
        #expect(FileManager.default.createFile(atPath: file, contents: Data(repeating: 8, count: 2000)))
        let damaged = try await ChildProcess.run(
            try Self.celerity(), arguments: ["backups", "restore", file, "--database", database, "--yes"],
            environment: ["CELERITY_DATABASE_URL": ""]
        )
        #expect(damaged.termination == .exited(1))
        #expect(damaged.standardError.contains("SHA-256"))
        #expect(!(refused.standardOutput + refused.standardError + damaged.standardOutput + damaged.standardError)
            .contains("restore-secret"))
    }

    /// The `celerity` binary built with the tests.
    static func celerity() throws -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("celerity").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        let path = directory.appendingPathComponent("celerity").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BackupError(.configuration, "celerity not found next to the test bundle: swift build --build-tests")
        }
        return path
    }
}
