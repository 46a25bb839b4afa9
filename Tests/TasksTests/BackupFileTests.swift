import Foundation
import TestSupport
import Testing

@testable import Tasks

/// Backup file names, retention, the off-site copy and the configuration: no servers needed.
@Suite("Backups: files")
struct BackupFileTests {
    @Test("file names carry the UTC time and parse back; other names are not a kind's own")
    func fileNames() throws {
        let date = Date(timeIntervalSince1970: 1_795_917_600)  // 2026-11-29 02:00:00 UTC
        #expect(BackupKind.postgres.fileName(at: date) == "backup_20261129_020000.dump.gz")
        #expect(BackupKind.redis.fileName(at: date) == "dump_20261129_020000.rdb.gz")
        #expect(BackupKind.config.fileName(at: date) == "config_20261129_020000.tar.gz")
        #expect(BackupKind.postgres.date(inFileName: "backup_20261129_020000.dump.gz") == date)
        #expect(BackupKind.postgres.date(inFileName: "backup_20261129_020000.dump.gz.sha256") == date)
        for other in [
            "backup_20261129_020000.dump", "backup_2026112_020000.dump.gz", "mybackup_20261129_020000.dump.gz",
            "dump_20261129_020000.rdb.gz", "backup_20261329_020000.dump.gz", ".staging-x", "backup_x.dump.gz",
        ] {
            #expect(BackupKind.postgres.date(inFileName: other) == nil, "\(other)")
        }
    }

