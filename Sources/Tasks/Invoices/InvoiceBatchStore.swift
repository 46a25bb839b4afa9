import Broker
import Foundation
import Postgres
import TaskAPI

/// Stores batches and their invoices (`invoice_batches`, `invoices`, migration 0030); every write is idempotent.
struct InvoiceBatchStore: Sendable {
    let database: PostgresConnection

    /// What ``create(_:request:timeout:taskID:deadline:)`` found or made.
    struct Created: Sendable {
        /// The invoice ids, in request order.
        var invoiceIDs: [Int]
        var status: String
        var deadline: Date
    }

    /// Records batch `batchID` as `rejected` with `reason` (a second run keeps the first row).
    func reject(_ batchID: String, total: Int, reason: String, taskID: String, deadline: ContinuousClock.Instant?)
        throws
    {
        try database.query(
            """
            INSERT INTO invoice_batches (id, status, reason, total, task_id, completed_at)
            VALUES ($1, 'rejected', $2, $3, $4, now()) ON CONFLICT (id) DO NOTHING
            """,
            [.text(batchID), .text(reason), .int(total), .text(taskID)], deadline: deadline
        )
    }

    /// Stores the batch (`processing`, deadline = now + `timeout`) and its invoices in one transaction; a batch
    /// that is already stored (the task ran before) is read back instead.
    /// - Throws: `TaskError` `ValueError` when the id belongs to a rejected batch; ``PostgresError``.
    func create(
        _ batchID: String, request: InvoiceBatchRequest, timeout: Duration, taskID: String,
        deadline: ContinuousClock.Instant?
    ) throws -> Created {
        try database.withTransaction(deadline: deadline) { tx in
            let inserted = try tx.query(
                """
                INSERT INTO invoice_batches (id, status, total, callback_url, deadline, task_id)
                VALUES ($1, 'processing', $2, $3, now() + make_interval(secs => $4), $5)
                ON CONFLICT (id) DO NOTHING
                """,
                [
                    .text(batchID), .int(request.invoices.count), request.callbackURL.map(PostgresValue.text),
                    .double(timeout.seconds), .text(taskID),
                ]
            ).affectedRows
            if inserted == 1 {
                for (position, invoice) in request.invoices.enumerated() {
                    try tx.query(
                        "INSERT INTO invoices (batch_id, position, image, sha256, metadata) VALUES ($1, $2, $3, $4, $5)",
                        [
                            .text(batchID), .int(position), .bytes(invoice.image), .text(invoice.sha256),
                            .json(invoice.metadata),
                        ]
                    )
                }
            }
            let batch = try tx.query("SELECT status, deadline FROM invoice_batches WHERE id = $1", [.text(batchID)])
            guard let row = batch.first, let batchDeadline: Date = try row.decodeIfPresent("deadline") else {
                throw TaskError.valueError(
                    "batch \(batchID) was already rejected; send the invoices with a new batch id")
            }
            let ids = try tx.query("SELECT id FROM invoices WHERE batch_id = $1 ORDER BY position", [.text(batchID)])
                .map { row throws(PostgresError) -> Int in try row.decode("id") }
            return Created(invoiceIDs: ids, status: try row.decode("status"), deadline: batchDeadline)
        }
    }
}
