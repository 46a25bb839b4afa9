import Broker
import HTTP
import Logging
import Postgres
import TaskAPI

/// Ends a batch exactly once: the chord body (every invoice has an outcome) and the deadline task (an ETA in
/// Redis, so it survives worker restarts) both call ``complete(_:taskID:trigger:deadline:)``; a conditional
/// `UPDATE … WHERE status = 'processing'` (under the batch row's lock) lets only the first one win.
///
/// The winner marks unfinished invoices `timed_out`, sets the final status and counts, publishes the last
/// progress event, tells Slack when the whole batch failed, and delivers the signed completion webhook, storing its
/// outcome on the batch and in `webhook_deliveries`. If the winner's worker dies before the outcome is stored, its
/// re-run (same task id) delivers the webhook again with the same delivery id, so the receiver can deduplicate.
struct InvoiceBatchCompletion: Sendable {
    let database: PostgresConnection
    let webhooks: WebhookSender?
    let slack: SlackNotifier
    let progress: InvoiceProgress
    let logger: Logger

    /// The webhook's event name (`X-Celerity-Event`).
    static let event = "invoice_batch.completed"

    /// The delivery id of batch `batchID`'s webhook (`X-Celerity-Delivery`, `webhook_deliveries.id`).
    static func deliveryID(_ batchID: String) -> String { "invoice-batch-\(batchID)" }

    /// What the task returns.
    struct Result: Encodable, Sendable {
        var batch_id: String
        /// Whether this run ended the batch (`false`: the other completion step did).
        var completed_here: Bool
        var status: String
        var webhook: String?
    }

    /// Completes batch `batchID` if it is still processing (or finishes the webhook of an earlier run of this task).
    func complete(_ batchID: String, taskID: String, trigger: String, deadline: ContinuousClock.Instant?) throws
        -> Result
    {
        let (won, resumed) = try database.withTransaction(deadline: deadline) { tx -> (Bool, Bool) in
            guard
                let row = try tx.query(
                    "SELECT status, completed_by, webhook_status FROM invoice_batches WHERE id = $1 FOR UPDATE",
                    [.text(batchID)]
                ).first
            else { throw TaskError.valueError("no invoice batch \(batchID)") }
            let status: String = try row.decode("status")
            guard status == "processing" else {
                let completedBy: String? = try row.decodeIfPresent("completed_by")
                let webhookStatus: String? = try row.decodeIfPresent("webhook_status")
                return (false, completedBy == taskID && webhookStatus == nil)
            }
            try tx.query(
                """
                UPDATE invoices SET status = 'timed_out', processed_at = now(),
                    error = 'the batch deadline passed before this invoice was processed'
                WHERE batch_id = $1 AND status = 'pending'
                """,
                [.text(batchID)]
            )
            let ended = try tx.query(
                """
                WITH counts AS (
                    SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                           count(*) FILTER (WHERE status = 'failed') AS failed,
                           count(*) FILTER (WHERE status = 'timed_out') AS timed_out
                    FROM invoices WHERE batch_id = $1
                )
                UPDATE invoice_batches b SET
                    status = CASE WHEN c.timed_out > 0 THEN 'timed_out'
                                  WHEN c.failed > 0 THEN 'completed_with_errors' ELSE 'completed' END,
                    succeeded = c.succeeded, failed = c.failed, timed_out = c.timed_out,
                    processed = c.succeeded + c.failed, completed_by = $2, completed_at = now()
                FROM counts c
                WHERE b.id = $1 AND b.status = 'processing'
                RETURNING b.id
                """,
                [.text(batchID), .text(taskID)]
            ).affectedRows
            return (ended == 1, false)
        }
        guard won || resumed, let batch = try InvoiceBatchStatus.load(batchID, from: database) else {
            let status = try InvoiceBatchStatus.load(batchID, from: database)?.status ?? "unknown"
            return Result(batch_id: batchID, completed_here: false, status: status, webhook: nil)
        }
        logger.info(
            "invoice batch completed",
            metadata: [
                "batch.id": "\(batchID)", "batch.status": "\(batch.status)", "batch.trigger": "\(trigger)",
                "batch.succeeded": "\(batch.succeeded)", "batch.total": "\(batch.total)",
            ]
        )
        if won {
            progress.publish(batchID, batch.counts)
            if batch.status == "timed_out" || batch.succeeded == 0 {
                slack.notify(
                    "Invoice batch \(batchID) failed: \(batch.status), \(batch.succeeded) of \(batch.total) invoices "
                        + "recognised (\(batch.failed) failed, \(batch.timedOut) timed out).",
                    deadline: deadline
                )
            }
        }
        let webhook = try deliverWebhook(batch, deadline: deadline)
        return Result(batch_id: batchID, completed_here: won, status: batch.status, webhook: webhook)
    }

    /// Sends the signed completion webhook when the app gave a `callback_url`, and stores the outcome.
    /// - Returns: `delivered` or `failed`; `nil` without a callback.
    private func deliverWebhook(_ batch: InvoiceBatchStatus, deadline: ContinuousClock.Instant?) throws -> String? {
        guard
            let url = try database.query(
                "SELECT callback_url FROM invoice_batches WHERE id = $1", [.text(batch.batchID)]
            ).first?.decodeIfPresent("callback_url", as: String.self)
        else { return nil }
        let deliveryID = Self.deliveryID(batch.batchID)
        guard let webhooks else {
            let error = "the webhook was not sent: set CELERITY_WEBHOOK_SECRET for the worker"
            try database.withTransaction { tx in
                try store(
                    tx, batch.batchID, deliveryID: deliveryID, status: "failed", attempts: 0, code: nil, error: error)
            }
            slack.notify("Invoice batch \(batch.batchID): \(error).", deadline: deadline)
            return "failed"
        }
        let outcome = webhooks.send(
            to: url, event: Self.event, deliveryID: deliveryID, payload: batch.json, deadline: deadline
        )
        // Coarse on the batch (its caller chose the URL: no status code or connection error, no port-scan oracle);
        // the details are in the sender's log lines.
        try database.withTransaction { tx in
            try WebhookDeliveryLog.record(outcome, in: tx)
            try store(
                tx, batch.batchID, deliveryID: deliveryID, status: outcome.status.rawValue, attempts: outcome.attempts,
                code: outcome.status == .delivered ? outcome.lastStatusCode : nil, error: outcome.summary
            )
        }
        if let summary = outcome.summary {
            slack.notify(
                "Invoice batch \(batch.batchID): the completion webhook to \(outcome.host) \(summary) (details in the "
                    + "worker's log).",
                deadline: deadline
            )
        }
        return outcome.status.rawValue
    }

    /// Stores the webhook's final outcome on the batch.
    private func store(
        _ tx: PostgresTransaction, _ batchID: String, deliveryID: String, status: String, attempts: Int, code: Int?,
        error: String?
    ) throws {
        try tx.query(
            """
            UPDATE invoice_batches SET webhook_delivery_id = $2, webhook_status = $3, webhook_attempts = $4,
                webhook_status_code = $5, webhook_error = $6
            WHERE id = $1
            """,
            [
                .text(batchID), .text(deliveryID), .text(status), .int(attempts), code.map(PostgresValue.int),
                error.map(PostgresValue.text),
            ]
        )
    }
}
