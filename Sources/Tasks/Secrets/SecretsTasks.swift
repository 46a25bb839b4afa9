#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Broker
import Logging
import TaskAPI

/// `secrets.rotate_jwt(dry_run=False)` and `secrets.retire_previous(rotation_id)`, on the `security` queue
/// (docs/jobs.md). The schedule runs the rotation monthly; `celerity secrets rotate [--dry-run]` sends it on demand.
public enum SecretsTasks {
    /// `secrets.rotate_jwt(dry_run=False)`.
    /// Unique while queued or running, whatever its arguments: two rotations never run at once.
    public struct RotateJWT: UniqueTaskParameters {
        public static let taskName = "secrets.rotate_jwt"
        public static let uniqueness = Uniqueness.whileQueuedOrRunning
        public var uniqueKey: String { Self.taskName }
        public static let parameters = ["dry_run"]
        public static let queue = "security"
        public var dry_run: Bool?

        public init(dry_run: Bool? = nil) { self.dry_run = dry_run }
    }

    /// `secrets.retire_previous(rotation_id, force=False)`: sent by a successful rotation with the grace period as
    /// countdown. It refuses to run before the grace period has ended unless `force` is true.
    public struct RetirePrevious: TaskParameters {
        public static let taskName = "secrets.retire_previous"
        public static let parameters = ["rotation_id", "force"]
        public static let queue = "security"
        public var rotation_id: String
        public var force: Bool?

        public init(rotation_id: String, force: Bool? = nil) {
            self.rotation_id = rotation_id
            self.force = force
        }
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
                let dryRun = parameters.dry_run ?? false
                do {
                    let outcome = try await rotation().rotate(
                        dryRun: dryRun, rotationID: context.taskID, sender: context.sender,
                        logger: context.logger, deadline: context.deadline
                    )
                    if !dryRun { recordMetrics(succeeded: true, resources: resources, logger: context.logger) }
                    return outcome
                } catch {
                    if !dryRun { recordMetrics(succeeded: false, resources: resources, logger: context.logger) }
                    throw error
                }
            },
            TaskDefinition(RetirePrevious.self, timeLimit: limit) { parameters, context in
                try await rotation().retire(
                    rotationID: parameters.rotation_id, force: parameters.force ?? false, logger: context.logger,
                    deadline: context.deadline
                )
            },
        ]
    }

    /// `celerity_secret_rotation_last_status` (1 applied, 0 failed) and its time, for the `SecretRotationFailed`
    /// alert; a metric that cannot be written is logged, never a reason to change the task's outcome.
    private static func recordMetrics(succeeded: Bool, resources: TaskResources, logger: Logger) {
        do {
            try JobFamilyMetrics.secretRotationLastStatus.set(succeeded ? 1 : 0, on: resources.broker)
            try JobFamilyMetrics.secretRotationLastRun.set(Date(), on: resources.broker)
        } catch {
            logger.warning("cannot record the rotation metrics", metadata: ["error": "\(error)"])
        }
    }
}
