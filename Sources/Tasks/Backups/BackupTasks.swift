#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Broker
import Logging
import TaskAPI

/// `backups.postgres`, `backups.redis`, `backups.config` and `backups.verify`, on the `backups` queue
/// (scheduled by `deploy/schedule.yaml`; docs/backups.md).
///
/// Each returns the recorded ``BackupRun`` (file, size, SHA-256, duration; for verify the measured restore time
/// beside the RTO) or ends in FAILURE with the reason, after recording it and telling Slack. Transient failures
/// (a database or Redis that does not answer, a program that fails) are retried twice, a few minutes apart;
/// a bad configuration or a backup that fails its checks is not.
public enum BackupTasks {
    /// `backups.postgres()`.
    public struct Postgres: TaskParameters {
        public static let taskName = "backups.postgres"
        public static let parameters: [String] = []
        public static let queue = "backups"
    }

    /// `backups.redis()`.
    public struct Redis: TaskParameters {
        public static let taskName = "backups.redis"
        public static let parameters: [String] = []
        public static let queue = "backups"
    }

    /// `backups.config()`.
    public struct Config: TaskParameters {
        public static let taskName = "backups.config"
        public static let parameters: [String] = []
        public static let queue = "backups"
    }

    /// `backups.verify(latest=True)`: the newest backups are verified (the only mode; the schedule passes it).
    public struct Verify: TaskParameters {
        public static let taskName = "backups.verify"
        public static let parameters = ["latest"]
        public static let queue = "backups"
        public var latest: Bool?
    }

    /// Reads the backup configuration from the worker's settings and defines the tasks around one service on the
    /// process's shared resources (the Celerity database for the run records, Slack, the broker's Redis).
    ///
    /// Connections are made on first use, so a database that is down fails a backup run (loudly), not the worker.
    /// - Throws: ``BackupError`` with code `configuration` for a malformed setting (the worker stops, naming it).
    public static func definitions(_ resources: TaskResources) throws -> [TaskDefinition] {
        var configuration = try BackupConfiguration.load { resources.settings[$0] }
        configuration.redis = resources.brokerConfiguration
        let service = BackupService(
            configuration: configuration, recordsDatabase: resources.database, slack: resources.slack,
            logger: resources.logger
        )
        return definitions(service, metrics: resources.broker)
    }

    /// The four tasks, running on `service`; each success is also recorded for `/metrics` on `metrics` (the
    /// broker), where the `CelerityBackupTooOld` and `CelerityBackupVerificationTooOld` alerts read it.
    public static func definitions(_ service: BackupService, metrics: RedisConnection? = nil) -> [TaskDefinition] {
        @Sendable func run(_ kind: BackupKind, _ context: TaskContext) async throws -> BackupRun {
            let run = try await ExternalCommand.$taskDeadline.withValue(context.deadline) {
                try await service.run(kind, taskID: context.taskID, logger: context.logger)
            }
            guard let metrics else { return run }
            let series: [(metric: ApplicationMetric, kind: String)] =
                kind == .verify
                ? [(JobFamilyMetrics.backupLastVerification, "postgres"), (JobFamilyMetrics.backupLastVerification, "redis")]
                : [(JobFamilyMetrics.backupLastSuccess, kind.rawValue)]
            do {
                for (metric, kind) in series { try metric.set(Date(), labels: ["kind": kind], on: metrics) }
            } catch {
                context.logger.warning("cannot record the backup metrics", metadata: ["error": "\(error)"])
            }
            return run
        }
        return [
            TaskDefinition(Postgres.self, retry: retry, timeLimit: limits(4 * 3600, soft: 4 * 3600 - 600)) { _, context in
                try await run(.postgres, context)
            },
            TaskDefinition(Redis.self, retry: retry, timeLimit: limits(3600, soft: 3300)) { _, context in
                try await run(.redis, context)
            },
            TaskDefinition(Config.self, retry: retry, timeLimit: limits(600, soft: 540)) { _, context in
                try await run(.config, context)
            },
            TaskDefinition(Verify.self, retry: retry, timeLimit: limits(4 * 3600, soft: 4 * 3600 - 600)) { _, context in
                try await run(.verify, context)
            },
        ]
    }

    /// A hard limit and a soft one before it: at the soft limit the run is cancelled, its programs are killed, the
    /// failure is recorded in `backup_runs` and posted to Slack, and the staging directory is removed, all before
    /// the hard limit would kill the worker process.
    private static func limits(_ hard: Int, soft: Int) -> TimeLimit {
        TimeLimit(hard: .seconds(hard), soft: .seconds(soft))
    }

    /// Two retries, 2 then 4 minutes apart (with jitter), for failures that may pass.
    static let retry = RetryPolicy.exponential(maxRetries: 2, base: .seconds(120), cap: .seconds(600)) { error in
        guard let error = error as? BackupError else { return true }
        return [.command, .database, .io, .timeout].contains(error.code)
    }
}
