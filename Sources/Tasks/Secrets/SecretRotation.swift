import Broker
import Foundation
import HTTP
import Logging
import Postgres
import TaskAPI

/// Blue-green rotation of the JWT secrets in the services' env file, and the retirement of the previous values
/// after the grace period (docs/jobs.md).
///
/// A rotation writes every name's new value with the old one as `<NAME>_PREVIOUS` (valid until
/// `<NAME>_PREVIOUS_EXPIRES_AT`), reloads the services and checks them; any failure puts the file back byte for
/// byte, reloads again and ends the task in FAILURE. Secret values exist only in this process's memory and in the
/// env file: logs, Slack, results, errors and the rotation log carry names and SHA-256 fingerprints.
final class SecretRotation: Sendable {
    let configuration: SecretsConfiguration
    let http: HTTPClient
    let database: PostgresConnection
    let slack: SlackNotifier
    let lock: RotationLock
    let now: @Sendable () -> Date

    init(
        configuration: SecretsConfiguration, http: HTTPClient, database: PostgresConnection, slack: SlackNotifier,
        redis: RedisConnection, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.http = http
        self.database = database
        self.slack = slack
        self.lock = RotationLock(redis: redis)
        self.now = now
    }

    /// Rotates every configured secret (or, with `dryRun`, says what would change and writes nothing).
    ///
    /// - Parameters:
    ///   - rotationID: The rotation's id (the task id): a redelivered task finds its finished rotation and
    ///     returns it instead of rotating again.
    ///   - sender: Sends `secrets.retire_previous(rotation_id)` with the grace period as its countdown.
    /// - Throws: `TaskError` `RuntimeError` when another rotation holds the lock, or when the rotation failed
    ///   (after the rollback); `PostgresError` when the log cannot be written before anything changed.
    func rotate(
        dryRun: Bool, rotationID: String, sender: TaskSender, logger: Logger, deadline: ContinuousClock.Instant? = nil
    ) async throws -> RotationOutcome {
        try Self.validate(rotationID)
        try holdLock(for: "secrets.rotate_jwt", holder: rotationID)
        defer { lock.release(for: rotationID) }
        let rollbackCopy = Self.rollbackCopyPath(configuration.envFile, rotationID: rotationID)
        let logged = try RotationRecord.find(database, id: rotationID)
        if let done = logged, done.status != "running" {
            unlink(rollbackCopy)
            logger.info(
                "rotation already finished", metadata: ["rotation.id": "\(rotationID)", "status": "\(done.status)"])
            return RotationOutcome(done)
        }
        let names = configuration.names
        try database.query(
            """
            INSERT INTO secret_rotations (rotation_id, status, names, started_at, task_id)
            VALUES ($1, 'running', $2, $3, $1)
            ON CONFLICT (rotation_id) DO NOTHING
            """,
            [.text(rotationID), .json(.array(names.map { .string($0) })), .timestamp(now())], deadline: deadline
        )

        // Held until the last restore: an inflation update of the same file waits, and neither rollback reverts the
        // other's change.
        let envLock: EnvFileLock
        var file: EnvFile
        do {
            envLock = try EnvFileLock(path: configuration.envFile)
            file = try EnvFile(path: configuration.envFile)
        } catch {
            try fail(rotationID, status: "failed", "\(error)", logger: logger, deadline: deadline)
        }
        defer { withExtendedLifetime(envLock) {} }
        var newValues: [String: String] = [:]
        var oldValues: [String] = []
        var plan: [String] = []
        /// What a rollback puts back: the file as it was before this rotation wrote it (`nil`: unknown, see below).
        let beforeRotation: EnvFile?
        let expiresAt: Date
        let resumed: Bool
        if !dryRun, let logged, !logged.fingerprints.isEmpty,
            names.allSatisfy({ name in file.value(name).map(JWTSecret.fingerprint) == logged.fingerprints[name] })
        {
            // A redelivery after this rotation's worker died with the new values written: they are in the file,
            // with the values from before as _PREVIOUS. Resume at the reload; new values would overwrite _PREVIOUS,
            // which every token issued before the rotation is signed with.
            for name in names {
                newValues[name] = file.value(name)
                if let old = file.value("\(name)_PREVIOUS") { oldValues.append(old) }
            }
            expiresAt = logged.previousExpiresAt ?? logged.startedAt.addingTimeInterval(configuration.grace.seconds)
            resumed = true
            // The copy is written before the file; if someone removed it since, a failure below cannot roll back.
            beforeRotation = access(rollbackCopy, F_OK) == 0 ? try? EnvFile(path: rollbackCopy) : nil
            plan = ["resumed: the new values were already written by an earlier delivery"]
            logger.warning("rotation resumed after its new values were written", metadata: ["rotation.id": "\(rotationID)"])
        } else {
            expiresAt = now().addingTimeInterval(configuration.grace.seconds)
            resumed = false
            let expiry = Self.iso8601(expiresAt)
            for name in names {
                let value = JWTSecret.generate()
                newValues[name] = value
                if let old = file.value(name), !old.isEmpty {
                    guard EnvFile.rendered(old) != nil else {
                        try fail(
                            rotationID, status: "failed",
                            "the current value of \(name) cannot be kept as \(name)_PREVIOUS: it contains a control "
                                + "character, or a single quote together with $, ` or \\ (nothing was changed)",
                            logger: logger, deadline: deadline)
                    }
                    oldValues.append(old)
                    try file.set("\(name)_PREVIOUS", old)
                    try file.set("\(name)_PREVIOUS_EXPIRES_AT", expiry)
                    plan.append("\(name): new value; the current one kept as \(name)_PREVIOUS until \(expiry)")
                } else {
                    file.remove("\(name)_PREVIOUS")
                    file.remove("\(name)_PREVIOUS_EXPIRES_AT")
                    plan.append("\(name): new value (not set before, so no previous value)")
                }
                try file.set(name, value)
            }
            beforeRotation = file
        }
        let fingerprints = newValues.mapValues(JWTSecret.fingerprint)
        let expiry = Self.iso8601(expiresAt)
        var outcome = RotationOutcome(rotationID: rotationID, status: dryRun ? "dry_run" : "applied", names: names)
        outcome.previousExpiresAt = expiry

        if dryRun {
            outcome.plan = plan
            do {
                try configuration.control.checkHealth(http: http)
                try checkTokens(newValues, against: newValues)
                outcome.health = "ok"
            } catch {
                outcome.health = "\(error)"
            }
            try finish(rotationID, status: "dry_run", fingerprints: [:], expiresAt: nil, deadline: deadline)
            logger.info("rotation dry run", metadata: ["rotation.id": "\(rotationID)", "names": "\(names.count)"])
            return outcome
        }

        if !resumed {
            // Write-ahead: the fingerprints of the values about to be written, and a copy of the file as it is, so
            // that a redelivery can tell whether they were written and still roll back byte for byte.
            do {
                try recordPlanned(rotationID, fingerprints: fingerprints, expiresAt: expiresAt, deadline: deadline)
                try file.saveOriginal(to: rollbackCopy)
                try file.write(removing: 0o007)
            } catch {
                unlink(rollbackCopy)
                try fail(rotationID, status: "failed", "\(error) (nothing was changed)", logger: logger, deadline: deadline)
            }
        }
        let secrets = Array(newValues.values) + oldValues
        do {
            try await configuration.control.reloadService(http: http, logger: logger, secrets: secrets)
            try configuration.control.checkHealth(http: http)
            let written = try EnvFile(path: configuration.envFile)
            try checkTokens(
                newValues, against: Dictionary(uniqueKeysWithValues: names.map { ($0, written.value($0) ?? "") }))
        } catch {
            let reason = "\(error)"
            var restored = "the previous env file was restored byte for byte and the services reloaded"
            do {
                guard let beforeRotation else {
                    throw ServiceControlError("the copy of the file from before the rotation (\(rollbackCopy)) is gone")
                }
                try beforeRotation.restore(to: configuration.envFile)
                unlink(rollbackCopy)
                try await configuration.control.reloadService(http: http, logger: logger, secrets: secrets)
            } catch let restoreError {
                restored = "RESTORING FAILED (\(restoreError)): check \(configuration.envFile) now (the file as it "
                    + "was before the rotation is kept in \(rollbackCopy))"
            }
            try fail(rotationID, status: "rolled_back", "\(reason); \(restored)", logger: logger, deadline: deadline)
        }

        outcome.fingerprints = fingerprints
        outcome.retireTaskID = try await sender.send(
            SecretsTasks.RetirePrevious(rotation_id: rotationID),
            options: SendOptions(countdown: configuration.grace)
        )
        try finish(
            rotationID, status: "applied", fingerprints: fingerprints, expiresAt: expiresAt,
            retireTaskID: outcome.retireTaskID, deadline: deadline)
        unlink(rollbackCopy)
        let list = names.map { "`\($0)` (\(fingerprints[$0] ?? ""))" }.joined(separator: ", ")
        slack.notify(
            ":key: JWT secrets rotated (rotation \(rotationID)): \(list). Tokens signed with the previous values are "
                + "accepted until \(expiry); they are retired then.",
            deadline: deadline
        )
        logger.info("secrets rotated", metadata: ["rotation.id": "\(rotationID)", "names": "\(names.count)"])
        return outcome
    }

