import HTTP
import Postgres

/// Records a ``WebhookOutcome`` in `webhook_deliveries` (migration 0001), one row per delivery id.
///
/// The error stored is the coarse ``WebhookOutcome/summary``; the details are in the sender's log lines.
/// The row is upserted on the delivery id, so a task that runs twice (at-least-once delivery) leaves one row
/// holding the latest outcome.
public enum WebhookDeliveryLog {
    static let upsert = """
        INSERT INTO webhook_deliveries (id, event, url_host, status, attempts, last_status_code, error, finished_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, now())
        ON CONFLICT (id) DO UPDATE SET
            event = excluded.event, url_host = excluded.url_host, status = excluded.status,
            attempts = excluded.attempts, last_status_code = excluded.last_status_code, error = excluded.error,
            finished_at = excluded.finished_at
        """

    /// Records `outcome` with its own statement.
    public static func record(_ outcome: WebhookOutcome, in database: PostgresConnection) throws(PostgresError) {
        try database.query(upsert, parameters(outcome))
    }

    /// Records `outcome` inside a transaction (with the task's other writes).
    public static func record(_ outcome: WebhookOutcome, in transaction: PostgresTransaction) throws(PostgresError) {
        try transaction.query(upsert, parameters(outcome))
    }

    private static func parameters(_ outcome: WebhookOutcome) -> [PostgresValue?] {
        [
            .text(outcome.deliveryID), .text(outcome.event), .text(outcome.host), .text(outcome.status.rawValue),
            .int(outcome.attempts), outcome.lastStatusCode.map { .int($0) }, outcome.summary.map { .text($0) },
        ]
    }
}
