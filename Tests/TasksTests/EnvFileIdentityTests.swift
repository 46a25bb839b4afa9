import Broker
import Foundation
import HTTP
import Postgres
import TaskAPI
import TestSupport
import Testing

@testable import Tasks

/// Env files keep their identity (issue 25, part 4): symlinks, owner, group and mode survive a rewrite and a
/// rollback; values survive a shell `source` and python-dotenv; concurrent writers are serialised; retirement waits
/// for the grace period.
@Suite("Env file identity", .serialized)
struct EnvFileIdentityTests {
    static func owner(_ path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t, isLink: Bool) {
        var status = stat()
        var link = stat()
        _ = stat(path, &status)
        _ = lstat(path, &link)
        return (status.st_uid, status.st_gid, status.st_mode & 0o7777, link.st_mode & S_IFMT == S_IFLNK)
    }

    /// The gid of group `app`, created when missing (the tests run as root).
    static func appGroup() async throws -> gid_t {
        if let group = getgrnam("celerity-test-app") { return group.pointee.gr_gid }
        let result = try await ChildProcess.run("groupadd", arguments: ["celerity-test-app"])
        #expect(result.termination.isSuccess, "\(result.standardError)")
        return try #require(getgrnam("celerity-test-app")).pointee.gr_gid
    }

    func service(_ fixture: MonthlyJobsFixture, envFile: String) throws -> SecretRotation {
        SecretRotation(
            configuration: SecretsConfiguration(
                envFile: envFile,
                control: ServiceControl(
                    reload: .url(fixture.reload.url("/reload")), healthURLs: [fixture.health.url("/healthz")]),
                grace: .seconds(3600)),
            http: HTTPClient(logger: fixture.logs.logger), database: fixture.database, slack: fixture.notifier(),
            redis: RedisConnection(configuration: try RedisConfiguration(url: fixture.redis.url)))
    }

