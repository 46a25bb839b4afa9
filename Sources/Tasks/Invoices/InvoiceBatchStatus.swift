import Broker
import Foundation
import Postgres

/// A batch as stored in `invoice_batches` and `invoices`: what `celerity batch status` prints, what the progress
/// events and the completion webhook carry.
public struct InvoiceBatchStatus: Sendable {
    /// One invoice's outcome.
    public struct Invoice: Sendable {
        public var id: Int
        public var position: Int
        /// `pending`, `succeeded`, `failed` or `timed_out`.
        public var status: String
        public var error: String?
    }

    /// The final state of the completion webhook.
    public struct Webhook: Sendable {
        /// `delivered` or `failed`.
        public var status: String
        public var attempts: Int
        public var lastStatusCode: Int?
        public var error: String?
    }

    public var batchID: String
    /// `processing`, `completed`, `completed_with_errors`, `timed_out` or `rejected`.
    public var status: String
    /// Why the batch was rejected.
    public var reason: String?
    public var total: Int
    public var processed: Int
    public var succeeded: Int
    public var failed: Int
    public var timedOut: Int
    public var deadline: Date?
    public var createdAt: Date
    public var completedAt: Date?
    /// Whether the app asked for a completion webhook.
    public var hasCallback: Bool
    /// `nil` until the webhook's delivery has ended (or when there is no callback).
    public var webhook: Webhook?
    public var invoices: [Invoice]

    /// Reads batch `batchID`, or `nil` when there is none.
    public static func load(_ batchID: String, from database: PostgresConnection) throws -> InvoiceBatchStatus? {
        guard
            let row = try database.query(
                """
                SELECT status, reason, total, processed, succeeded, failed, timed_out, deadline, created_at,
                       completed_at, callback_url IS NOT NULL AS has_callback, webhook_status, webhook_attempts,
                       webhook_status_code, webhook_error
                FROM invoice_batches WHERE id = $1
                """,
                [.text(batchID)]
            ).first
        else { return nil }
        let invoices = try database.query(
            "SELECT id, position, status, error FROM invoices WHERE batch_id = $1 ORDER BY position", [.text(batchID)]
        ).map { row throws(PostgresError) in
            Invoice(
                id: try row.decode("id"), position: try row.decode("position"), status: try row.decode("status"),
                error: try row.decodeIfPresent("error")
            )
        }
        var webhook: Webhook?
        if let status: String = try row.decodeIfPresent("webhook_status") {
            webhook = Webhook(
                status: status, attempts: try row.decodeIfPresent("webhook_attempts") ?? 0,
                lastStatusCode: try row.decodeIfPresent("webhook_status_code"),
                error: try row.decodeIfPresent("webhook_error")
            )
        }
        return InvoiceBatchStatus(
            batchID: batchID, status: try row.decode("status"), reason: try row.decodeIfPresent("reason"),
            total: try row.decode("total"), processed: try row.decode("processed"),
            succeeded: try row.decode("succeeded"), failed: try row.decode("failed"),
            timedOut: try row.decode("timed_out"), deadline: try row.decodeIfPresent("deadline"),
            createdAt: try row.decode("created_at"), completedAt: try row.decodeIfPresent("completed_at"),
            hasCallback: try row.decode("has_callback"),
            webhook: webhook, invoices: invoices
        )
    }

    /// The counts, as in progress events: `batch_id`, `status`, `total`, `processed`, `succeeded`, `failed`, `timed_out`.
    public var counts: JSONObject {
        [
            "batch_id": .string(batchID), "status": .string(status), "total": .int(total), "processed": .int(processed),
            "succeeded": .int(succeeded), "failed": .int(failed), "timed_out": .int(timedOut),
        ]
    }

    /// Everything, for `celerity batch status --json` and the completion webhook's body.
    public var json: JSONValue {
        var object = counts
        object["reason"] = reason.map(JSONValue.string) ?? .null
        object["deadline"] = deadline.map { .string(Self.format($0)) } ?? .null
        object["created_at"] = .string(Self.format(createdAt))
        object["completed_at"] = completedAt.map { .string(Self.format($0)) } ?? .null
        object["webhook"] =
            webhook.map { hook in
                [
                    "status": .string(hook.status), "attempts": .int(hook.attempts),
                    "last_status_code": hook.lastStatusCode.map(JSONValue.int) ?? .null,
                    "error": hook.error.map(JSONValue.string) ?? .null,
                ] as JSONValue
            } ?? .null
        object["invoices"] = .array(
            invoices.map { invoice in
                [
                    "id": .int(invoice.id), "position": .int(invoice.position), "status": .string(invoice.status),
                    "error": invoice.error.map(JSONValue.string) ?? .null,
                ] as JSONValue
            }
        )
        return .object(object)
    }

    /// A few lines for people: status, counts, deadline, webhook, and each invoice that did not succeed.
    public var text: String {
        var lines = ["batch \(batchID): \(status)" + (reason.map { " (\($0))" } ?? "")]
        lines.append(
            "invoices: \(total) total, \(processed) processed, \(succeeded) succeeded, \(failed) failed, "
                + "\(timedOut) timed out"
        )
        lines.append("created: \(Self.format(createdAt))")
        if let deadline { lines.append("deadline: \(Self.format(deadline))") }
        if let completedAt { lines.append("completed: \(Self.format(completedAt))") }
        if let webhook {
            let code = webhook.lastStatusCode.map { ", last HTTP \($0)" } ?? ""
            lines.append(
                "webhook: \(webhook.status) after \(webhook.attempts) attempt(s)\(code)"
                    + (webhook.error.map { ": \($0)" } ?? "")
            )
        } else if hasCallback {
            lines.append("webhook: not sent yet")
        }
        for invoice in invoices where invoice.status != "succeeded" && invoice.status != "pending" {
            lines.append("  invoice \(invoice.id) (#\(invoice.position)): \(invoice.status): \(invoice.error ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
