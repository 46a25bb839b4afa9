import Broker
import HTTP
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

    /// Reads the backup configuration from the worker's settings and defines the tasks around one service.
    ///
    /// Nothing is opened here: each run connects to what it needs, so a database that is down fails a backup
    /// run (loudly), not the worker.
    /// - Throws: ``BackupError`` with code `configuration` for a malformed setting (the worker stops, naming it).
    public static func setup(_ context: SetupContext) throws -> [TaskDefinition] {
        var configuration = try BackupConfiguration.load { context.settings[$0] }
        configuration.redis = context.broker
        let logger = context.logger
        let slack = SlackNotifier(
            configuration: .init(webhookURL: context.settings.secret("SLACK_WEBHOOK_URL")?.value),
            client: HTTPClient(logger: logger), logger: logger
        )
        let service = BackupService(
            configuration: configuration, recordsDatabaseURL: context.settings["CELERITY_DATABASE_URL"],
            slack: slack, logger: logger
        )
        return definitions(service)
    }

    /// The four tasks, running on `service`.
    public static func definitions(_ service: BackupService) -> [TaskDefinition] {
        [
            TaskDefinition(Postgres.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(4 * 3600))) { _, context in
                try await service.run(.postgres, taskID: context.taskID, logger: context.logger)
            },
            TaskDefinition(Redis.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(3600))) { _, context in
                try await service.run(.redis, taskID: context.taskID, logger: context.logger)
            },
            TaskDefinition(Config.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(600))) { _, context in
                try await service.run(.config, taskID: context.taskID, logger: context.logger)
            },
            TaskDefinition(Verify.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(4 * 3600))) { _, context in
                try await service.run(.verify, taskID: context.taskID, logger: context.logger)
            },
        ]
    }

    /// Two retries, 2 then 4 minutes apart (with jitter), for failures that may pass.
    static let retry = RetryPolicy.exponential(maxRetries: 2, base: .seconds(120), cap: .seconds(600)) { error in
        guard let error = error as? BackupError else { return true }
        return [.command, .database, .io, .timeout].contains(error.code)
    }
}
