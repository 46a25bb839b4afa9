import Broker
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// `backups.postgres`, `backups.verify` and the restore against a real PostgreSQL and redis-server.
@Suite("Backups: PostgreSQL")
struct PostgresBackupTests {
    @Test("backup, verify, then a restore into a new database gives the same rows; all recorded")
    func backupVerifyRestore() async throws {
        try await BackupFixture.with { fixture in
            // The off-site copy: a local command standing in for `aws s3 cp`.
            let remote = fixture.directory.appending("remote")
            try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
            let service = try fixture.service(offsite: try OffsiteCopy(template: "cp {file} \(remote)/"))
            let backup = try await service.run(.postgres, taskID: "task-1")
            #expect(backup.status == .success)
            #expect(backup.rowCounts?["public.orders"] == 1000)
            #expect(backup.rowCounts?["public.settings"] == 2)
            let file = try #require(backup.file)
            #expect(file.hasPrefix("backup_") && file.hasSuffix(".dump.gz"))
            let path = fixture.directory.appending("postgresql/\(file)")
            #expect(try BackupChecksum.sha256(ofFileAt: path) == backup.sha256)
            #expect(backup.size ?? 0 > 1000)
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: remote)) == [file, file + ".sha256"])
            try await service.run(.redis)
            // A scratch database left by a verification that was killed long ago.
            try await fixture.postgres.psql("CREATE DATABASE celerity_verify_20200101_000000_deadbeef")

            let verify = try await service.run(.verify)
            #expect(verify.status == .success && verify.file == file)
            #expect(verify.restoreSeconds != nil && verify.recoveryTimeObjectiveSeconds == 1800)
            #expect(verify.rowCounts == backup.rowCounts)
            // The scratch database is gone.
            let leftovers = try await fixture.postgres.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'celerity_verify%'")
            #expect(leftovers == "0")

            // Recorded: the dump is marked verified; backup_status answers the monitoring query in one go.
            let runs = try await service.recentRuns()
            #expect(runs.first(where: { $0.id == backup.id })?.verifiedAt != nil)
            #expect(runs.first(where: { $0.id == backup.id })?.taskID == "task-1")
            let status = try await fixture.postgres.psql(
                "SELECT kind, last_success_at IS NOT NULL FROM backup_status ORDER BY kind", database: "celerity"
            )
            #expect(status == "postgres|t\nredis|t\nverify|t")

            try await fixture.postgres.psql("CREATE DATABASE restored")
            let tables = try await service.restore(file: path, into: fixture.url("restored"))
            #expect(tables == 5)
            let original = try await fixture.contents(of: "app")
            #expect(try await fixture.contents(of: "restored") == original)
            #expect(fixture.slack.requests.isEmpty)
        }
    }

    @Test("the password is never on pg_dump's command line (read from /proc while it runs) nor in the logs")
    func passwordStaysOffTheCommandLine() async throws {
        try await BackupFixture.with { fixture in
            let service = try fixture.service()
            // Another session renames a sequence in an open transaction: pg_dump blocks when it reads the sequence
            // (after the row counts, which do not touch it), so it is certainly running while /proc is read.
            let blocker = BackupDatabase(
                configuration: try PostgresConfiguration(url: fixture.postgres.url(database: "app")), logger: fixture.logs.logger
            )
            defer { blocker.close() }
            try blocker.execute("BEGIN", [])
            try blocker.execute("ALTER SEQUENCE orders_id_seq RENAME TO orders_id_seq_held", [])
            async let backup = service.run(.postgres)
            // Tests run in parallel: this test's pg_dump is the one for this test's server.
            let port = "--port=\(fixture.postgres.port)"
            let pid = try await pollForValue(timeout: .seconds(30), interval: .milliseconds(5), "pg_dump runs") {
                Self.childProcesses(named: "pg_dump").first { Self.read("/proc/\($0)/cmdline").contains(port) }
            }
            let commandLine = Self.read("/proc/\(pid)/cmdline")
            let environment = Self.read("/proc/\(pid)/environ")
            try blocker.execute("ROLLBACK", [])
            let run = try await backup
            #expect(run.status == .success)

            #expect(commandLine.contains("--host=127.0.0.1") && commandLine.contains("--dbname=dbname='app'"))
            #expect(!commandLine.contains(BackupFixture.password))
            #expect(environment.contains("PGPASSWORD=\(BackupFixture.password)"))
            // The worker's own variables do not reach the child.
            #expect(!environment.contains("CELERITY_"))
            #expect(!fixture.logs.messages.joined(separator: "\n").contains(BackupFixture.password))
        }
    }

    @Test("a tiny or missing dump fails, Slack is told without the password, earlier backups stay")
    func failuresAreLoud() async throws {
        try await BackupFixture.with { fixture in
            let good = try await fixture.service().run(.postgres)
            let goodFile = try #require(good.file)

            // An empty database dumps to well under 1000 bytes compressed.
            try await fixture.postgres.psql("CREATE DATABASE empty")
            let tiny = await #expect(throws: BackupError.self) { try await fixture.service(database: "empty").run(.postgres) }
            #expect(tiny?.code == .invalidBackup)
            #expect(tiny?.message.contains("bytes") == true)

            // pg_dump cannot dump a database that does not exist: no file at all.
            let missing = await #expect(throws: BackupError.self) {
                try await fixture.service(database: "no_such_db").run(.postgres)
            }
            #expect(missing?.message.contains("no_such_db") == true)

            _ = try await fixture.slack.waitForRequests(count: 2, timeout: .seconds(10))
            let messages = fixture.slackMessages
            #expect(messages.count == 2)
            #expect(messages.allSatisfy { $0.contains("FAILED") && !$0.contains(BackupFixture.password) })
            #expect(fixture.slack.requests.allSatisfy { $0.path == "/services/T000/B000/slack-secret-token" })
            #expect(!fixture.logs.messages.joined(separator: "\n").contains("slack-secret-token"))
            #expect(messages.first?.contains("bytes") == true)

            // Only the good backup and its sidecar are there: no partial file, no staging directory.
            let files = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.appending("postgresql"))
            #expect(Set(files) == [goodFile, goodFile + ".sha256"])
            let failures = try await fixture.postgres.psql(
                "SELECT count(*) FROM backup_runs WHERE status = 'failure' AND error <> ''", database: "celerity"
            )
            #expect(failures == "2")
            #expect(!fixture.logs.messages.joined(separator: "\n").contains(BackupFixture.password))
        }
    }

    @Test("a restore with a wrong checksum is refused and touches nothing")
    func wrongChecksumRefused() async throws {
        try await BackupFixture.with { fixture in
            let service = try fixture.service()
            let backup = try await service.run(.postgres)
            let path = fixture.directory.appending("postgresql/\(try #require(backup.file))")
            // One byte changed in the middle of the file.
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: size / 2)
            let byte = try #require(try handle.read(upToCount: 1)).first!
            try handle.seek(toOffset: size / 2)
            try handle.write(contentsOf: Data([byte ^ 0xFF]))
            try handle.close()

            try await fixture.postgres.psql("CREATE DATABASE restored")
            let error = await #expect(throws: BackupError.self) {
                try await service.restore(file: path, into: fixture.url("restored"))
            }
            #expect(error?.code == .checksumMismatch)
            let tables = try await fixture.postgres.psql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", database: "restored"
            )
            #expect(tables == "0")
        }
    }

    /// Pids of this process's children running `name`.
    static func childProcesses(named name: String) -> [Int32] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            let stat = read("/proc/\(pid)/stat")
            // "pid (comm) state ppid ...": the comm may hold spaces, so split after the last ')'.
            guard let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let command = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
            return fields.count > 1 && Int32(fields[1]) == me && command == name
        }
    }

    /// A /proc file with NUL separators shown as spaces; empty when it cannot be read.
    static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