    /// Removes the `_PREVIOUS` entries of rotation `rotationID` and reloads; a second run (or a rotation that was
    /// since superseded, rolled back or already retired) changes nothing.
    /// - Throws: `TaskError` `ValueError` for an unknown rotation, `RuntimeError` when the reload or health check
    ///   failed (after restoring the file).
    func retire(rotationID: String, force: Bool = false, logger: Logger, deadline: ContinuousClock.Instant? = nil)
        async throws -> RotationOutcome
    {
        try Self.validate(rotationID)
        try holdLock(for: "secrets.retire_previous", holder: "retire:\(rotationID)")
        defer { lock.release(for: "retire:\(rotationID)") }
        guard let record = try RotationRecord.find(database, id: rotationID) else {
            throw TaskError.valueError("secrets.retire_previous: no rotation \(rotationID) in the rotation log")
        }
        var outcome = RotationOutcome(rotationID: rotationID, status: record.status, names: record.names)
        guard record.status == "applied" else {
            outcome.plan = ["nothing to retire: the rotation is \(record.status)"]
            return outcome
        }
        if !force, let expires = record.previousExpiresAt, now() < expires.addingTimeInterval(-Self.clockSkew) {
            throw TaskError.valueError(
                "secrets.retire_previous: the grace period of rotation \(rotationID) ends at "
                    + "\(Self.iso8601(expires)); retiring now would log out every session signed with the previous "
                    + "values. Wait, or pass force=True")
        }
        let newer =
            try database.query(
                "SELECT count(*) AS n FROM secret_rotations WHERE status = 'applied' AND started_at > $1",
                [.timestamp(record.startedAt)], deadline: deadline
            ).first?.decode("n", as: Int.self) ?? 0
        if newer == 0 {
            let envLock = try EnvFileLock(path: configuration.envFile)
            defer { withExtendedLifetime(envLock) {} }
            var file = try EnvFile(path: configuration.envFile)
            let secrets = record.names.compactMap { file.value("\($0)_PREVIOUS") }
            for name in record.names {
                file.remove("\(name)_PREVIOUS")
                file.remove("\(name)_PREVIOUS_EXPIRES_AT")
            }
            if file.isChanged {
                do {
                    try file.write(removing: 0o007)
                    try await configuration.control.reloadService(http: http, logger: logger, secrets: secrets)
                    try configuration.control.checkHealth(http: http)
                } catch {
                    var restored = "the env file was restored and the services reloaded"
                    do {
                        try file.restore()
                        try await configuration.control.reloadService(http: http, logger: logger, secrets: secrets)
                    } catch let restoreError {
                        restored = "RESTORING FAILED (\(restoreError)): check \(configuration.envFile) now"
                    }
                    slack.notify(
                        ":rotating_light: CRITICAL: retiring the previous JWT secrets of rotation \(rotationID) failed: "
                            + "\(error); \(restored). The previous values are still accepted.",
                        deadline: deadline
                    )
                    throw TaskError(type: "RuntimeError", message: "secrets.retire_previous: \(error); \(restored)")
                }
            }
            outcome.plan = record.names.map { "\($0)_PREVIOUS removed" }
        } else {
            outcome.plan = ["a newer rotation replaced the previous values; its own retirement removes them"]
        }
        try database.query(
            "UPDATE secret_rotations SET status = 'retired', retired_at = now() WHERE rotation_id = $1",
            [.text(rotationID)], deadline: deadline
        )
        outcome.status = "retired"
        slack.notify(
            "JWT secrets: the previous values of rotation \(rotationID) are retired (\(record.names.count) names).",
            deadline: deadline
        )
        logger.info("previous secrets retired", metadata: ["rotation.id": "\(rotationID)"])
        return outcome
    }

