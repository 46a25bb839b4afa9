import Broker
import Foundation
import HTTP
import Logging
import Postgres

/// Runs the backup jobs and restores: each run is recorded in `backup_runs`, and a failure is logged,
/// recorded and sent to Slack before it is thrown (the task then ends in FAILURE with the reason).
///
/// A failed run removes only its own unfinished files: the previous backups stay as they were, and retention
/// runs only after a successful backup.
public final class BackupService: Sendable {
    /// What is backed up, where to, and for how long.
    public let configuration: BackupConfiguration
    private let recordsDatabase: PostgresConnection?
    private let slack: SlackNotifier
    private let logger: Logger

    /// Creates a service.
    ///
    /// - Parameters:
    ///   - configuration: The backup configuration.
    ///   - recordsDatabase: The Celerity database holding `backup_runs` (`CELERITY_DATABASE_URL`; the process's
    ///     shared connection, which connects on first use, so a database that is down fails a run, not the
    ///     worker). `nil` fails every run, saying what to set.
    ///   - slack: Where failures are posted (`SLACK_WEBHOOK_URL`; without a URL it logs and drops them).
    ///   - logger: Where progress and failures are logged.
    public init(
        configuration: BackupConfiguration,
        recordsDatabase: PostgresConnection?,
        slack: SlackNotifier,
        logger: Logger
    ) {
        self.configuration = configuration
        self.recordsDatabase = recordsDatabase
        self.slack = slack
        self.logger = logger
    }

    /// Runs one kind now.
    ///
    /// - Parameters:
    ///   - kind: What to back up (or `verify`).
    ///   - taskID: The Celerity task running it, recorded with the run.
    ///   - logger: The task's logger (with its `task.id`); the service's own when `nil`.
    /// - Returns: The recorded run.
    /// - Throws: ``BackupError`` saying what failed (already recorded and sent to Slack), or `CancellationError`
    ///   when the task was cancelled (its time limit).
    @discardableResult
    public func run(_ kind: BackupKind, taskID: String? = nil, logger: Logger? = nil) async throws -> BackupRun {
        var logger = logger ?? self.logger
        logger[metadataKey: "backup.kind"] = "\(kind)"
        let startedAt = Date()
        let clock = ContinuousClock.now
        var run = BackupRun(
            id: UUID().uuidString.lowercased(), kind: kind, status: .success, startedAt: startedAt,
            durationSeconds: 0, taskID: taskID
        )
        var records: BackupRecords?
        do {
            records = try openRecords()
            try await perform(kind, into: &run, records: records!, logger: logger)
            run.durationSeconds = (ContinuousClock.now - clock).seconds
            try records!.insert(run)
            logger.info(
                "backup run succeeded",
                metadata: [
                    "backup.file": "\(run.file ?? "")", "backup.size": "\(run.size ?? 0)",
                    "backup.duration_seconds": "\(run.durationSeconds)",
                ]
            )
            return run
        } catch {
            let message =
                (error as? BackupError)?.message
                ?? (error is CancellationError
                    ? "the task's time limit came (or it was revoked): the run was cancelled and its programs killed"
                    : "\(error)")
            run.status = .failure
            run.error = message
            run.durationSeconds = (ContinuousClock.now - clock).seconds
            logger.info("backup run failed", metadata: ["backup.error": "\(message)"])
            do {
                guard let records else { throw BackupError(.database, "no connection to the records database") }
                try records.insert(run)
            } catch {
                logger.info("the failed run could not be recorded", metadata: ["backup.error": "\(error)"])
            }
            slack.notify(
                ":rotating_light: Celerity backup `\(kind)` FAILED on \(Self.hostName): \(message)",
                deadline: .now + .seconds(30)
            )
            throw error
        }
    }

    /// The run records, on the records database.
    private func openRecords() throws -> BackupRecords {
        guard let recordsDatabase else {
            throw BackupError(
                .configuration, "CELERITY_DATABASE_URL is not set: backup runs are recorded in the Celerity database"
            )
        }
        return BackupRecords(database: BackupDatabase(connection: recordsDatabase))
    }

