import Broker
import Foundation
import HTTP
import Logging
import Postgres
import TaskAPI

/// `invoices.process(invoice_id)`: recognises one invoice with the OCR service, or reuses the fields of an
/// invoice with the same image (SHA-256) that was already recognised, then counts it on its batch.
///
/// One transaction per invoice holds an advisory lock on the image's hash, so two copies of one image are never
/// sent to OCR at the same time: the second waits and reuses the first one's result. An invoice that is no
/// longer `pending`, or whose batch has ended, is not processed again (redeliveries count once).
struct InvoiceProcessor: Sendable {
    let database: PostgresConnection
    let http: HTTPClient
    let configuration: InvoiceConfiguration
    let progress: InvoiceProgress
    /// OCR retries before a transient OCR failure fails the invoice.
    let maxOCRRetries: Int

    /// The outcome, as the task's result.
    struct Outcome: Encodable, Sendable {
        var invoice_id: Int
        var batch_id: String
        var status: String
        var duplicate: Bool
        var error: String?
    }

    private enum Recognition {
        case recognised(fields: JSONValue, reusedFrom: Int?)
        case failed(String)
    }

    /// Processes invoice `invoiceID` on its `retries`-th retry.
    /// - Throws: ``HTTPError`` for a transient OCR failure while retries remain; ``PostgresError``; `TaskError`
    ///   `ValueError` for an unknown invoice.
    func process(_ invoiceID: Int, retries: Int, deadline: ContinuousClock.Instant?) throws -> Outcome {
        let (outcome, event) = try database.withTransaction(deadline: deadline) { tx in
            try process(tx, invoiceID: invoiceID, retries: retries, deadline: deadline)
        }
        if let event { progress.publish(outcome.batch_id, event) }
        return outcome
    }