    private func holdLock(for task: String, holder: String) throws {
        guard try lock.acquire(for: holder) else {
            throw TaskError(
                type: "RuntimeError",
                message: "\(task): another rotation or retirement is running (lock \(RotationLock.key)); nothing "
                    + "was changed. Run it again once that one has finished."
            )
        }
    }

    /// HS256 sign with each new value, verify with the value the service will read.
    private func checkTokens(_ signing: [String: String], against verifying: [String: String]) throws {
        for name in configuration.names {
            guard let secret = signing[name], let readBack = verifying[name],
                JWTSecret.signAndVerify(signingSecret: secret, verifyingSecret: readBack, now: now())
            else {
                throw ServiceControlError("\(name): an HS256 token signed with the new value does not verify")
            }
        }
    }

    /// Logs the fingerprints of the values a rotation is about to write and the end of their grace period (the
    /// rotation stays `running`).
    private func recordPlanned(
        _ rotationID: String, fingerprints: [String: String], expiresAt: Date, deadline: ContinuousClock.Instant?
    ) throws {
        try database.query(
            "UPDATE secret_rotations SET fingerprints = $2, previous_expires_at = $3 WHERE rotation_id = $1",
            [.text(rotationID), .json(Self.fingerprintObject(fingerprints)), .timestamp(expiresAt)],
            deadline: deadline
        )
    }

