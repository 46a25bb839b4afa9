import Foundation

/// One recorded run of a backup kind: a row of `backup_runs`.
public struct BackupRun: Sendable, Hashable, Codable {
    /// How a run ended.
    public enum Status: String, Sendable, Hashable, Codable {
        case success
        case failure
    }

    /// A unique id per run (a retried task records a second run).
    public var id: String
    /// What ran.
    public var kind: BackupKind
    /// How it ended.
    public var status: Status
    /// When it started.
    public var startedAt: Date
    /// How long it took, in seconds.
    public var durationSeconds: Double
    /// The backup file written (for `verify`: the PostgreSQL backup restored), if any.
    public var file: String?
    /// Its size in bytes.
    public var size: Int64?
    /// Its SHA-256.
    public var sha256: String?
    /// Rows per table (`schema.table`) at dump time; for `verify`, as restored.
    public var rowCounts: [String: Int64]?
    /// For a PostgreSQL backup: when a verification last restored it successfully.
    public var verifiedAt: Date?
    /// For `verify`: seconds the restore took (decompress, `pg_restore`, checks).
    public var restoreSeconds: Double?
    /// For `verify`: the recovery time objective in seconds, beside the measured time.
    public var recoveryTimeObjectiveSeconds: Double?
    /// Why the run failed, without credentials.
    public var error: String?
    /// The Celerity task that ran it, if it ran as a task.
    public var taskID: String?

    /// When it ended.
    public var finishedAt: Date { startedAt.addingTimeInterval(durationSeconds) }

    /// Snake-case keys, as Python clients reading the task result expect.
    enum CodingKeys: String, CodingKey {
        case id, kind, status, file, size, sha256, error
        case startedAt = "started_at"
        case durationSeconds = "duration_seconds"
        case rowCounts = "row_counts"
        case verifiedAt = "verified_at"
        case restoreSeconds = "restore_seconds"
        case recoveryTimeObjectiveSeconds = "rto_seconds"
        case taskID = "task_id"
    }
}