    private func perform(
        _ kind: BackupKind, into run: inout BackupRun, records: BackupRecords, logger: Logger
    ) async throws {
        let directory = configuration.directory(for: kind)
        var finished: BackupArtifact?
        switch kind {
        case .postgres:
            let outcome = try await PostgresBackup(
                target: try configuration.databaseTarget(), minimumSize: configuration.postgresMinimumSize
            ).run(into: directory, now: run.startedAt, logger: logger)
            finished = outcome.artifact
            run.rowCounts = outcome.rowCounts
        case .redis:
            finished = try await RedisBackup(redis: configuration.redis)
                .run(into: directory, now: run.startedAt, logger: logger).0
        case .config:
            finished = try await ConfigBackup(files: configuration.configFiles)
                .run(into: directory, now: run.startedAt, logger: logger)
        case .verify:
            let outcome = try await BackupVerifier(configuration: configuration)
                .run(records: records, now: run.startedAt, logger: logger)
            run.file = outcome.postgresFile
            run.sha256 = outcome.sha256
            run.rowCounts = outcome.rowCounts
            run.restoreSeconds = outcome.restoreSeconds
            run.recoveryTimeObjectiveSeconds = configuration.recoveryTimeObjective.seconds
            try records.markVerified(file: outcome.postgresFile, at: Date())
            if outcome.restoreSeconds > configuration.recoveryTimeObjective.seconds {
                logger.warning(
                    "the restore took longer than the recovery time objective",
                    metadata: ["backup.restore_seconds": "\(outcome.restoreSeconds)"]
                )
            }
        }
        guard let artifact = finished else { return }
        run.file = artifact.fileName
        run.size = artifact.size
        run.sha256 = artifact.sha256
        let removed = try BackupRetention(kind: kind, days: configuration.retentionDays(for: kind))
            .prune(directory: directory, now: run.startedAt)
        if !removed.isEmpty {
            logger.info("old backups pruned", metadata: ["backup.removed": "\(removed.joined(separator: ", "))"])
        }
        if let offsite = configuration.offsiteCopy {
            try await offsite.copy([artifact.path, artifact.sidecarPath], scrubber: SecretScrubber(secrets: []))
        }
    }

    /// Restores a PostgreSQL backup into `databaseURL`, after checking its SHA-256 against its sidecar and, when
    /// this service's records know the file, the recorded checksum.
    ///
    /// - Returns: The number of tables in the restored database's non-system schemas.
    public func restore(file: String, into databaseURL: String) async throws -> Int {
        var recorded: String?
        if let records = try? openRecords() {
            recorded = try? records.successfulRun(file: (file as NSString).lastPathComponent)?.sha256
        }
        return try await Self.restore(file: file, into: databaseURL, recordedChecksum: recorded, logger: logger)
    }

    /// Restores a PostgreSQL backup without a records database (when it is the one being restored): the SHA-256
    /// is checked against the sidecar and `recordedChecksum`, if given.
    ///
    /// - Returns: The number of tables in the restored database's non-system schemas.
    /// - Throws: ``BackupError`` with code `checksumMismatch` before anything is restored, or the restore's error.
    public static func restore(
        file: String, into databaseURL: String, recordedChecksum: String? = nil, logger: Logger
    ) async throws -> Int {
        guard file.hasSuffix(BackupKind.postgres.fileSuffix) else {
            throw BackupError(
                .invalidBackup,
                "\((file as NSString).lastPathComponent) is not a PostgreSQL backup (*\(BackupKind.postgres.fileSuffix)); "
                    + "Redis and configuration backups are restored by hand: docs/backups.md"
            )
        }
        let target = try PostgresToolTarget(url: databaseURL, name: "--database")
        let restore = PostgresRestore(file: file, recordedChecksum: recordedChecksum)
        _ = try restore.checkChecksum()
        try await restore.restore(into: target, clean: true, logger: logger)
        let database = BackupDatabase(configuration: target.configuration, logger: logger)
        defer { database.close() }
        return try database.rowCounts().count
    }

    /// The recorded runs, newest first.
    public func recentRuns(limit: Int = 100) async throws -> [BackupRun] {
        try openRecords().recent(limit: limit)
    }

    private static var hostName: String { ProcessInfo.processInfo.hostName }
}
