import Foundation

/// The relay's statements on `celerity_outbox` (migration 0060, docs/outbox.md).
enum OutboxSQL {
    /// The channel the table's trigger notifies on commit.
    static let channel = "celerity_outbox"

    /// $1 the batch size. Oldest first, over the pending index; rows another relay holds are skipped.
    static let takePending = """
        SELECT \(OutboxRow.columns) FROM celerity_outbox
        WHERE sent_at IS NULL AND error IS NULL
        ORDER BY created_at
        LIMIT $1
        FOR UPDATE SKIP LOCKED
        """

    /// $1 the task ids, as a text array literal (``textArray(_:)``).
    static let markSent = "UPDATE celerity_outbox SET sent_at = now() WHERE task_id = ANY($1::text[])"

    /// $1 the task id, $2 why it cannot be sent.
    static let markFailed = "UPDATE celerity_outbox SET error = $2 WHERE task_id = $1"

    /// The pending count, the oldest pending row's insert time, and the failed rows (the pending index serves the
    /// first two).
    static let count = """
        SELECT count(*) FILTER (WHERE error IS NULL) AS pending,
               min(created_at) FILTER (WHERE error IS NULL) AS oldest,
               count(*) FILTER (WHERE error IS NOT NULL) AS failed
        FROM celerity_outbox WHERE sent_at IS NULL
        """

    /// Rows deleted per prune statement, so one prune never holds locks for long.
    static let pruneChunk = 10_000

    /// $1 the retention in seconds, $2 the chunk size.
    static let prune = """
        DELETE FROM celerity_outbox WHERE task_id IN (
            SELECT task_id FROM celerity_outbox
            WHERE sent_at < now() - make_interval(secs => $1::double precision)
            LIMIT $2
        )
        """

    /// A PostgreSQL text array literal: every element double-quoted, `"` and `\` escaped.
    static func textArray(_ elements: [String]) -> String {
        "{" + elements.map { element in
            "\"" + element.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}