    @Test("a symlinked root:app 0640 env file stays a link to a root:app 0640 file after a rotation and a rollback")
    func symlinkOwnerGroupAndModeSurviveRotationAndRollback() async throws {
        // As root (the test machines), the file is root:app; otherwise it is the test user's with its group.
        let app = geteuid() == 0 ? try await Self.appGroup() : getegid()
        try await MonthlyJobsFixture.with { fixture in
            let shared = fixture.directory.appending("shared")
            let current = fixture.directory.appending("current")
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: current, withIntermediateDirectories: true)
            let target = shared + "/.env.production"
            let link = current + "/.env.production"
            try fixture.write("JWT_SECRET_KEY=old-value\nOTHER=keep\n", to: target, mode: 0o640)
            #expect(chown(target, geteuid(), app) == 0)
            #expect(symlink("../shared/.env.production", link) == 0)
            let rotation = try service(fixture, envFile: link)
            let sender = TaskSender(parentID: "r", rootID: "r", transport: RecordingTaskTransport())

            _ = try await rotation.rotate(dryRun: false, rotationID: "rot-a", sender: sender, logger: fixture.logs.logger)
            var after = Self.owner(link)
            #expect(after.isLink, "the link is still a link")
            #expect((after.uid, after.gid, after.mode) == (geteuid(), app, 0o640), "\(after)")
            let rotated = try fixture.snapshot(target).bytes
            #expect(try EnvFile(path: target).value("JWT_SECRET_KEY_PREVIOUS") == "old-value")
            #expect(try FileManager.default.contentsOfDirectory(atPath: current) == [".env.production"])

            fixture.healthStatus.withLock { $0 = 500 }
            await #expect(throws: TaskError.self) {
                try await rotation.rotate(dryRun: false, rotationID: "rot-b", sender: sender, logger: fixture.logs.logger)
            }
            after = Self.owner(link)
            #expect(after.isLink, "still a link after the rollback")
            #expect((after.uid, after.gid, after.mode) == (geteuid(), app, 0o640), "\(after)")
            #expect(try fixture.snapshot(target).bytes == rotated, "the rollback restored the bytes")
        }
    }

    @Test(
        "another owner is kept on write and restore; 0644 narrows to 0640 only when the job removes others' bits",
        .enabled(if: geteuid() == 0, "giving a file to another user needs root"))
    func ownerKeptAndModeNarrowedOnlyOnRequest() async throws {
        let app = try await Self.appGroup()
        let directory = try TemporaryDirectory(prefix: "celerity-envfile-owner")
        let path = directory.appending("service.env")
        try Data("A=1\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(chown(path, 4242, app) == 0 && chmod(path, 0o644) == 0)
        var file = try EnvFile(path: path)
        try file.set("A", "2")
        try file.write()
        #expect(Self.owner(path).uid == 4242 && Self.owner(path).gid == app && Self.owner(path).mode == 0o644)
        try file.write(removing: 0o007)
        #expect(Self.owner(path).mode == 0o640)
        try file.restore()
        #expect((Self.owner(path).uid, Self.owner(path).gid, Self.owner(path).mode) == (4242, app, 0o644))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "A=1\n")
    }

    @Test("values with $, #, spaces, backticks and quotes read back the same through bash `source` and python-dotenv")
    func valuesSurviveShellAndDotenv() async throws {
        let directory = try TemporaryDirectory(prefix: "celerity-envfile-quote")
        let path = directory.appending("app.env")
        let values = [
            "V1": "a$b", "V2": "has space # not a comment", "V3": #"say "hi" `now` \ back"#, "V4": "it's",
            "V5": #"it's "quoted""#, "V6": "plain-value_1.2", "V7": "$HOME and $(id)",
        ]
        var file = try EnvFile(path: path)
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { try file.set(key, value) }
        try file.write()
        let keys = values.keys.sorted()
        let shell = try await ChildProcess.run(
            "bash", arguments: ["-c", "set -a; source \"$1\"; for k in \(keys.joined(separator: " ")); do printf '%s\\0' \"${!k}\"; done", "-", path])
        #expect(shell.termination.isSuccess, "\(shell.standardError)")
        #expect(shell.standardOutput.split(separator: "\0", omittingEmptySubsequences: false).prefix(keys.count).map(String.init)
            == keys.map { values[$0]! })
        let python = try await ChildProcess.run(
            "python3", arguments: ["-c", "import sys, dotenv; v = dotenv.dotenv_values(sys.argv[1]); sys.stdout.write('\\0'.join(v[k] for k in sys.argv[2:]))", path] + keys)
        #expect(python.termination.isSuccess, "\(python.standardError)")
        #expect(python.standardOutput.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
            == keys.map { values[$0]! })
        #expect(try EnvFile(path: path).value("V3") == values["V3"])

        for bad in ["line\nbreak", "cr\r", #"it's $x"#, "${HOME}"] {
            #expect(throws: EnvFileError.self) { try file.set("BAD", bad) }
        }
        try Data("A=1\r\nB='two words'\r\n".utf8).write(to: URL(fileURLWithPath: path))
        var crlf = try EnvFile(path: path)
        #expect(crlf.value("A") == "1" && crlf.value("B") == "two words", "a CRLF file reads without the CR")
        try crlf.set("A", "2")
        #expect(String(decoding: crlf.contents, as: UTF8.self) == "A=2\r\nB='two words'\r\n")
    }

    @Test("a second writer waits for the lock held by the first; the lock is free once the first is done")
    func concurrentWritersAreSerialised() throws {
        let directory = try TemporaryDirectory(prefix: "celerity-envfile-lock")
        let path = directory.appending("shared.env")
        var first: EnvFileLock? = try EnvFileLock(path: path)
        let error = #expect(throws: EnvFileError.self) { try EnvFileLock(path: path, timeout: .milliseconds(300)) }
        #expect(error?.description.contains("locked by another job") == true)
        withExtendedLifetime(first) {}
        first = nil
        _ = try EnvFileLock(path: path, timeout: .milliseconds(300))
    }

    @Test("a reload hook that prints the env file (set -x, a compose warning): no old or new value reaches the error")
    func reloadHookOutputIsScrubbed() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            let seen = fixture.directory.appending("seen.env")
            try fixture.write("JWT_SECRET_KEY=old-secret-value-1234\n", to: envFile, mode: 0o600)
            let hook = fixture.directory.appending("reload.sh")
            try fixture.write("#!/bin/sh\ncat '\(envFile)' >> '\(seen)'\ncat '\(envFile)' >&2\nexit 1\n", to: hook, mode: 0o755)
            let rotation = SecretRotation(
                configuration: SecretsConfiguration(
                    envFile: envFile, control: ServiceControl(reload: .command([hook]), healthURLs: []),
                    grace: .seconds(3600)),
                http: HTTPClient(logger: fixture.logs.logger), database: fixture.database, slack: fixture.notifier(),
                redis: RedisConnection(configuration: try RedisConfiguration(url: fixture.redis.url)))
            let sender = TaskSender(parentID: "r", rootID: "r", transport: RecordingTaskTransport())
            let failure = await #expect(throws: TaskError.self) {
                try await rotation.rotate(dryRun: false, rotationID: "rot-s", sender: sender, logger: fixture.logs.logger)
            }
            let message = failure?.message ?? ""
            #expect(message.contains("reload command failed"), "\(message)")
            let values = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n")
                .compactMap { $0.split(separator: "=", maxSplits: 1).last.map(String.init) }
                .filter { $0.count >= 16 && !$0.hasPrefix("20") }
            #expect(values.count >= 3, "the hook saw the old value and the new one: \(values.count)")
            let logged = try RotationRecord.find(fixture.database, id: "rot-s")?.error ?? ""
            for value in values {
                #expect(!message.contains(value) && !logged.contains(value), "a secret value reached the error")
            }
        }
    }

    @Test("secrets.retire_previous refuses before the grace period ends, and runs early only with force")
    func retirementWaitsForTheGracePeriod() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            try fixture.write("JWT_SECRET_KEY=old-value\n", to: envFile, mode: 0o600)
            let rotation = try service(fixture, envFile: envFile)
            let sender = TaskSender(parentID: "r", rootID: "r", transport: RecordingTaskTransport())
            _ = try await rotation.rotate(dryRun: false, rotationID: "rot-g", sender: sender, logger: fixture.logs.logger)
            let early = await #expect(throws: TaskError.self) {
                try await rotation.retire(rotationID: "rot-g", logger: fixture.logs.logger)
            }
            #expect(early?.type == "ValueError" && early?.message.contains("grace period") == true)
            #expect(try EnvFile(path: envFile).value("JWT_SECRET_KEY_PREVIOUS") == "old-value")
            _ = try await rotation.retire(rotationID: "rot-g", force: true, logger: fixture.logs.logger)
            #expect(try EnvFile(path: envFile).value("JWT_SECRET_KEY_PREVIOUS") == nil)
            await #expect(throws: TaskError.self) {
                try await rotation.retire(rotationID: "../../etc/x", logger: fixture.logs.logger)
            }
        }
    }
}
