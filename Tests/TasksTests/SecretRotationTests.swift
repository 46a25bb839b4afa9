import Broker
import Foundation
import HTTP
import Postgres
import TaskAPI
import TestSupport
import Testing

@testable import Tasks

/// `secrets.rotate_jwt` and `secrets.retire_previous` against real PostgreSQL, Redis (the lock) and loopback HTTP
/// servers for the reload hook, the health URL and Slack.
@Suite("JWT secret rotation")
struct SecretRotationTests {
    static let names = SecretsConfiguration.defaultNames
    /// The values in the env file before the first rotation.
    static let oldValues = names.map { _ in JWTSecret.generate() }

    static func initialFile() -> String {
        "# production\nDATABASE_URL=postgresql://app@db/app\n"
            + zip(names, oldValues).map { "\($0)=\($1)\n" }.joined() + "export OTHER=keep me\n"
    }

    @Test(
        "applied: mode 0640 (others removed), five new 256-bit values, the old ones as _PREVIOUS with their expiry, fingerprints logged, retirement sent with the grace as countdown; then a failing health check rolls back byte for byte; no value anywhere"
    )
    func rotationAndRollbackLeakNothing() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            try fixture.write(Self.initialFile(), to: envFile, mode: 0o644)
            fixture.watchedFile.withLock { $0 = envFile }
            let rotation = try service(fixture, envFile: envFile)
            let transport = RecordingTaskTransport()
            let sender = TaskSender(parentID: "rot-1", rootID: "rot-1", transport: transport)
            let startedAt = Date()

