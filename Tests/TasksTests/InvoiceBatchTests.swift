import Broker
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// `invoices.process_batch` and its fan-out in real `celerity worker` processes, against a real PostgreSQL,
/// Redis, a loopback fake OCR service and the Python webhook receiver.
@Suite("Invoices: batches in a worker", .serialized)
struct InvoiceBatchTests {
    @Test("30 invoices of which 6 are unreadable: 24 succeed (80 %), progress is published, one signed webhook")
    func thirtyInvoicesSixUnreadable() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(queues: "invoices", concurrency: 4)
            // Listen to the batch's progress channel as the app's SSE endpoint does.
            let listener = RedisConnection(configuration: try RedisConfiguration(url: fixture.redis.url))
            defer { listener.close() }
            try listener.subscribe([InvoiceProgress.channel("b-30")])
            let texts = (0..<30).map { $0 % 5 == 0 ? "unreadable-\($0)" : "invoice-\($0)" }
            let accepted = try await fixture.submitBatch("b-30", texts, worker: worker)
            #expect(accepted.result["status"]?.stringValue == "processing")
            #expect(accepted.result["invoices"]?.intValue == 30)
            let body = try await fixture.finished(accepted.result["completion_task_id"]?.stringValue, worker: worker)
            #expect(body.result["completed_here"]?.boolValue == true)
            #expect(body.result["webhook"]?.stringValue == "delivered")

            let batch = try fixture.batch("b-30")
            #expect(batch.status == "completed_with_errors")
            #expect((batch.total, batch.processed, batch.succeeded, batch.failed, batch.timedOut) == (30, 30, 24, 6, 0))
            #expect(batch.invoices.filter { $0.status == "failed" }.allSatisfy { $0.error?.contains("422") == true })
            #expect(batch.webhook?.status == "delivered")
            #expect(batch.webhook?.attempts == 1)

            // One webhook, verified by the Python receiver, carrying the counts and every invoice.
            let hooks = fixture.webhooks
            #expect(hooks.count == 1, "\(hooks)")
            let hook = try #require(hooks.first)
            #expect(hook.hasPrefix("verified invoice-batch-b-30 "))
            let payload = try JSONValue.parse(String(hook.dropFirst("verified invoice-batch-b-30 ".count)))
            #expect(payload["status"]?.stringValue == "completed_with_errors")
            #expect(payload["succeeded"]?.intValue == 24)
            #expect(payload["invoices"]?.arrayValue?.count == 30)
            let delivery = try fixture.database.query(
                "SELECT status, attempts FROM webhook_deliveries WHERE id = 'invoice-batch-b-30'"
            )
            #expect(try delivery.first?.decode("status", as: String.self) == "delivered")

            // 30 progress events (one per invoice) and the final one, in order of the counters.
            var events: [JSONValue] = []
            while events.count < 31, let push = try listener.nextPush(timeout: .seconds(5)) {
                if let text = push.array?.last?.string { events.append(try JSONValue.parse(text)) }
            }
            #expect(events.count == 31)
            // Two processes publish after their commits, so neighbouring events may swap.
            #expect(events.prefix(30).compactMap { $0["processed"]?.intValue }.sorted() == Array(1...30))
            #expect(events.last?["status"]?.stringValue == "completed_with_errors")

