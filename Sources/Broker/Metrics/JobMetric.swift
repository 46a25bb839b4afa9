#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The job families' own gauges (backups, inflation, secret rotation). A task records them in Redis with
/// ``record(_:on:)``; every worker node's `/metrics` exports them, whichever node ran the task. Here, in
/// Broker, so that the job families (which see the task API, not the worker) can record them.
/// Only the series named here exist: their names, labels and help text are fixed (docs/operations.md).
public enum JobMetric: Sendable, Hashable {
    /// `celerity_backup_last_success_timestamp_seconds{kind}`: when the last backup of `kind`
    /// (`postgres`, `redis`, `configs`) succeeded, Unix seconds.
    case backupLastSuccess(kind: String)
    /// `celerity_backup_last_verification_timestamp_seconds{kind}`: when a restore of `kind` last passed
    /// its verification, Unix seconds.
    case backupLastVerification(kind: String)
    /// `celerity_inflation_rate_applied_ratio`: the monthly inflation rate in effect, as a fraction (0.042).
    case inflationRateApplied
    /// `celerity_inflation_rate_updated_timestamp_seconds`: when that rate was applied, Unix seconds.
    case inflationRateUpdated
    /// `celerity_secret_rotation_last_status`: 1 when the last JWT secret rotation succeeded, 0 when it failed.
    case secretRotationLastStatus
    /// `celerity_secret_rotation_last_run_timestamp_seconds`: when the last rotation finished (either way).
    case secretRotationLastRun

    /// The Redis hash holding every recorded value; field = ``Series/field``.
    public static let key = "celerity:metrics:jobs"

    /// A metric name and its label values: one line of `/metrics`.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var labels: [(String, String)]

        /// The hash field: the name, then `label=value` pairs, separated by `|`.
        package var field: String { ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "|") }

        init(name: String, labels: [(String, String)]) {
            self.name = name
            self.labels = labels
        }

        /// Parses a hash field; `nil` unless it names one of the catalogue's metrics with exactly its declared
        /// label names (``JobMetric/labelNames``), in order. A field an older or newer version, a script or a typo
        /// wrote with other labels is refused here: swift-prometheus traps when one family mixes label sets.
        package init?(field: String) {
            let parts = field.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard let name = parts.first, let expected = JobMetric.labelNames[name], parts.count == expected.count + 1 else {
                return nil
            }
            var labels: [(String, String)] = []
            for (part, label) in zip(parts.dropFirst(), expected) {
                guard let equals = part.firstIndex(of: "="), part[..<equals] == label else { return nil }
                let value = String(part[part.index(after: equals)...])
                guard !value.isEmpty, value.utf8.count <= 64 else { return nil }
                labels.append((label, value))
            }
            self.init(name: name, labels: labels)
        }

        public static func == (lhs: Series, rhs: Series) -> Bool { lhs.field == rhs.field }
        public func hash(into hasher: inout Hasher) { hasher.combine(field) }
    }

    /// The series this metric writes.
    public var series: Series {
        switch self {
        case .backupLastSuccess(let kind):
            Series(name: "celerity_backup_last_success_timestamp_seconds", labels: [("kind", Self.clean(kind))])
        case .backupLastVerification(let kind):
            Series(name: "celerity_backup_last_verification_timestamp_seconds", labels: [("kind", Self.clean(kind))])
        case .inflationRateApplied: Series(name: "celerity_inflation_rate_applied_ratio", labels: [])
        case .inflationRateUpdated: Series(name: "celerity_inflation_rate_updated_timestamp_seconds", labels: [])
        case .secretRotationLastStatus: Series(name: "celerity_secret_rotation_last_status", labels: [])
        case .secretRotationLastRun: Series(name: "celerity_secret_rotation_last_run_timestamp_seconds", labels: [])
        }
    }

    /// The label names of each metric, in field order: `kind` for the backup series, none for the rest.
    package static let labelNames: [String: [String]] = [
        "celerity_backup_last_success_timestamp_seconds": ["kind"],
        "celerity_backup_last_verification_timestamp_seconds": ["kind"],
        "celerity_inflation_rate_applied_ratio": [],
        "celerity_inflation_rate_updated_timestamp_seconds": [],
        "celerity_secret_rotation_last_status": [],
        "celerity_secret_rotation_last_run_timestamp_seconds": [],
    ]

    /// HELP text per metric name.
    package static let help: [String: String] = [
        "celerity_backup_last_success_timestamp_seconds": "When the last backup of each kind succeeded (Unix seconds).",
        "celerity_backup_last_verification_timestamp_seconds": "When a restore of each backup kind last passed verification (Unix seconds).",
        "celerity_inflation_rate_applied_ratio": "The monthly inflation rate in effect, as a fraction.",
        "celerity_inflation_rate_updated_timestamp_seconds": "When the inflation rate in effect was applied (Unix seconds).",
        "celerity_secret_rotation_last_status": "1 if the last JWT secret rotation succeeded, 0 if it failed.",
        "celerity_secret_rotation_last_run_timestamp_seconds": "When the last JWT secret rotation finished (Unix seconds).",
    ]

    /// Records `value` for this metric (idempotent: a task that runs twice writes the same value twice).
    /// - Throws: ``RedisError`` when Redis cannot be written.
    public func record(_ value: Double, on connection: RedisConnection) throws {
        _ = try connection.send(["HSET", Self.key, series.field, String(value)])
    }

    /// Records a time as Unix seconds.
    public func record(_ date: Date, on connection: RedisConnection) throws {
        try record(date.timeIntervalSince1970, on: connection)
    }

    /// A label value cannot hold the field's separators.
    private static func clean(_ value: String) -> String {
        String(value.map { $0 == "|" || $0 == "=" ? "_" : $0 })
    }
}
