import Broker
import Foundation
import TestSupport
import Testing

@testable import Tasks

/// `backups.redis` and `backups.config` against a real redis-server and real files.
@Suite("Backups: Redis and configuration")
struct RedisBackupTests {
    static let password = "redis-pass-7f3a9c"
    /// Redis waits 5 s by default before a diskless transfer, for more replicas to join; tests need not.
    static let noSyncDelay = ["--repl-diskless-sync-delay", "0"]

    @Test("a Redis snapshot over the replication link, with a password, checked and checksummed")
    func snapshot() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", Self.password] + Self.noSyncDelay) { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.password = Self.password
            let client = RedisClient(configuration: configuration)
            try await client.send(["SET", "backup:probe", "42"])
            let directory = try TemporaryDirectory(prefix: "celerity-backups")
            let logs = LogRecorder()
            let now = Date()
            let (artifact, waited) = try await RedisBackup(redis: configuration)
                .run(into: directory.path, now: now, logger: logs.logger)
            #expect(!waited)
            #expect(artifact.fileName == BackupKind.redis.fileName(at: now))
            #expect(try BackupChecksum.sha256(ofFileAt: artifact.path) == artifact.sha256)
            #expect(try BackupChecksum.readSidecar(forFileAt: artifact.path) == artifact.sha256)
            let mode = try FileManager.default.attributesOfItem(atPath: artifact.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            // Only the file and its sidecar are left: the staging directory is gone.
            #expect(
                Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
                    == [artifact.fileName, artifact.fileName + ".sha256"]
            )
            // The snapshot holds the key: decompress and look for it.
            let plain = try await ChildProcess.run("gzip", arguments: ["-dc", artifact.path])
            #expect(plain.termination.isSuccess && plain.standardOutput.contains("backup:probe"))
            #expect(!logs.messages.joined().contains(Self.password))
        }
    }

    @Test("a BGSAVE already in progress is waited for, not an error")
    func saveInProgress() async throws {
        try await withRedisServer(extraArguments: Self.noSyncDelay) { server in
            let configuration = try RedisConfiguration(url: server.url)
            let client = RedisClient(configuration: configuration)
            try await client.send(["EVAL", "for i = 1, 2000 do redis.call('SET', 'k' .. i, i) end", "0"])
            // 1 ms per key: the save runs for about 2 s.
            try await client.send(["CONFIG", "SET", "rdb-key-save-delay", "1000"])
            try await client.send(["BGSAVE"])
            let info = try await client.send(["INFO", "persistence"]).string ?? ""
            #expect(info.contains("rdb_bgsave_in_progress:1"))
            let directory = try TemporaryDirectory(prefix: "celerity-backups")
            let backup = RedisBackup(redis: configuration)
            async let result = backup.run(into: directory.path, now: Date(), logger: LogRecorder().logger)
            // Speed up the download once the first save is over; the backup must have waited for it.
            try await poll(timeout: .seconds(30), "the first BGSAVE ends") {
                !((try await client.send(["INFO", "persistence"]).string ?? "").contains("rdb_bgsave_in_progress:1"))
            }
            try await client.send(["CONFIG", "SET", "rdb-key-save-delay", "0"])
            let (artifact, waited) = try await result
            #expect(waited)
            #expect(artifact.size > 0)
        }
    }

    @Test("a configuration archive holds the files, has mode 0600, and a missing file fails")
    func configArchive() async throws {
        let directory = try TemporaryDirectory(prefix: "celerity-backups")
        let env = directory.url.appendingPathComponent("app.env").path
        let schedule = directory.url.appendingPathComponent("schedule.yaml").path
        FileManager.default.createFile(atPath: env, contents: Data("SECRET=1\n".utf8))
        FileManager.default.createFile(atPath: schedule, contents: Data("entries: []\n".utf8))
        let target = directory.url.appendingPathComponent("config").path
        let artifact = try await ConfigBackup(files: [env, schedule])
            .run(into: target, now: Date(), logger: LogRecorder().logger)
        let mode = try FileManager.default.attributesOfItem(atPath: artifact.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let listing = try await ChildProcess.run("tar", arguments: ["-tzf", artifact.path])
        #expect(listing.standardOutput.contains("app.env") && listing.standardOutput.contains("schedule.yaml"))

        let error = await #expect(throws: BackupError.self) {
            try await ConfigBackup(files: [env, directory.url.appendingPathComponent("gone.env").path])
                .run(into: target, now: Date().addingTimeInterval(5), logger: LogRecorder().logger)
        }
        #expect(error?.message.contains("gone.env") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).count == 2)  // the earlier archive + sidecar
    }
}