    @Test("retention prunes only old files of its own pattern and keeps the newest")
    func retention() throws {
        let directory = try TemporaryDirectory(prefix: "celerity-retention")
        let now = Date()
        let day: TimeInterval = 86_400
        // name → age in days
        let files: [(String, Double)] = [
            ("backup_20260101_020000.dump.gz", 40),
            ("backup_20260101_020000.dump.gz.sha256", 40),
            ("backup_20260201_020000.dump.gz", 31),
            ("backup_20261101_020000.dump.gz", 29),
            ("backup_20261128_020000.dump.gz", 1),
            ("dump_20260101_000000.rdb.gz", 40),  // another kind's file
            ("backup_20260101_020000.dump", 40),  // not compressed: not ours
            ("notes.txt", 90),
            ("manual-backup_20260101_020000.dump.gz", 90),
        ]
        for (name, age) in files {
            let path = directory.url.appendingPathComponent(name).path
            #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            try FileManager.default.setAttributes(
                [.modificationDate: now.addingTimeInterval(-age * day)], ofItemAtPath: path
            )
        }
        // A staging directory left by a killed run, and one in use by a run now.
        for (name, age) in [(".staging-old", 2.0), (".staging-current", 0.01)] {
            let path = directory.url.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            try FileManager.default.setAttributes(
                [.modificationDate: now.addingTimeInterval(-age * day)], ofItemAtPath: path
            )
        }
        let removed = try BackupRetention(kind: .postgres, days: 30).prune(directory: directory.path, now: now)
        #expect(
            removed == [
                ".staging-old", "backup_20260101_020000.dump.gz", "backup_20260101_020000.dump.gz.sha256",
                "backup_20260201_020000.dump.gz",
            ]
        )
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        #expect(
            left == [
                "backup_20261101_020000.dump.gz", "backup_20261128_020000.dump.gz", "dump_20260101_000000.rdb.gz",
                "backup_20260101_020000.dump", "notes.txt", "manual-backup_20260101_020000.dump.gz", ".staging-current",
            ]
        )
    }

    @Test("the newest backup survives retention even when it is old")
    func retentionKeepsNewest() throws {
        let directory = try TemporaryDirectory(prefix: "celerity-retention")
        for name in ["dump_20260101_000000.rdb.gz", "dump_20260102_000000.rdb.gz"] {
            let path = directory.url.appendingPathComponent(name).path
            #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(-100 * 86_400)], ofItemAtPath: path
            )
        }
        let removed = try BackupRetention(kind: .redis, days: 7).prune(directory: directory.path)
        #expect(removed == ["dump_20260101_000000.rdb.gz"])
    }

    @Test("the off-site template splits into words without a shell; {file} stays one argument")
    func offsiteTemplate() async throws {
        let copy = try OffsiteCopy(template: #"aws s3 cp {file} "s3://my bucket/backups/postgresql/""#)
        #expect(copy.words == ["aws", "s3", "cp", "{file}", "s3://my bucket/backups/postgresql/"])
        let command = copy.command(for: "/b/x; rm -rf /.dump.gz")
        #expect(command.arguments == ["s3", "cp", "/b/x; rm -rf /.dump.gz", "s3://my bucket/backups/postgresql/"])
        #expect(throws: BackupError.self) { try OffsiteCopy(template: "aws s3 cp x y") }
        #expect(throws: BackupError.self) { try OffsiteCopy(template: "cp '{file} /x") }

        // A real run with a local command: a file whose name would be a second command in a shell.
        let directory = try TemporaryDirectory(prefix: "celerity-offsite")
        let source = directory.url.appendingPathComponent("a;touch pwned").path
        #expect(FileManager.default.createFile(atPath: source, contents: Data("backup".utf8)))
        let target = directory.url.appendingPathComponent("remote").path
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try await OffsiteCopy(template: "cp {file} \(target)/").copy([source], scrubber: SecretScrubber(secrets: []))
        #expect(FileManager.default.contents(atPath: target + "/a;touch pwned") == Data("backup".utf8))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("pwned").path))
        await #expect(throws: BackupError.self) {
            try await OffsiteCopy(template: "false {file}").copy([source], scrubber: SecretScrubber(secrets: []))
        }
    }

    @Test("the off-site command gets HOME, the cloud prefixes and the named variables, nothing else of the worker's")
    func offsiteEnvironmentIsMinimal() async throws {
        let directory = try TemporaryDirectory(prefix: "celerity-offsite-env")
        let source = directory.appending("backup.gz")
        #expect(FileManager.default.createFile(atPath: source, contents: Data("backup".utf8)))
        let probes = [
            "DATABASE_URL_CELERITY_PROBE": false, "PGPASSWORD_CELERITY_PROBE": false, "AWS_CELERITY_PROBE": true,
            "OFFSITE_CELERITY_PROBE": true,
        ]
        for name in probes.keys { setenv(name, "probe-value", 1) }
        defer { for name in probes.keys { unsetenv(name) } }
        var copy = try OffsiteCopy(template: #"sh -c "env > {file}.env""#)
        copy.passedVariables = ["OFFSITE_CELERITY_PROBE"]
        try await copy.copy([source], scrubber: SecretScrubber(secrets: []))
        let seen = try String(contentsOfFile: source + ".env", encoding: .utf8).split(separator: "\n")
            .compactMap { $0.split(separator: "=").first.map(String.init) }
        for (name, passed) in probes { #expect(seen.contains(name) == passed, "\(name)") }
        let others = seen.filter { name in !OffsiteCopy.passedPrefixes.contains { name.hasPrefix($0) } }
        #expect(Set(others).isSubset(of: ["PATH", "LC_ALL", "TZ", "HOME", "PWD", "SHLVL", "_"] + probes.keys), "\(seen)")
    }

    @Test("a failing program's error names it, its exit status and its last stderr lines, scrubbed of secrets")
    func commandFailure() async throws {
        let command = ExternalCommand(
            executable: "sh", arguments: ["-c", "echo \"auth failed for pw-9f2e\" >&2; exit 3"]
        )
        let error = await #expect(throws: BackupError.self) {
            try await command.run(scrubber: SecretScrubber(secrets: ["pw-9f2e"]))
        }
        #expect(error?.message == "sh failed (exit status 3): auth failed for ***")
        let missing = await #expect(throws: BackupError.self) {
            try await ExternalCommand(executable: "no-such-tool-x", arguments: []).run(scrubber: SecretScrubber(secrets: []))
        }
        #expect(missing?.message.contains("not installed") == true)
        let slow = await #expect(throws: BackupError.self) {
            try await ExternalCommand(executable: "sleep", arguments: ["30"], timeout: .milliseconds(200))
                .run(scrubber: SecretScrubber(secrets: []))
        }
        #expect(slow?.code == .timeout)
    }

    @Test("configuration: defaults, the database URL fallback, one-line errors naming the variable")
    func configuration() throws {
        let defaults = try BackupConfiguration.fromEnvironment([:])
        #expect(defaults.directory == "/var/lib/celerity/backups")
        #expect(defaults.postgresRetentionDays == 30 && defaults.redisRetentionDays == 7)
        #expect(defaults.configRetentionDays == 30 && defaults.verifyMinimumTables == 3)
        #expect(defaults.databaseURL == nil)
        let fallback = try BackupConfiguration.fromEnvironment([
            "CELERITY_DATABASE_URL": "postgresql://app:pw@db/app",
            "CELERITY_BACKUP_CONFIG_FILES": "/etc/a.env, /etc/b.yaml",
            "CELERITY_BACKUP_RETENTION_REDIS": "3",
        ])
        #expect(fallback.databaseURL == "postgresql://app:pw@db/app")
        #expect(fallback.configFiles == ["/etc/a.env", "/etc/b.yaml"])
        #expect(fallback.redisRetentionDays == 3)
        let error = #expect(throws: BackupError.self) {
            try BackupConfiguration.fromEnvironment(["CELERITY_BACKUP_RETENTION_POSTGRES": "thirty"])
        }
        #expect(error?.message.contains("CELERITY_BACKUP_RETENTION_POSTGRES") == true)
        let urlError = #expect(throws: BackupError.self) {
            try BackupConfiguration.fromEnvironment(["CELERITY_BACKUP_DATABASE_URL": "mysql://u:secret@h/d"])
        }
        #expect(urlError?.message.contains("secret") == false)
    }

    @Test("the tool target keeps the password off the arguments, in PGPASSWORD")
    func toolTarget() throws {
        let target = try PostgresToolTarget(url: "postgresql://app:s3cr%40t@db:5433/app?sslmode=require", name: "X")
        #expect(target.arguments.sorted() == ["--dbname=dbname='app'", "--host=db", "--no-password", "--port=5433", "--username=app"])
        #expect(target.environment["PGPASSWORD"] == "s3cr@t")
        #expect(target.environment["PGSSLMODE"] == "require")
        #expect(target.databaseName == "app")
        #expect(target.database("scratch").arguments.contains("--dbname=dbname='scratch'"))
        let query = try PostgresToolTarget(url: "postgresql://app@db/app?password=pw&sslmode=disable", name: "X")
        #expect(!query.arguments.joined().contains("pw"))
        #expect(query.environment["PGPASSWORD"] == "pw")
        // A database name holding `=` stays one quoted value: it cannot become a connection string (review L11).
        let hostile = try PostgresToolTarget(url: "postgresql://app@db/db%20host%3Devil%20it's", name: "X")
        #expect(hostile.arguments.contains(#"--dbname=dbname='db host=evil it\'s'"#), "\(hostile.arguments)")
    }
}
