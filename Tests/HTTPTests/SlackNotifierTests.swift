import Broker
import Foundation
import HTTP
import Logging
import TestSupport
import Testing

@Suite struct SlackNotifierTests {
    let log = LogRecorder()

    func notifier(url: String?, clock: ManualClock? = nil, interval: Duration = .zero) -> SlackNotifier {
        var configuration = SlackNotifier.Configuration(webhookURL: url)
        configuration.minimumInterval = interval
        let client = HTTPClient(logger: log.logger)
        if let clock {
            return SlackNotifier(configuration: configuration, client: client, logger: log.logger, clock: clock.clock)
        }
        return SlackNotifier(configuration: configuration, client: client, logger: log.logger)
    }

    @Test func withoutAURLMessagesAreLoggedAndDropped() {
        #expect(notifier(url: nil).notify("deploy finished") == .dropped)
        #expect(SlackNotifier.Configuration(webhookURL: "").webhookURL == nil)
        #expect(log.messages.contains { $0.hasPrefix("Slack notification dropped: SLACK_WEBHOOK_URL is not set") })
    }

    @Test func postsTextAndBlocksAsJSON() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
        defer { server.stop() }
        let blocks: [JSONValue] = [["type": "section", "text": ["type": "mrkdwn", "text": "*done*"]]]
        #expect(notifier(url: server.url("/services/T/B/X")).notify("done", blocks: blocks) == .sent)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.header("content-type") == "application/json")
        let body = try JSONValue.parse(bytes: request.body)
        #expect(body["text"] == "done")
        #expect(body["blocks"]?.arrayValue?.first?["type"] == "section")
    }

    @Test func theBreakerOpensAfterFiveFailuresAndClosesAfterItsTimeout() throws {
        let healthy = Locked(false)
        let server = try LoopbackHTTPServer { _ in healthy.withLock { $0 } ? .init(status: 200) : .init(status: 500) }
        defer { server.stop() }
        let clock = ManualClock()
        let notifier = notifier(url: server.url("/hook"), clock: clock)
        for _ in 0..<5 { #expect(notifier.notify("x") == .failed) }
        guard case .open = notifier.breakerState else {
            Issue.record("breaker not open after 5 failures: \(notifier.breakerState)")
            return
        }
        #expect(notifier.notify("x") == .dropped)
        #expect(server.requests.count == 5)

        clock.advance(by: .seconds(59))
        #expect(notifier.notify("x") == .dropped)
        clock.advance(by: .seconds(1))
        healthy.withLock { $0 = true }
        #expect(notifier.notify("x") == .sent)
        #expect(notifier.breakerState == .closed(failures: 0))
        #expect(server.requests.count == 6)
    }

    @Test func aFailedTrialOpensTheBreakerAgain() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 503) }
        defer { server.stop() }
        let clock = ManualClock()
        let notifier = notifier(url: server.url("/hook"), clock: clock)
        for _ in 0..<5 { notifier.notify("x") }
        clock.advance(by: .seconds(60))
        #expect(notifier.notify("x") == .failed)
        #expect(notifier.notify("x") == .dropped)
        #expect(server.requests.count == 6)
    }

    @Test func tooManyRequestsWaitsForRetryAfterThenSendsAgain() throws {
        let calls = Locked(0)
        let server = try LoopbackHTTPServer { _ in
            calls.withLock {
                $0 += 1
                return $0
            } == 1 ? .init(status: 429, headers: [("Retry-After", "3")]) : .init(status: 200)
        }
        defer { server.stop() }
        let clock = ManualClock()
        #expect(notifier(url: server.url("/hook"), clock: clock, interval: .seconds(1)).notify("x") == .sent)
        #expect(server.requests.count == 2)
        #expect(clock.sleeps.contains { $0 >= .seconds(2.9) && $0 <= .seconds(3) })
    }

    @Test func messagesArePacedToOnePerInterval() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200) }
        defer { server.stop() }
        let notifier = notifier(url: server.url("/hook"), interval: .milliseconds(400))
        for index in 0..<3 { #expect(notifier.notify("message \(index)") == .sent) }
        let times = server.requests.map(\.receivedAt)
        #expect(times.count == 3)
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later.timeIntervalSince(earlier) >= 0.38)
        }
    }

    @Test func breakerLogicIsPure() {
        var breaker = CircuitBreaker(failureThreshold: 2, resetTimeout: .seconds(10))
        let start = ContinuousClock.now
        breaker.recordFailure(at: start)
        let allowedAfterOne = breaker.allowsCall(at: start)
        #expect(allowedAfterOne)
        breaker.recordSuccess()
        breaker.recordFailure(at: start)
        #expect(breaker.state == .closed(failures: 1))
        breaker.recordFailure(at: start)
        let allowedEarly = breaker.allowsCall(at: start + .seconds(9))
        #expect(!allowedEarly)
        let allowedAfterTimeout = breaker.allowsCall(at: start + .seconds(10))
        #expect(allowedAfterTimeout)
        #expect(breaker.state == .halfOpen)
    }
}

/// Slack text cannot page the channel (issue 25, part 3).
@Suite struct SlackTextTests {
    @Test func interpolatedValuesAreEscapedAndLiteralsKept() {
        let batchID = "<!channel>"
        let link = "<https://evil.example|Rotate keys here>"
        let text: SlackText = ":rotating_light: *batch* \(batchID) & \(link)"
        #expect(text.mrkdwn == ":rotating_light: *batch* &lt;!channel&gt; & &lt;https://evil.example|Rotate keys here&gt;")
        #expect(SlackText(escaping: "a & b").mrkdwn == "a &amp; b")
        let nested: SlackText = "outer \(SlackText(escaping: "<x>"))"
        #expect(nested.mrkdwn == "outer &lt;x&gt;", "an escaped text is not escaped twice")
    }

    @Test func aRealSlackEndpointReceivesNoMention() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
        defer { server.stop() }
        let log = LogRecorder()
        let notifier = SlackNotifier(
            configuration: SlackNotifier.Configuration(webhookURL: server.url("/services/T/B/X")),
            client: HTTPClient(logger: log.logger), logger: log.logger)
        let host = "<!channel>"
        #expect(notifier.notify("the webhook to \(host) failed") == .sent)
        let body = try JSONValue.parse(bytes: try #require(server.requests.first).body)
        let text = try #require(body["text"]?.stringValue)
        #expect(text == "the webhook to &lt;!channel&gt; failed")
        #expect(!text.contains("<!"), "\(text)")
    }
}
