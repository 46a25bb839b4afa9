import Foundation

/// The run records in PostgreSQL: table `backup_runs` and view `backup_status` (migration `0002_backups.sql`).
///
/// `backup_status` has one row per kind with `last_success_at`, `last_failure_at` and, for `postgres`,
/// `last_verified_at`: one query for monitoring (`SELECT kind, last_success_at FROM backup_status`; the last
/// verification is the `verify` row's `last_success_at`).
struct BackupRecords: Sendable {
    let database: BackupDatabase

    /// Stores a run; storing the same run id again changes nothing.
    func insert(_ run: BackupRun) throws {
        let rowCounts = try run.rowCounts.map { counts in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: try encoder.encode(counts), as: UTF8.self)
        }
        try database.execute(
            """
            INSERT INTO backup_runs (run_id, kind, status, started_at, finished_at, duration_seconds, file,
                size_bytes, sha256, row_counts, restore_seconds, rto_seconds, error, task_id)
            VALUES ($1, $2, $3, to_timestamp($4::double precision), to_timestamp($5::double precision),
                $6::double precision, $7, $8::bigint, $9, $10::jsonb, $11::double precision,
                $12::double precision, $13, $14)
            ON CONFLICT (run_id) DO NOTHING
            """,
            [
                run.id, run.kind.rawValue, run.status.rawValue, String(run.startedAt.timeIntervalSince1970),
                String(run.finishedAt.timeIntervalSince1970), String(run.durationSeconds), run.file,
                run.size.map(String.init), run.sha256, rowCounts, run.restoreSeconds.map { String($0) },
                run.recoveryTimeObjectiveSeconds.map { String($0) }, run.error, run.taskID,
            ]
        )
    }

    /// Marks the successful PostgreSQL backup of `file` as verified at `date`.
    func markVerified(file: String, at date: Date) throws {
        try database.execute(
            """
            UPDATE backup_runs SET verified_at = to_timestamp($2::double precision)
            WHERE kind = 'postgres' AND status = 'success' AND file = $1
            """,
            [file, String(date.timeIntervalSince1970)]
        )
    }

    /// The successful run that wrote `file`, if recorded.
    func successfulRun(file: String) throws -> BackupRun? {
        try runs(where: "status = 'success' AND file = $1", [file], limit: 1).first
    }

    /// The newest runs, newest first.
    func recent(limit: Int = 100) throws -> [BackupRun] {
        try runs(where: "true", [], limit: limit)
    }

    private func runs(where condition: String, _ parameters: [String?], limit: Int) throws -> [BackupRun] {
        let rows = try database.rows(
            """
            SELECT run_id, kind, status, extract(epoch FROM started_at)::text, duration_seconds::text, file,
                size_bytes::text, sha256, row_counts::text, extract(epoch FROM verified_at)::text,
                restore_seconds::text, rto_seconds::text, error, task_id
            FROM backup_runs WHERE \(condition) ORDER BY started_at DESC, run_id LIMIT \(limit)
            """,
            parameters
        )
        return try rows.map { row in
            guard row.count == 14, let id = row[0], let kind = row[1].flatMap(BackupKind.init(rawValue:)),
                let status = row[2].flatMap(BackupRun.Status.init(rawValue:)),
                let started = row[3].flatMap(Double.init), let duration = row[4].flatMap(Double.init)
            else {
                throw BackupError(.database, "backup_runs has a row this version cannot read: run the migrations")
            }
            return BackupRun(
                id: id, kind: kind, status: status, startedAt: Date(timeIntervalSince1970: started),
                durationSeconds: duration, file: row[5], size: row[6].flatMap { Int64($0) }, sha256: row[7],
                rowCounts: try row[8].map { try JSONDecoder().decode([String: Int64].self, from: Data($0.utf8)) },
                verifiedAt: row[9].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) },
                restoreSeconds: row[10].flatMap(Double.init), recoveryTimeObjectiveSeconds: row[11].flatMap(Double.init),
                error: row[12], taskID: row[13]
            )
        }
    }
}