    /// The unit of work inside the invoice's transaction; returns the outcome and the progress event to publish.
    private func process(
        _ tx: PostgresTransaction, invoiceID: Int, retries: Int, deadline: ContinuousClock.Instant?
    ) throws -> (Outcome, JSONObject?) {
        let rows = try tx.query(
            """
            SELECT i.batch_id, i.status, i.sha256, i.image, i.metadata, i.error, i.reused_from,
                   b.status AS batch_status
            FROM invoices i JOIN invoice_batches b ON b.id = i.batch_id WHERE i.id = $1
            """,
            [.int(invoiceID)]
        )
        guard let row = rows.first else { throw TaskError.valueError("no invoice \(invoiceID)") }
        let batchID: String = try row.decode("batch_id")
        if let done = try Self.finished(row, invoiceID: invoiceID, batchID: batchID) { return (done, nil) }
        let sha256: String = try row.decode("sha256")
        // Serialise the copies of one image; released at commit or rollback.
        try tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 30))", [.text(sha256)])
        let prior = try tx.query(
            """
            SELECT id, fields FROM invoices WHERE sha256 = $1 AND status = 'succeeded' AND fields IS NOT NULL
            ORDER BY id LIMIT 1
            """,
            [.text(sha256)]
        )
        if let source = prior.first {
            let fields: JSONValue = try source.decode("fields")
            let sourceID: Int = try source.decode("id")
            return try record(
                tx, invoiceID: invoiceID, batchID: batchID, .recognised(fields: fields, reusedFrom: sourceID))
        }
        let image: [UInt8] = try row.decode("image")
        let metadata: JSONValue = try row.decode("metadata")
        let recognition = try recognise(
            invoiceID, image: image, metadata: metadata, retries: retries, deadline: deadline)
        return try record(tx, invoiceID: invoiceID, batchID: batchID, recognition)
    }

    /// The stored outcome of an invoice that is no longer pending or whose batch has ended; `nil` when it is to be processed.
    private static func finished(_ row: PostgresRow, invoiceID: Int, batchID: String) throws -> Outcome? {
        let status: String = try row.decode("status")
        let batchStatus: String = try row.decode("batch_status")
        guard status != "pending" || batchStatus != "processing" else { return nil }
        let reused: Int? = try row.decodeIfPresent("reused_from")
        return Outcome(
            invoice_id: invoiceID, batch_id: batchID, status: status, duplicate: reused != nil,
            error: try row.decodeIfPresent("error")
        )
    }

    /// Sends the image to OCR; an answer it cannot use, a 4xx or retries run out fail the invoice.
    private func recognise(
        _ invoiceID: Int, image: [UInt8], metadata: JSONValue, retries: Int, deadline: ContinuousClock.Instant?
    ) throws -> Recognition {
        guard let url = configuration.ocrURL else {
            return .failed("no OCR service configured: set CELERITY_OCR_URL for the worker")
        }
        let body: JSONValue = [
            "invoice_id": .int(invoiceID), "image": .string(Data(image).base64EncodedString()), "metadata": metadata,
        ]
        do throws(HTTPError) {
            let fields = try http.send(
                .json(url: url, body: body, timeout: configuration.ocrTimeout), deadline: deadline
            ).json()
            guard fields.objectValue != nil else {
                return .failed("the OCR service answered with JSON that is not an object")
            }
            return .recognised(fields: fields, reusedFrom: nil)
        } catch {
            return try failure(error, retries: retries)
        }
    }

    /// A permanent OCR failure (4xx) fails the invoice, and so does a transient one once retries are used up;
    /// otherwise the error is rethrown for a retry.
    private func failure(_ error: HTTPError, retries: Int) throws(HTTPError) -> Recognition {
        if !error.isTransient { return .failed("the OCR service could not read the invoice: \(error)") }
        if retries >= maxOCRRetries { return .failed("the OCR service failed \(retries + 1) times: \(error)") }
        throw error
    }

    /// Stores the outcome and counts it on the batch (batch row locked first, as the completion step does), and
    /// returns it with the progress event to publish after COMMIT (`nil` when nothing was counted).
    private func record(
        _ tx: PostgresTransaction, invoiceID: Int, batchID: String, _ recognition: Recognition
    ) throws -> (Outcome, JSONObject?) {
        let batch = try tx.query("SELECT status FROM invoice_batches WHERE id = $1 FOR UPDATE", [.text(batchID)])
        let batchStatus: String? = try batch.first?.decode("status")
        var outcome = Outcome(invoice_id: invoiceID, batch_id: batchID, status: "failed", duplicate: false, error: nil)
        var fields: JSONValue?
        var reusedFrom: Int?
        switch recognition {
        case .recognised(let recognised, let source):
            outcome.status = "succeeded"
            outcome.duplicate = source != nil
            fields = recognised
            reusedFrom = source
        case .failed(let reason):
            outcome.error = reason
        }
        guard batchStatus == "processing" else {
            // The batch ended (its deadline passed) while this invoice was at OCR: the invoice stays timed_out.
            outcome.status = "timed_out"
            outcome.error = "the batch ended before this invoice was processed"
            return (outcome, nil)
        }
        let updated = try tx.query(
            """
            UPDATE invoices SET status = $2, fields = $3, error = $4, reused_from = $5, processed_at = now()
            WHERE id = $1 AND status = 'pending'
            """,
            [
                .int(invoiceID), .text(outcome.status), fields.map(PostgresValue.json),
                outcome.error.map(PostgresValue.text),
                reusedFrom.map(PostgresValue.int),
            ]
        ).affectedRows
        guard updated == 1 else { return (outcome, nil) }
        let succeeded = outcome.status == "succeeded" ? 1 : 0
        let counts = try tx.query(
            """
            UPDATE invoice_batches SET processed = processed + 1, succeeded = succeeded + $2, failed = failed + $3
            WHERE id = $1 AND status = 'processing'
            RETURNING status, total, processed, succeeded, failed, timed_out
            """,
            [.text(batchID), .int(succeeded), .int(1 - succeeded)]
        )
        guard let row = counts.first else { return (outcome, nil) }
        var event: JSONObject = [
            "batch_id": .string(batchID), "status": .string(try row.decode("status")),
            "total": .int(try row.decode("total")), "processed": .int(try row.decode("processed")),
            "succeeded": .int(try row.decode("succeeded")), "failed": .int(try row.decode("failed")),
            "timed_out": .int(try row.decode("timed_out")),
        ]
        event["invoice"] = ["id": .int(invoiceID), "status": .string(outcome.status)]
        return (outcome, event)
    }
}
