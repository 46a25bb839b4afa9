import Broker
import Foundation
import HTTP
import TestSupport
import Testing

/// Webhook signatures cover what a receiver acts on (issue 25, part 2).
@Suite struct WebhookSignatureTests {
    let log = LogRecorder()
    let body = Array(#"{"batch_id":"b-1","status":"completed"}"#.utf8)

    @Test func aReplayWithANewDeliveryIDOrAnotherEventFailsVerification() {
        let key = WebhookSignature.receiverKey(secret: "s", origin: "https://hooks.example:443")
        let now = Date()
        let timestamp = Int(now.timeIntervalSince1970)
        let signature = WebhookSignature.sign(
            body: body, timestamp: timestamp, event: "invoice_batch.completed", deliveryID: "d-1", key: key)
        #expect(
            WebhookSignature.isValid(
                signature: signature, body: body, timestamp: timestamp, event: "invoice_batch.completed",
                deliveryID: "d-1", key: key, now: now))
        #expect(
            !WebhookSignature.isValid(
                signature: signature, body: body, timestamp: timestamp, event: "invoice_batch.completed",
                deliveryID: "d-2", key: key, now: now), "a replay under a fresh delivery id")
        #expect(
            !WebhookSignature.isValid(
                signature: signature, body: body, timestamp: timestamp, event: "invoice.paid", deliveryID: "d-1",
                key: key, now: now), "a relabelled event")
    }

    @Test func staleTimestampsAreRejected() {
        let key = WebhookSignature.receiverKey(secret: "s", origin: "https://hooks.example:443")
        let signedAt = Date(timeIntervalSince1970: 1_764_369_000)
        let signature = WebhookSignature.sign(
            body: body, timestamp: 1_764_369_000, event: "e", deliveryID: "d", key: key)
        func valid(after seconds: Double, tolerance: Duration = WebhookSignature.defaultTolerance) -> Bool {
            WebhookSignature.isValid(
                signature: signature, body: body, timestamp: 1_764_369_000, event: "e", deliveryID: "d", key: key,
                now: signedAt.addingTimeInterval(seconds), tolerance: tolerance)
        }
        #expect(valid(after: 299))
        #expect(!valid(after: 301))
        #expect(!valid(after: -301), "from the future")
        #expect(!valid(after: 31, tolerance: .seconds(30)))
    }

    @Test func eachReceiverHasItsOwnKey() {
        let a = WebhookSignature.receiverKey(secret: "s", origin: WebhookSignature.origin(of: "https://A.example/x"))
        let b = WebhookSignature.receiverKey(secret: "s", origin: WebhookSignature.origin(of: "https://b.example/y?q"))
        #expect(WebhookSignature.origin(of: "https://A.example/x") == "https://a.example:443")
        #expect(WebhookSignature.origin(of: "http://[::1]:8080/x") == "http://[::1]:8080")
        #expect(a != b)
        let signature = WebhookSignature.sign(body: body, timestamp: 1, event: "e", deliveryID: "d", key: a)
        #expect(
            !WebhookSignature.isValid(
                signature: signature, body: body, timestamp: 1, event: "e", deliveryID: "d", key: b,
                now: Date(timeIntervalSince1970: 1)), "receiver A's key cannot sign for receiver B")
    }

    @Test func thePythonReceiverVerifiesVersion2AndRejectsAReplayUnderANewDeliveryID() async throws {
        let port = try FreePort.allocate()
        try await withChildProcess(
            "python3", arguments: ["-c", PythonWebhookReceiver.script, "\(port)"],
            environment: ["CELERITY_WEBHOOK_SECRET": "receiver-secret"]
        ) { receiver in
            try await poll(timeout: .seconds(20), "the Python receiver is listening") {
                if !receiver.isRunning { throw HarnessError(.processFailed, receiver.diagnostics()) }
                return receiver.output.contains("ready")
            }
            let url = "http://127.0.0.1:\(port)/hook"
            let key = WebhookSignature.receiverKey(secret: "receiver-secret", origin: WebhookSignature.origin(of: url))
            let timestamp = Int(Date().timeIntervalSince1970)
            let signature = WebhookSignature.sign(
                body: body, timestamp: timestamp, event: "invoice_batch.completed", deliveryID: "d-1", key: key)
            let client = HTTPClient(logger: log.logger)
            func post(deliveryID: String) -> Int? {
                let request = HTTPRequest(
                    method: .post, url: url,
                    headers: [
                        ("Content-Type", "application/json"), (WebhookSignature.timestampHeader, "\(timestamp)"),
                        (WebhookSignature.signatureHeader, signature), (WebhookSignature.versionHeader, "2"),
                        (WebhookSignature.eventHeader, "invoice_batch.completed"),
                        (WebhookSignature.deliveryHeader, deliveryID),
                    ],
                    body: body)
                do { return try client.send(request).status } catch { return error.status }
            }
            #expect(post(deliveryID: "d-1") == 204)
            #expect(post(deliveryID: "d-replayed") == 401)
            try await poll(timeout: .seconds(10), "the receiver printed both verdicts") {
                receiver.output.contains("verified d-1") && receiver.output.contains("rejected d-replayed")
            }
        }
    }
}
