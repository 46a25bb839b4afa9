import Broker
import Foundation
import TestSupport
import Testing

/// `celerity alerts`: two alerter processes, a fake Slack on loopback, shortened durations.
@Suite("built-in Slack alerts", .serialized)
struct AlertsTests {
    @Test("a backlog over the threshold fires once, repeats once per interval, resolves once — with two alerters and a 429")
    func firesRepeatsResolvesOnce() async throws {
        try await OperationsFixture.with { fixture in
            let answered = Locked(0)
            let slack = try LoopbackHTTPServer { _ in
                // The first post is rate-limited: the notifier waits out Retry-After and sends it again.
                let first = answered.withLock { count in
                    count += 1
                    return count == 1
                }
                return first ? .init(status: 429, headers: [("Retry-After", "1")], body: "rate_limited") : .init(status: 200, body: "ok")
            }
            defer { slack.stop() }
            let separator = PriorityBuckets.separator
            for queue in ["backlog", "full"] {
                _ = try await fixture.db.send(["SADD", "_kombu.binding.celery", "\(queue)\(separator)\(separator)\(queue)"])
            }
            // 1,001 split over two buckets fires; exactly 1,000 does not.
            try await fixture.client.send(batch: (0..<1001).map { index in
                TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "backlog", priority: index < 500 ? 0 : 3))
            })
            try await fixture.client.send(batch: (0..<1000).map { _ in TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "full")) })

            let rules = try fixture.makeDirectory("celerity-alerts").appendingPathComponent("alerts.yaml")
            try """
                rules:
                  - name: CeleryQueueBacklog
                    depth_above: 1000
                    for: 2s
                    repeat_interval: 5s
                    severity: warning
                """.write(to: rules, atomically: true, encoding: .utf8)
            let webhook = slack.url("/services/T000/B000/secret-token-123")
            let environment = ["CELERITY_REDIS_URL": fixture.redis.url, "SLACK_WEBHOOK_URL": webhook]
            let alerters = try (0..<2).map { _ in
                try fixture.start(OperationsFixture.celerity, ["alerts", "--rules", rules.path, "--interval", "0.5"], environment: environment)
            }
            let started = ContinuousClock.now

            // What Slack accepted: every request but the first, which was answered 429.
            func posts() -> [String] {
                slack.requests.dropFirst().compactMap { request in
                    (try? JSONValue.parse(request.text))?["text"]?.stringValue
                }
            }
            let firing = try await pollForValue(timeout: .seconds(30), interval: .milliseconds(100), "the firing message") {
                posts().first { $0.contains("FIRING") }
            }
            #expect(ContinuousClock.now - started >= .seconds(2), "fired before the rule's 2 s")
            #expect(firing.contains("CeleryQueueBacklog") && firing.contains("queue backlog: 1001 ready messages"), "\(firing)")
            try await poll(timeout: .seconds(20), interval: .milliseconds(100), "one repeat") {
                posts().contains { $0.contains("still firing") }
            }
            // Drain: the resolved message follows, once.
            for key in PriorityBuckets.listKeys(queue: "backlog") { _ = try await fixture.db.send(["DEL", key]) }
            try await poll(timeout: .seconds(20), interval: .milliseconds(100), "the resolved message") {
                posts().contains { $0.contains("RESOLVED") }
            }
            // Let the alerters evaluate several more times (each evaluation runs the state script once per queue):
            // nothing may be posted twice.
            func scriptCalls() async throws -> Int {
                let stats = try await fixture.db.send(["INFO", "commandstats"]).string ?? ""
                return stats.split(whereSeparator: \.isNewline).reduce(0) { total, line in
                    guard line.hasPrefix("cmdstat_evalsha:") || line.hasPrefix("cmdstat_eval:"),
                        let calls = line.split(separator: "=").dropFirst().first?.split(separator: ",").first.flatMap({ Int($0) })
                    else { return total }
                    return total + calls
                }
            }
            let callsAtResolve = try await scriptCalls()
            try await poll(timeout: .seconds(20), interval: .milliseconds(100), "four more evaluation rounds") {
                try await scriptCalls() >= callsAtResolve + 16
            }
            let all = posts()
            #expect(all.filter { $0.contains("FIRING") }.count == 1, "\(all)")
            #expect(all.filter { $0.contains("RESOLVED") }.count == 1, "\(all)")
            #expect(all.filter { $0.contains("still firing") }.count == 1, "\(all)")
            #expect(!all.contains { $0.contains("queue full") }, "exactly 1000 must not fire: \(all)")
            let requests = slack.requests
            #expect(requests.first?.path.hasSuffix("secret-token-123") == true)
            #expect(requests.count >= 2 && requests[0].text == requests[1].text, "the rate-limited message is sent again")
            if requests.count >= 2 {
                #expect(requests[1].receivedAt.timeIntervalSince(requests[0].receivedAt) >= 0.9, "Retry-After: 1 was waited out")
            }
            for alerter in alerters {
                _ = await alerter.stop(gracePeriod: .seconds(5))
                #expect(!alerter.output.contains("secret-token-123") && !alerter.errorOutput.contains("secret-token-123"))
            }
        }
    }

    @Test("a rules file with a mistake stops the command with one line naming the file and line")
    func badRulesFile() async throws {
        try await OperationsFixture.with { fixture in
            let rules = try fixture.makeDirectory("celerity-alerts").appendingPathComponent("bad.yaml")
            try "rules:\n  - name: X\n    depth_above: 10\n    for: ten minutes\n".write(to: rules, atomically: true, encoding: .utf8)
            let result = try await fixture.run(["alerts", "--rules", rules.path])
            #expect(result.termination == .exited(1))
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("bad.yaml:") && lines[0].contains("for must be a duration"), "\(result.standardError)")
        }
    }
}