            let applied = try await rotation.rotate(
                dryRun: false, rotationID: "rot-1", sender: sender, logger: fixture.logs.logger)
            #expect(applied.status == "applied")
            let written = try EnvFile(path: envFile)
            #expect(try fixture.snapshot(envFile).mode == 0o640, "0644 minus others' bits: the group keeps reading")
            var newValues: [String] = []
            for (name, old) in zip(Self.names, Self.oldValues) {
                let value = try #require(written.value(name))
                newValues.append(value)
                #expect(value.count == 43 && value != old && JWTSecret.decodeBase64URL(value)?.count == 32)
                #expect(value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
                #expect(written.value("\(name)_PREVIOUS") == old)
                let expiry = try #require(
                    written.value("\(name)_PREVIOUS_EXPIRES_AT").flatMap { ISO8601DateFormatter().date(from: $0) })
                #expect(abs(expiry.timeIntervalSince(startedAt) - 3600) < 30)
                #expect(applied.fingerprints[name] == JWTSecret.fingerprint(value))
            }
            #expect(Set(newValues).count == 5)
            #expect(written.value("OTHER") == "keep me" && written.value("DATABASE_URL") == "postgresql://app@db/app")
            let record = try #require(try RotationRecord.find(fixture.database, id: "rot-1"))
            #expect(record.status == "applied" && record.names == Self.names)
            #expect(record.fingerprints == applied.fingerprints && record.retireTaskID == applied.retireTaskID)
            let retire = try #require(transport.messages.first)
            #expect(retire.task == "secrets.retire_previous" && retire.args == [.string("rot-1")])
            #expect(abs((retire.eta ?? .distantPast).timeIntervalSince(startedAt) - 3600) < 30)
            #expect(fixture.reload.requests.count == 1 && fixture.health.requests.count == 1)
            _ = try await fixture.slack.waitForRequests(count: 1, timeout: .seconds(10))

            // A failing health check: the new file is put back to the applied one, byte for byte.
            let before = try fixture.snapshot(envFile)
            fixture.healthStatus.withLock { $0 = 500 }
            let failure = await #expect(throws: TaskError.self) {
                try await rotation.rotate(
                    dryRun: false, rotationID: "rot-2", sender: sender, logger: fixture.logs.logger)
            }
            #expect(failure?.message.contains("rolled_back") == true && failure?.message.contains("500") == true)
            let after = try fixture.snapshot(envFile)
            #expect(after.bytes == before.bytes && after.mode == before.mode)
            #expect(fixture.reload.requests.count == 3)
            #expect(try RotationRecord.find(fixture.database, id: "rot-2")?.status == "rolled_back")
            #expect(
                try RotationRecord.find(fixture.database, id: "rot-2")?.error?.contains("restored byte for byte")
                    == true)
            _ = try await fixture.slack.waitForRequests(count: 2, timeout: .seconds(10))
            #expect(fixture.slackMessages.last?.contains("CRITICAL") == true)
            #expect(transport.messages.count == 1)

            // Every value that existed: the old ones, the applied ones, and the ones the rolled-back rotation wrote
            // (seen by the reload hook while they were in the file).
            let snapshots = fixture.reloadSnapshots.withLock { $0 }
            #expect(snapshots.count == 3)
            let copy = fixture.directory.appending("rolled-back.env")
            try fixture.write(snapshots[1], to: copy, mode: 0o600)
            let rolledBack = try EnvFile(path: copy)
            let rolledBackValues = Self.names.compactMap { rolledBack.value($0) }
            #expect(rolledBackValues.count == 5 && Set(rolledBackValues).isDisjoint(with: newValues))
            let table = try await fixture.postgres.psql("SELECT * FROM secret_rotations", database: "celerity")
            let results = try JSONValue(encoding: applied).serialized + "\(failure.map { "\($0)" } ?? "")"
            let haystacks = [
                "logs": fixture.logs.messages.joined(separator: "\n"),
                "slack": fixture.slack.requests.map(\.text).joined(separator: "\n"),
                "results and errors": results, "rotation log": table,
            ]
            for value in Self.oldValues + newValues + rolledBackValues {
                for (name, text) in haystacks {
                    #expect(!text.contains(value), "a secret value reached the \(name)")
                    #expect(!text.contains(String(value.prefix(16))), "part of a secret value reached the \(name)")
                }
            }
            #expect(!table.isEmpty && haystacks["logs"]?.contains("rot-2") == true)
        }
    }

    @Test("a dry run writes nothing and reloads nothing, and says what would change")
    func dryRunWritesNothing() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            try fixture.write(Self.initialFile(), to: envFile, mode: 0o640)
            let before = try fixture.snapshot(envFile)
            let transport = RecordingTaskTransport()
            let outcome = try await service(fixture, envFile: envFile).rotate(
                dryRun: true, rotationID: "dry-1",
                sender: TaskSender(parentID: "dry-1", rootID: "dry-1", transport: transport),
                logger: fixture.logs.logger
            )
            #expect(outcome.status == "dry_run" && outcome.health == "ok" && outcome.fingerprints.isEmpty)
            #expect(outcome.plan?.count == 5 && outcome.plan?.first?.contains("JWT_SECRET_KEY_PREVIOUS until") == true)
            let after = try fixture.snapshot(envFile)
            #expect(after.bytes == before.bytes && after.mode == 0o640)
            #expect(fixture.reload.requests.isEmpty && transport.messages.isEmpty)
            #expect(try RotationRecord.find(fixture.database, id: "dry-1")?.status == "dry_run")
        }
    }

    @Test("a second rotation while one runs is refused at once and changes nothing; the first completes")
    func concurrentRotationRefused() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            try fixture.write(Self.initialFile(), to: envFile, mode: 0o600)
            fixture.reloadDelay.withLock { $0 = .seconds(2) }
            let first = try service(fixture, envFile: envFile)
            let second = try service(fixture, envFile: envFile)
            let logger = fixture.logs.logger
            let running = Task {
                try await first.rotate(
                    dryRun: false, rotationID: "first",
                    sender: TaskSender(parentID: "first", rootID: "first", transport: RecordingTaskTransport()),
                    logger: logger
                )
            }
            _ = try await fixture.reload.waitForRequests(count: 1, timeout: .seconds(20))
            let refused = await #expect(throws: TaskError.self) {
                try await second.rotate(
                    dryRun: false, rotationID: "second",
                    sender: TaskSender(parentID: "second", rootID: "second", transport: RecordingTaskTransport()),
                    logger: logger
                )
            }
            #expect(refused?.message.contains("another rotation") == true)
            #expect(try await running.value.status == "applied")
            #expect(try RotationRecord.find(fixture.database, id: "second") == nil)
            #expect(fixture.reload.requests.count == 1)
            let file = try EnvFile(path: envFile)
            #expect(file.value("JWT_SECRET_KEY_PREVIOUS") == Self.oldValues[0])
            #expect(try fixture.redis.command("EXISTS", RotationLock.key) == .integer(0))
        }
    }

    @Test(
        "in a worker: `celerity secrets rotate`, then retirement after a shortened grace (an ETA in Redis) removes _PREVIOUS; retiring twice is harmless; `celerity secrets history` shows fingerprints only"
    )
    func retirementInAWorker() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            try fixture.write(Self.initialFile(), to: envFile, mode: 0o600)
            let celerity = try BackupTaskTests.celerity()
            let worker = try startWorker(
                celerity, fixture, envFile: envFile, healthPaths: ["/healthz", "/ready"],
                extra: ["CELERITY_SECRETS_GRACE": "3"]
            )
            let environment = ["CELERITY_REDIS_URL": fixture.redis.url, "CELERITY_DATABASE_URL": fixture.databaseURL]
            let rotate = try await ChildProcess.run(
                celerity, arguments: ["secrets", "rotate", "--timeout", "60"], environment: environment,
                timeout: .seconds(90)
            )
            #expect(
                rotate.termination.isSuccess, "\(rotate.standardOutput)\(rotate.standardError)\n\(worker.diagnostics())"
            )
            #expect(rotate.standardOutput.contains(#""status": "applied""#))
            let rotated = try EnvFile(path: envFile)
            let newValues = Self.names.compactMap { rotated.value($0) }
            #expect(rotated.value("JWT_SECRET_KEY_PREVIOUS") == Self.oldValues[0])
            #expect(fixture.health.requests.count == 2)

            // The retirement waits in Redis's ETA set, then runs: _PREVIOUS gone, the services reloaded.
            let client = CelerityClient(configuration: try RedisConfiguration(url: fixture.redis.url))
            let rotationID = try #require(try RotationRecord.recent(fixture.database).first?.rotationID)
            let retireID = try #require(try RotationRecord.find(fixture.database, id: rotationID)?.retireTaskID)
            #expect(try await client.result(retireID).state == .pending)
            let retired = try await client.result(retireID, timeout: .seconds(30))
            #expect(retired.state == .success, "\(retired.result)\n\(worker.diagnostics())")
            let file = try EnvFile(path: envFile)
            for name in Self.names {
                #expect(file.value("\(name)_PREVIOUS") == nil && file.value("\(name)_PREVIOUS_EXPIRES_AT") == nil)
            }
            #expect(Self.names.compactMap { file.value($0) } == newValues)
            #expect(try fixture.snapshot(envFile).mode == 0o600)
            #expect(fixture.reload.requests.count == 2)
            #expect(try RotationRecord.find(fixture.database, id: rotationID)?.status == "retired")

            // Retiring again changes nothing.
            let bytes = try fixture.snapshot(envFile).bytes
            let again = try await client.result(
                try await client.enqueue(SecretsTasks.RetirePrevious(rotation_id: rotationID)), timeout: .seconds(30)
            )
            #expect(again.state == .success && again.result["status"]?.stringValue == "retired")
            #expect(try fixture.snapshot(envFile).bytes == bytes && fixture.reload.requests.count == 2)

            let history = try await ChildProcess.run(
                celerity, arguments: ["secrets", "history"], environment: environment)
            #expect(history.termination.isSuccess, "\(history.standardError)")
            #expect(history.standardOutput.contains(rotationID) && history.standardOutput.contains("retired"))
            #expect(history.standardOutput.contains("JWT_SECRET_KEY=\(JWTSecret.fingerprint(newValues[0]))"))
            for value in Self.oldValues + newValues {
                #expect(
                    !worker.output.contains(value) && !history.standardOutput.contains(value)
                        && !rotate.standardOutput.contains(value))
            }
            #expect(!worker.output.contains(MonthlyJobsFixture.password) && !worker.output.contains("slack-secret-jobs14"))
            await worker.stop()
        }
    }

    @Test(
        "a worker process killed with the new values written: the redelivery resumes them — _PREVIOUS still holds the values from before, no third set is made — and applies; the rollback copy is gone"
    )
    func killedAfterWritingResumes() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending(".env.production")
            try fixture.write(Self.initialFile(), to: envFile, mode: 0o600)
            fixture.reloadDelay.withLock { $0 = .seconds(60) }
            let celerity = try BackupTaskTests.celerity()
            let worker = try startWorker(celerity, fixture, envFile: envFile, healthPaths: ["/healthz"])
            let client = CelerityClient(configuration: try RedisConfiguration(url: fixture.redis.url))
            let rotationID = try await client.enqueue(SecretsTasks.RotateJWT())

            // The first delivery wrote its values and waits on the reload hook: kill its process there.
            _ = try await fixture.reload.waitForRequests(count: 1, timeout: .seconds(60))
            let written = try EnvFile(path: envFile)
            let firstValues = Self.names.compactMap { written.value($0) }
            #expect(firstValues.count == Self.names.count && firstValues != Self.oldValues)
            let copy = SecretRotation.rollbackCopyPath(envFile, rotationID: rotationID)
            #expect(try String(contentsOfFile: copy, encoding: .utf8) == Self.initialFile())
            #expect(try RotationRecord.find(fixture.database, id: rotationID)?.status == "running")
            let victim = try #require(JobsFixture.children(of: worker).first, "no pool process")
            fixture.reloadDelay.withLock { $0 = .zero }
            kill(victim, SIGKILL)

            let result = try await client.result(rotationID, timeout: .seconds(60))
            #expect(result.state == .success, "\(result.result)\n\(worker.diagnostics())")
            let file = try EnvFile(path: envFile)
            #expect(Self.names.compactMap { file.value($0) } == firstValues)
            for (name, old) in zip(Self.names, Self.oldValues) {
                #expect(file.value("\(name)_PREVIOUS") == old, "\(name)_PREVIOUS lost the value from before")
            }
            let record = try #require(try RotationRecord.find(fixture.database, id: rotationID))
            #expect(record.status == "applied" && record.retireTaskID != nil)
            #expect(record.fingerprints["JWT_SECRET_KEY"] == JWTSecret.fingerprint(firstValues[0]))
            #expect(!FileManager.default.fileExists(atPath: copy))
            #expect(fixture.reload.requests.count == 2)
            for value in Self.oldValues + firstValues { #expect(!worker.output.contains(value)) }
            await worker.stop()
        }
    }

    /// `celerity worker -Q security -c 1` rotating `envFile` with the fixture's reload hook, health URLs and Slack.
    private func startWorker(
        _ celerity: String, _ fixture: MonthlyJobsFixture, envFile: String, healthPaths: [String],
        extra: [String: String] = [:]
    ) throws -> ChildProcess {
        try ChildProcess(
            celerity, arguments: ["worker", "-Q", "security", "-c", "1"],
            environment: [
                "CELERITY_REDIS_URL": fixture.redis.url, "CELERITY_DATABASE_URL": fixture.databaseURL,
                "CELERITY_SECRETS_ENV_FILE": envFile,
                "CELERITY_SECRETS_RELOAD_URL": fixture.reload.url("/reload"),
                "CELERITY_SECRETS_HEALTH_URLS": healthPaths.map { fixture.health.url($0) }.joined(separator: ","),
                "SLACK_WEBHOOK_URL": fixture.slack.url(MonthlyJobsFixture.slackPath),
            ].merging(extra) { _, new in new }
        )
    }

    private func service(_ fixture: MonthlyJobsFixture, envFile: String) throws -> SecretRotation {
        let configuration = SecretsConfiguration(
            envFile: envFile,
            control: ServiceControl(
                reload: .url(fixture.reload.url("/reload")), healthURLs: [fixture.health.url("/healthz")]),
            grace: .seconds(3600)
        )
        return SecretRotation(
            configuration: configuration, http: HTTPClient(logger: fixture.logs.logger), database: fixture.database,
            slack: fixture.notifier(),
            redis: RedisConnection(configuration: try RedisConfiguration(url: fixture.redis.url))
        )
    }
}
