import Broker
import Foundation
import TestSupport
import Testing

@testable import Tasks

/// The trust boundaries of `invoices.process_batch` (issue 25): the caller chooses `callback_url` and `batch_id`.
@Suite(.serialized) struct InvoiceBatchSecurityTests {
    @Test("a loopback callback_url is refused without the allow-list; the batch stores only 'refused by policy'")
    func loopbackCallbackIsRefusedWithoutTheAllowList() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(
                queues: "invoices", concurrency: 2, settings: ["CELERITY_WEBHOOK_ALLOWED_HOSTS": ""])
            let accepted = try await fixture.submitBatch("b-inward", (0..<10).map { "invoice-\($0)" }, worker: worker)
            _ = try await fixture.finished(accepted.result["completion_task_id"]?.stringValue, worker: worker)
            let batch = try fixture.batch("b-inward")
            #expect(batch.webhook?.status == "failed")
            #expect(batch.webhook?.error == "refused by policy", "no connection detail for the caller")
            #expect(batch.webhook?.lastStatusCode == nil)
            #expect(batch.webhook?.attempts == 1, "a refusal is permanent")
            #expect(fixture.webhooks.isEmpty, "the receiver on loopback got nothing: \(fixture.webhooks)")
            #expect(worker.output.contains("loopback"), "the reason is in the worker's log")
            await worker.stop()
        }
    }

    @Test("batch_id \"<!channel>\" is a ValueError; a callback host \"<!channel>\" reaches Slack escaped: no \"<!\"")
    func callerTextCannotPageTheChannel() async throws {
        try await JobsFixture.with { fixture in
            let worker = try fixture.startWorker(queues: "invoices", concurrency: 2)
            let unreadable = (0..<10).map { "unreadable-\($0)" }
            let id = try await fixture.client.enqueue(
                "invoices.process_batch",
                kwargs: ["batch_id": "<!channel>", "invoices": .array(JobsFixture.invoices(unreadable))],
                options: TaskOptions(queue: "invoices"))
            let rejected = try await fixture.client.result(id, timeout: .seconds(60))
            #expect(rejected.state == .failure)
            #expect(rejected.result["exc_type"]?.stringValue == "ValueError", "\(rejected.result)")

            let accepted = try await fixture.submitBatch(
                "b-page", unreadable, callbackURL: "http://<!channel>/x", worker: worker)
            _ = try await fixture.finished(accepted.result["completion_task_id"]?.stringValue, worker: worker)
            let requests = try await fixture.slack.waitForRequests(count: 2, timeout: .seconds(20))
            #expect(requests.contains { $0.text.contains("b-page failed") }, "\(requests.map(\.text))")
            #expect(requests.contains { $0.text.contains("&lt;!channel&gt;") }, "\(requests.map(\.text))")
            for request in fixture.slack.requests { #expect(!request.text.contains("<!"), "\(request.text)") }
            await worker.stop()
        }
    }
}
