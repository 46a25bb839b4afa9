import Broker
import Foundation
import HTTP
import Logging
import TestSupport
import Testing

@Suite struct WebhookSenderTests {
    let log = LogRecorder()

    func sender(secret: String, clock: ManualClock = ManualClock(), maxAttempts: Int = 5) -> WebhookSender {
        var configuration = WebhookSender.Configuration(secret: secret)
        configuration.maxAttempts = maxAttempts
        // The receivers here are loopback stand-ins over plain http: allowed explicitly.
        configuration.destinations = DestinationPolicy(allowedHosts: ["127.0.0.1"], allowsPlainHTTP: true)
        return WebhookSender(
            configuration: configuration, client: HTTPClient(logger: log.logger), logger: log.logger,
            clock: clock.clock, random: { 1.0 }
        )
    }

    @Test func aPythonReceiverVerifiesTheSignature() async throws {
        let port = try FreePort.allocate()
        try await withChildProcess(
            "python3", arguments: ["-c", PythonWebhookReceiver.script, "\(port)"],
            environment: ["CELERITY_WEBHOOK_SECRET": "receiver-secret"]
        ) { receiver in
            try await poll(timeout: .seconds(20), "the Python receiver is listening") {
                if !receiver.isRunning { throw HarnessError(.processFailed, receiver.diagnostics()) }
                return receiver.output.contains("ready")
            }
            let payload: JSONValue = ["invoice": 42, "note": "ünïcode & \"quotes\""]
            let good = sender(secret: "receiver-secret").send(
                to: "http://127.0.0.1:\(port)/hooks/done", event: "invoice.paid", deliveryID: "d-1", payload: payload
            )
            #expect(good.status == .delivered, "\(good)")
            #expect(good.attempts == 1)
            #expect(good.lastStatusCode == 204)
            #expect(good.host == "127.0.0.1")

            let bad = sender(secret: "wrong-secret").send(
                to: "http://127.0.0.1:\(port)/hooks/done", event: "invoice.paid", deliveryID: "d-2", payload: payload
            )
            #expect(bad.status == .failed)
            #expect(bad.attempts == 1, "a 401 is permanent: no retry")
            #expect(bad.lastStatusCode == 401)
            try await poll(timeout: .seconds(10), "the receiver printed both verdicts") {
                receiver.output.contains("verified d-1") && receiver.output.contains("rejected d-2")
            }
        }
    }

    @Test func transientFailuresAreRetriedWithBackoffAndTheSameDeliveryID() throws {
        let calls = Locked(0)
        let server = try LoopbackHTTPServer { _ in
            calls.withLock {
                $0 += 1
                return $0
            } < 3 ? .init(status: 503) : .init(status: 200)
        }
        defer { server.stop() }
        let clock = ManualClock()
        let outcome = sender(secret: "s", clock: clock).send(
            to: server.url("/cb"), event: "batch.done", deliveryID: "task-7", payload: ["ok": true]
        )
        #expect(outcome.status == .delivered)
        #expect(outcome.attempts == 3)
        #expect(outcome.lastStatusCode == 200)
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
        let requests = server.requests
        #expect(Set(requests.compactMap { $0.header(WebhookSignature.deliveryHeader) }) == ["task-7"])
        for request in requests {
            #expect(request.header("content-type") == "application/json")
            #expect(request.header(WebhookSignature.eventHeader) == "batch.done")
            #expect(request.header(WebhookSignature.versionHeader) == "2")
            let timestamp = try #require(request.header(WebhookSignature.timestampHeader).flatMap { Int($0) })
            let signature = try #require(request.header(WebhookSignature.signatureHeader))
            let key = WebhookSignature.receiverKey(secret: "s", origin: WebhookSignature.origin(of: server.url("/")))
            #expect(
                WebhookSignature.isValid(
                    signature: signature, body: request.body, timestamp: timestamp, event: "batch.done",
                    deliveryID: "task-7", key: key))
            #expect(
                !WebhookSignature.isValid(
                    signature: signature, body: request.body, timestamp: timestamp + 1, event: "batch.done",
                    deliveryID: "task-7", key: key))
        }
    }

    @Test func permanentFailuresAreNotRetried() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 400, body: "bad payload") }
        defer { server.stop() }
        let clock = ManualClock()
        let outcome = sender(secret: "s", clock: clock).send(
            to: server.url("/cb"), event: "e", deliveryID: "d", payload: [:]
        )
        #expect(outcome.status == .failed)
        #expect(outcome.attempts == 1)
        #expect(outcome.lastStatusCode == 400)
        #expect(clock.sleeps.isEmpty)
        #expect(server.requests.count == 1)
    }

    @Test func anUnreachableReceiverFailsAfterEveryAttempt() throws {
        let port = try FreePort.allocate()
        let clock = ManualClock()
        let outcome = sender(secret: "s", clock: clock, maxAttempts: 3).send(
            to: "http://127.0.0.1:\(port)/cb", event: "e", deliveryID: "d", payload: [:]
        )
        #expect(outcome.status == .failed)
        #expect(outcome.attempts == 3)
        #expect(outcome.lastStatusCode == nil)
        #expect(outcome.error?.contains("connection failed") == true, "the details, for the log")
        #expect(outcome.summary == "failed after 3 attempt(s)", "what the caller may see")
        #expect(clock.sleeps.count == 2)
    }

    @Test func retryAfterLongerThanTheBackoffIsHonouredAndTheDeadlineStopsRetries() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 429, headers: [("Retry-After", "20")]) }
        defer { server.stop() }
        let clock = ManualClock()
        let outcome = sender(secret: "s", clock: clock).send(
            to: server.url("/cb"), event: "e", deliveryID: "d", payload: [:], deadline: clock.clock.now() + .seconds(30)
        )
        #expect(clock.sleeps == [.seconds(20)])
        #expect(outcome.attempts == 2)
        #expect(outcome.status == .failed)
        #expect(outcome.lastStatusCode == 429)
    }
}
