import TaskAPI

/// The job families' gauges (docs/operations.md, "The job families' series"), declared through the task API's open
/// ``TaskAPI/ApplicationMetric`` as any application declares its own. The alert rules in deploy/ query these names.
public enum JobFamilyMetrics {
    /// When the last backup of `kind` (`postgres`, `redis`, `configs`) succeeded, Unix seconds.
    public static let backupLastSuccess = ApplicationMetric.gauge(
        "celerity_backup_last_success_timestamp_seconds", help: "When the last backup of each kind succeeded (Unix seconds).",
        labels: ["kind"]
    )
    /// When a restore of `kind` last passed its verification, Unix seconds.
    public static let backupLastVerification = ApplicationMetric.gauge(
        "celerity_backup_last_verification_timestamp_seconds",
        help: "When a restore of each backup kind last passed verification (Unix seconds).", labels: ["kind"]
    )
    /// The monthly inflation rate in effect, as a fraction (0.042).
    public static let inflationRateApplied = ApplicationMetric.gauge(
        "celerity_inflation_rate_applied_ratio", help: "The monthly inflation rate in effect, as a fraction."
    )
    /// When that rate was applied, Unix seconds.
    public static let inflationRateUpdated = ApplicationMetric.gauge(
        "celerity_inflation_rate_updated_timestamp_seconds", help: "When the inflation rate in effect was applied (Unix seconds)."
    )
    /// 1 when the last JWT secret rotation succeeded, 0 when it failed.
    public static let secretRotationLastStatus = ApplicationMetric.gauge(
        "celerity_secret_rotation_last_status", help: "1 if the last JWT secret rotation succeeded, 0 if it failed."
    )
    /// When the last rotation finished (either way), Unix seconds.
    public static let secretRotationLastRun = ApplicationMetric.gauge(
        "celerity_secret_rotation_last_run_timestamp_seconds", help: "When the last JWT secret rotation finished (Unix seconds)."
    )
}