    private static func fingerprintObject(_ fingerprints: [String: String]) -> JSONValue {
        .object(JSONObject(fingerprints.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }

    /// How early a retirement may run and still count as after the grace period (clocks of two machines differ).
    static let clockSkew: TimeInterval = 60

    /// Refuses a rotation id (the task id) that is not `[A-Za-z0-9-]{1,64}`: it becomes part of a file name.
    static func validate(_ rotationID: String) throws {
        let allowed = rotationID.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
        }
        guard allowed, (1...64).contains(rotationID.utf8.count) else {
            throw TaskError.valueError("the rotation id (task id) must be 1 to 64 characters from A-Z, a-z, 0-9 and '-'")
        }
    }

    /// Where a rotation keeps the env file as it was before it wrote it, until the rotation has finished: beside
    /// the file (same directory, same mode), hidden, named after the rotation.
    static func rollbackCopyPath(_ envFile: String, rotationID: String) -> String {
        let directory = (envFile as NSString).deletingLastPathComponent
        let name = ".\((envFile as NSString).lastPathComponent).before-rotation-\(rotationID)"
        return directory.isEmpty ? name : "\(directory)/\(name)"
    }

    private func finish(
        _ rotationID: String, status: String, fingerprints: [String: String], expiresAt: Date?,
        retireTaskID: String? = nil, error: String? = nil, deadline: ContinuousClock.Instant?
    ) throws {
        let object = Self.fingerprintObject(fingerprints)
        try database.query(
            """
            UPDATE secret_rotations SET status = $2, fingerprints = $3, finished_at = now(), previous_expires_at = $4,
                retire_task_id = $5, error = $6
            WHERE rotation_id = $1
            """,
            [
                .text(rotationID), .text(status), .json(object), expiresAt.map { .timestamp($0) },
                retireTaskID.map { .text($0) },
                error.map { .text($0) },
            ],
            deadline: deadline
        )
    }

    /// Logs the failure, tells Slack (critical), and throws the task's FAILURE.
    private func fail(
        _ rotationID: String, status: String, _ reason: String, logger: Logger, deadline: ContinuousClock.Instant?
    ) throws -> Never {
        logger.error(
            "rotation failed", metadata: ["rotation.id": "\(rotationID)", "status": "\(status)", "error": "\(reason)"])
        try? finish(rotationID, status: status, fingerprints: [:], expiresAt: nil, error: reason, deadline: deadline)
        slack.notify(
            ":rotating_light: CRITICAL: JWT secret rotation \(rotationID) \(status == "rolled_back" ? "ROLLED BACK" : "FAILED"): "
                + "\(reason).",
            deadline: deadline
        )
        throw TaskError(type: "RuntimeError", message: "secrets.rotate_jwt \(status): \(reason)")
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
