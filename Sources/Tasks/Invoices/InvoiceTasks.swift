import Broker
import Foundation
import HTTP
import Logging
import Postgres
import TaskAPI

/// The invoice batch jobs on the `invoices` queue (docs/jobs.md): run workers for them with `-Q invoices`.
///
/// `invoices.process_batch` validates and stores a batch, then fans out one `invoices.process` per invoice in a
/// chord whose body is `invoices.complete_batch`, and sends `invoices.batch_deadline` with the batch's deadline as
/// its ETA. Whichever of the two completion steps runs first ends the batch (``InvoiceBatchCompletion``).
public enum InvoiceTasks {
    /// The queue of every invoice task.
    public static let queue = "invoices"

    /// `invoices.process_batch(batch_id, invoices, callback_url=None)`: what the app's batch endpoint sends.
    public struct ProcessBatch: TaskParameters {
        public static let taskName = "invoices.process_batch"
        public static let parameters = ["batch_id", "invoices", "callback_url"]
        public static let queue = InvoiceTasks.queue
        public var batch_id: String
        /// `[{"image": "<base64>", "metadata": {…}}, …]`, 10–50 of them.
        public var invoices: [JSONValue]
        public var callback_url: String?

        public init(batch_id: String, invoices: [JSONValue], callback_url: String? = nil) {
            self.batch_id = batch_id
            self.invoices = invoices
            self.callback_url = callback_url
        }
    }

    /// `invoices.process(invoice_id)`: one invoice (sent by `process_batch`).
    public struct Process: TaskParameters {
        public static let taskName = "invoices.process"
        public static let parameters = ["invoice_id"]
        public static let queue = InvoiceTasks.queue
        public var invoice_id: Int
    }

    /// `invoices.complete_batch(results, batch_id)`: the chord body; Celery puts the header's results first.
    public struct CompleteBatch: TaskParameters {
        public static let taskName = "invoices.complete_batch"
        public static let parameters = ["results", "batch_id"]
        public static let queue = InvoiceTasks.queue
        public var results: [JSONValue]
        public var batch_id: String
    }

    /// `invoices.batch_deadline(batch_id)`: sent with the batch's deadline as its ETA.
    public struct BatchDeadline: TaskParameters {
        public static let taskName = "invoices.batch_deadline"
        public static let parameters = ["batch_id"]
        public static let queue = InvoiceTasks.queue
        public var batch_id: String
    }

    /// What `invoices.process_batch` returns.
    struct Accepted: Encodable, Sendable {
        var batch_id: String
        var status: String
        var invoices: Int
        var deadline: String
        var completion_task_id: String
        var deadline_task_id: String
    }

    /// OCR retries for transient failures (timeouts, 5xx, 429, refused connections).
    static let ocrRetries = 3

    /// Transient database and Redis errors are worth a retry; anything else (a rejected batch) is not.
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? PostgresError { return error.isTransient }
        if let error = error as? RedisError { return error.isTransport }
        if let error = error as? HTTPError { return error.isTransient }
        return false
    }

    /// The four tasks, on `resources`.
    /// - Throws: ``SettingsError`` for a malformed invoice setting (the worker stops, naming it).
    public static func definitions(_ resources: TaskResources) throws -> [TaskDefinition] {
        let configuration = try InvoiceConfiguration.load(resources.settings)
        let progress = InvoiceProgress(redis: resources.broker, logger: resources.logger)
        let retry = RetryPolicy.exponential(maxRetries: 5, base: .seconds(1), cap: .seconds(30), retryIf: isTransient)
        let ocrLimit = configuration.ocrTimeout * (ocrRetries + 1)
        return [
            TaskDefinition(
                ProcessBatch.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(120), soft: .seconds(90))
            ) {
                batch, context in
                try await processBatch(batch, context: context, resources: resources, configuration: configuration)
            },
            TaskDefinition(
                Process.self,
                retry: .exponential(maxRetries: ocrRetries, base: .seconds(1), cap: .seconds(30), retryIf: isTransient),
                timeLimit: TimeLimit(hard: ocrLimit + .seconds(60), soft: configuration.ocrTimeout + .seconds(30))
            ) { invoice, context in
                let processor = InvoiceProcessor(
                    database: try resources.requireDatabase(), http: resources.http, configuration: configuration,
                    progress: progress, maxOCRRetries: ocrRetries
                )
                return try processor.process(invoice.invoice_id, retries: context.retries, deadline: context.deadline)
            },
            TaskDefinition(
                CompleteBatch.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(600), soft: .seconds(540))
            ) {
                body, context in
                try completion(resources, progress, context).complete(
                    body.batch_id, taskID: context.taskID, trigger: "every invoice has an outcome",
                    deadline: context.deadline
                )
            },
            TaskDefinition(
                BatchDeadline.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(600), soft: .seconds(540))
            ) {
                timer, context in
                try completion(resources, progress, context).complete(
                    timer.batch_id, taskID: context.taskID, trigger: "the batch deadline passed",
                    deadline: context.deadline
                )
            },
        ]
    }

    private static func completion(
        _ resources: TaskResources, _ progress: InvoiceProgress, _ context: TaskContext
    ) throws -> InvoiceBatchCompletion {
        InvoiceBatchCompletion(
            database: try resources.requireDatabase(), webhooks: resources.webhooks, slack: resources.slack,
            progress: progress, logger: context.logger
        )
    }

    /// Validates and stores the batch, then sends the deadline task and the chord (each step at most once).
    private static func processBatch(
        _ batch: ProcessBatch, context: TaskContext, resources: TaskResources, configuration: InvoiceConfiguration
    ) async throws -> Accepted {
        let batchID = batch.batch_id
        guard InvoiceBatchRequest.isValidBatchID(batchID) else {
            throw TaskError.valueError(
                "batch_id must be 1 to \(InvoiceBatchRequest.maximumBatchIDLength) characters from A-Z, a-z, 0-9, "
                    + "'.', '_' and '-' (a UUID)"
            )
        }
        let store = InvoiceBatchStore(database: try resources.requireDatabase())
        let request: InvoiceBatchRequest
        do throws(InvoiceBatchRejection) {
            request = try InvoiceBatchRequest(invoices: batch.invoices, callbackURL: batch.callback_url)
        } catch {
            try store.reject(
                batchID, total: batch.invoices.count, reason: error.reason, taskID: context.taskID,
                deadline: context.deadline
            )
            throw TaskError.valueError("invoice batch \(batchID) rejected: \(error.reason)")
        }
        let created = try store.create(
            batchID, request: request, timeout: configuration.batchTimeout, taskID: context.taskID,
            deadline: context.deadline
        )
        // Same calls in the same order on every run: a re-run gets the same ids and sends nothing twice.
        let deadlineTask = try await context.sender.send(
            BatchDeadline(batch_id: batchID), options: SendOptions(eta: created.deadline)
        )
        let chord = try await context.sender.chord(
            try created.invoiceIDs.map { try Signature(Process(invoice_id: $0)) },
            body: CompleteBatch(results: [], batch_id: batchID)  // `results`: the header's, filled in by the join
        )
        context.logger.info(
            "invoice batch accepted",
            metadata: ["batch.id": "\(batchID)", "batch.invoices": "\(created.invoiceIDs.count)"]
        )
        return Accepted(
            batch_id: batchID, status: created.status, invoices: created.invoiceIDs.count,
            deadline: InvoiceBatchStatus.format(created.deadline), completion_task_id: chord.bodyID,
            deadline_task_id: deadlineTask
        )
    }
}
