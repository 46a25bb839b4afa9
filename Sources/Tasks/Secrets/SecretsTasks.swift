import Broker
import TaskAPI

/// `secrets.rotate_jwt(dry_run=False)` and `secrets.retire_previous(rotation_id)`, on the `security` queue
/// (docs/jobs.md). The schedule runs the rotation monthly; `celerity secrets rotate [--dry-run]` sends it on demand.
public enum SecretsTasks {
    /// `secrets.rotate_jwt(dry_run=False)`.
    public struct RotateJWT: TaskParameters {
        public static let taskName = "secrets.rotate_jwt"
        public static let parameters = ["dry_run"]
        public static let queue = "security"
        public var dry_run: Bool?

        public init(dry_run: Bool? = nil) { self.dry_run = dry_run }
    }

    /// `secrets.retire_previous(rotation_id)`: sent by a successful rotation with the grace period as countdown.
    public struct RetirePrevious: TaskParameters {
        public static let taskName = "secrets.retire_previous"
        public static let parameters = ["rotation_id"]
        public static let queue = "security"
        public var rotation_id: String

        public init(rotation_id: String) { self.rotation_id = rotation_id }
    }

    /// Both tasks, on the resources of this worker process. Neither retries on its own: a failed rotation was
    /// rolled back and is re-run by a person or the next schedule; the lock refuses a second one at once.
    /// - Throws: ``SettingsError`` for an unusable `CELERITY_SECRETS_*` setting (the worker stops, naming it).
    public static func definitions(_ resources: TaskResources) throws -> [TaskDefinition] {
        let configuration = try SecretsConfiguration.load(resources.settings)
        let limit = TimeLimit(hard: .seconds(600), soft: .seconds(540))
        @Sendable func rotation() throws -> SecretRotation {
            guard let configuration else {
                throw TaskError(
                    type: "RuntimeError",
                    message: "JWT secret rotation is not configured: set CELERITY_SECRETS_ENV_FILE for the worker"
                )
            }
            return SecretRotation(
                configuration: configuration, http: resources.http, database: try resources.requireDatabase(),
                slack: resources.slack, redis: resources.broker
            )
        }
        return [
            TaskDefinition(RotateJWT.self, timeLimit: limit) { parameters, context in
                try await rotation().rotate(
                    dryRun: parameters.dry_run ?? false, rotationID: context.taskID, sender: context.sender,
                    logger: context.logger, deadline: context.deadline
                )
            },
            TaskDefinition(RetirePrevious.self, timeLimit: limit) { parameters, context in
                try await rotation().retire(
                    rotationID: parameters.rotation_id, logger: context.logger, deadline: context.deadline
                )
            },
        ]
    }
}
