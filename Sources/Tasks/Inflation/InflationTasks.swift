#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Broker
import HTTP
import Logging
import Postgres
import TaskAPI

/// `inflation.update(period=None)`: the monthly inflation rate, fetched, validated, stored and applied to the
/// consuming service (docs/jobs.md). Sent by the schedule (`deploy/schedule.yaml`), by
/// `celerity enqueue inflation.update`, and by the app's `POST /api/v1/ml/inflation/update` from Python.
public enum InflationTasks {
    /// `inflation.update(period=None, force=False)`; `period` is `YYYY-MM`, the latest published month when absent.
    /// A month older than the newest one applied is refused unless `force` is true (a rollback of the live rate).
    /// Unique while queued or running, whatever its arguments: two updates never run at once.
    public struct Update: UniqueTaskParameters {
        public static let taskName = "inflation.update"
        public static let uniqueness = Uniqueness.whileQueuedOrRunning
        public var uniqueKey: String { Self.taskName }
        public static let parameters = ["period", "force"]
        public var period: String?
        public var force: Bool?

        public init(period: String? = nil, force: Bool? = nil) {
            self.period = period
            self.force = force
        }
    }

    /// Transient faults (the source or the database not answering, 5xx, 429) retry with backoff; a rejected rate,
    /// a failed apply or a bad period do not.
    static let retry = RetryPolicy.exponential(maxRetries: 5, base: .seconds(2), cap: .seconds(300)) { error in
        (error as? HTTPError)?.isTransient == true || (error as? PostgresError)?.isTransient == true
    }

    /// The task, on the resources of this worker process.
    /// - Throws: ``SettingsError`` for an unusable inflation setting (the worker stops, naming it).
    public static func definitions(_ resources: TaskResources) throws -> [TaskDefinition] {
        let configuration = try InflationConfiguration.load(resources.settings)
        return [
            TaskDefinition(Update.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(600), soft: .seconds(540))) {
                update, context in
                guard let configuration else {
                    throw TaskError(
                        type: "RuntimeError",
                        message: "inflation.update is not configured: set "
                            + InflationConfiguration.requiredKeys.joined(separator: " and ") + " for the worker"
                    )
                }
                let service = InflationService(
                    configuration: configuration, http: resources.http, database: try resources.requireDatabase(),
                    slack: resources.slack
                )
                let outcome = try await service.update(
                    period: update.period, force: update.force ?? false, taskID: context.taskID, logger: context.logger, deadline: context.deadline
                )
                if outcome.status == "applied", let rate = outcome.rate {
                    // For the InflationRateNotUpdated alert and the dashboard; never a reason to fail the task.
                    do {
                        try JobFamilyMetrics.inflationRateApplied.set(rate, on: resources.broker)
                        try JobFamilyMetrics.inflationRateUpdated.set(Date(), on: resources.broker)
                    } catch {
                        context.logger.warning("cannot record the inflation metrics", metadata: ["error": "\(error)"])
                    }
                }
                return outcome
            }
        ]
    }
}