            // `celerity batch status` prints it, as text and as JSON.
            let text = try await ChildProcess.run(
                try JobsFixture.celerity(),
                arguments: ["batch", "status", "b-30", "--database-url", fixture.databaseURL]
            )
            #expect(text.termination.isSuccess)
            #expect(text.standardOutput.contains("batch b-30: completed_with_errors"))
            #expect(text.standardOutput.contains("24 succeeded, 6 failed"))
            let json = try await ChildProcess.run(
                try JobsFixture.celerity(),
                arguments: ["batch", "status", "b-30", "--json", "--database-url", fixture.databaseURL]
            )
            #expect(try JSONValue.parse(json.standardOutput)["succeeded"]?.intValue == 24)
            let missing = try await ChildProcess.run(
                try JobsFixture.celerity(),
                arguments: ["batch", "status", "nope", "--database-url", fixture.databaseURL]
            )
            #expect(missing.termination == .exited(1))
            #expect(missing.standardError == "celerity batch status: no invoice batch nope\n")
            #expect(!worker.output.contains(JobsFixture.webhookSecret) && !worker.output.contains("jobs-slack-secret"))
            await worker.stop()
        }
    }

    @Test("OCR that hangs: the batch ends at its deadline with the rest timed_out, one webhook, Slack told")
    func hangingOCRHitsTheDeadline() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(
                queues: "invoices", concurrency: 3,
                settings: ["CELERITY_INVOICE_BATCH_TIMEOUT": "4", "CELERITY_OCR_TIMEOUT": "1"]
            )
            let texts = (0..<10).map { $0 < 4 ? "invoice-\($0)" : "hang-\($0)" }
            let accepted = try await fixture.submitBatch("b-hang", texts, worker: worker)
            let timer = try await fixture.finished(accepted.result["deadline_task_id"]?.stringValue, worker: worker)
            #expect(timer.result["completed_here"]?.boolValue == true)
            #expect(timer.result["status"]?.stringValue == "timed_out")
            let batch = try fixture.batch("b-hang")
            #expect((batch.succeeded, batch.failed, batch.timedOut) == (4, 0, 6))
            #expect(batch.invoices.filter { $0.status == "timed_out" }.map(\.position) == Array(4..<10))
            // The chord body still runs once the hung invoices give up, and does not complete the batch again.
            let body = try await fixture.finished(accepted.result["completion_task_id"]?.stringValue, worker: worker)
            #expect(body.result["completed_here"]?.boolValue == false)
            #expect(fixture.webhooks.count == 1, "\(fixture.webhooks)")
            let hook = try #require(fixture.webhooks.first)
            #expect(hook.hasPrefix("verified invoice-batch-b-hang "))
            let payload = try JSONValue.parse(String(hook.dropFirst("verified invoice-batch-b-hang ".count)))
            #expect(payload["status"]?.stringValue == "timed_out")
            #expect(payload["timed_out"]?.intValue == 6)
            _ = try await fixture.slack.waitForRequests(count: 1, timeout: .seconds(10))
            #expect(fixture.slack.requests.first?.text.contains("b-hang failed: timed_out") == true)
            await worker.stop()
        }
    }

    @Test(
        "a worker process killed with kill -9 mid-batch: one completion, one webhook; a duplicate image is OCR'd once")
    func killMidBatchAndDuplicates() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(
                queues: "invoices", concurrency: 2, settings: ["CELERITY_INVOICE_BATCH_TIMEOUT": "15"]
            )
            // Five copies of one image among 20 slow invoices.
            let texts = (0..<20).map { $0 % 4 == 0 ? "slow-duplicate" : "slow-invoice-\($0)" }
            let accepted = try await fixture.submitBatch("b-kill", texts, worker: worker)
            try await poll(timeout: .seconds(30), "a few invoices processed") {
                try fixture.batch("b-kill").processed >= 3
            }
            let victims = JobsFixture.children(of: worker)
            let victim = try #require(victims.first, "no pool process under \(worker.pid)")
            kill(victim, SIGKILL)

            let body = try await fixture.finished(accepted.result["completion_task_id"]?.stringValue, worker: worker)
            #expect(body.result["completed_here"]?.boolValue == true)
            let batch = try fixture.batch("b-kill")
            #expect(batch.status == "completed")
            #expect((batch.processed, batch.succeeded) == (20, 20))
            // The deadline task fires later and finds the batch completed.
            let timer = try await fixture.finished(accepted.result["deadline_task_id"]?.stringValue, worker: worker)
            #expect(timer.result["completed_here"]?.boolValue == false)
            #expect(fixture.webhooks.count == 1, "\(fixture.webhooks)")
            // The duplicate image went to OCR once; the other four copies reused its fields.
            #expect(fixture.ocrImages.filter { $0 == "slow-duplicate" }.count == 1, "\(fixture.ocrImages)")
            let reused = try fixture.database.query(
                "SELECT count(*) AS n FROM invoices WHERE batch_id = 'b-kill' AND reused_from IS NOT NULL"
            )
            #expect(try reused.first?.decode("n", as: Int.self) == 4)
            await worker.stop()
        }
    }

    @Test("9 and 51 invoices are rejected: stored as rejected with the reason, ValueError, not retried")
    func rejectedBatches() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(queues: "invoices", concurrency: 1)
            for (id, count) in [("b-9", 9), ("b-51", 51)] {
                let kwargs: JSONObject = [
                    "batch_id": .string(id),
                    "invoices": .array(JobsFixture.invoices((0..<count).map { "invoice-\($0)" })),
                ]
                let task = try await fixture.client.enqueue(
                    "invoices.process_batch", kwargs: kwargs, options: TaskOptions(queue: "invoices")
                )
                let result = try await fixture.client.result(task, timeout: .seconds(30))
                #expect(result.state == .failure)
                #expect(result.result["exc_type"]?.stringValue == "ValueError")
                #expect("\(result.result)".contains("10 to 50 invoices, not \(count)"))
                let batch = try fixture.batch(id)
                #expect(batch.status == "rejected")
                #expect(batch.reason == "a batch holds 10 to 50 invoices, not \(count)")
            }
            #expect(fixture.ocr.requests.isEmpty)
            await worker.stop()
        }
    }

    @Test("10 concurrent batches × 20 invoices all complete; worker RSS grows less than 64 MiB")
    func tenConcurrentBatches() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(queues: "invoices", concurrency: 4)
            let warmUp = try await fixture.submitBatch("warm-up", (0..<20).map { "warm-\($0)" }, worker: worker)
            _ = try await fixture.finished(warmUp.result["completion_task_id"]?.stringValue, worker: worker)
            let before = ([worker.pid] + JobsFixture.children(of: worker)).map(JobsFixture.residentKiB).reduce(0, +)

            var bodies: [String] = []
            for batch in 0..<10 {
                let texts = (0..<20).map { "load-\(batch)-\($0)" }
                let kwargs: JSONObject = [
                    "batch_id": .string("load-\(batch)"), "invoices": .array(JobsFixture.invoices(texts)),
                    "callback_url": .string(fixture.callbackURL),
                ]
                let task = try await fixture.client.enqueue(
                    "invoices.process_batch", kwargs: kwargs, options: TaskOptions(queue: "invoices")
                )
                bodies.append(task)
            }
            for task in bodies {
                let accepted = try await fixture.client.result(task, timeout: .seconds(60))
                _ = try await fixture.finished(accepted.result["completion_task_id"]?.stringValue, worker: worker)
            }
            for batch in 0..<10 {
                let stored = try fixture.batch("load-\(batch)")
                #expect(stored.status == "completed")
                #expect(stored.succeeded == 20)
            }
            #expect(fixture.webhooks.count == 11)
            #expect(fixture.webhooks.allSatisfy { $0.hasPrefix("verified ") })
            #expect(worker.isRunning)
            let after = ([worker.pid] + JobsFixture.children(of: worker)).map(JobsFixture.residentKiB).reduce(0, +)
            #expect(after - before < 64 * 1024, "RSS \(before) KiB → \(after) KiB")
            await worker.stop()
        }
    }
}
