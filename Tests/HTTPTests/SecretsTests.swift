import Broker
import Foundation
import HTTP
import Logging
import TestSupport
import Testing

/// Secrets (the Slack URL's path, a webhook secret, credentials in URLs) never reach a log line or an error.
@Suite struct SecretsTests {
    @Test func noSecretAppearsInLogsOrErrors() throws {
        let slackPath = "/services/T0SECRET/B0SECRET/slackTokenXYZ123"
        let webhookSecret = "whsec-TopSecretValue-987"
        let queryToken = "queryTokenABC456"
        let password = "urlPasswordQRS789"
        let log = LogRecorder()
        var descriptions: [String] = []

        let failing = try LoopbackHTTPServer { request in
            request.path.hasSuffix("/limited")
                ? .init(status: 429, headers: [("Retry-After", "0")]) : .init(status: 500)
        }
        defer { failing.stop() }
        let client = HTTPClient(logger: log.logger)

        let clock = ManualClock()
        var slack = SlackNotifier.Configuration(webhookURL: failing.url(slackPath))
        slack.minimumInterval = .zero
        let notifier = SlackNotifier(configuration: slack, client: client, logger: log.logger, clock: clock.clock)
        for _ in 0..<6 { notifier.notify("build failed") }
        descriptions.append("\(slack)")
        descriptions.append("\(SlackNotifier(configuration: slack, client: client, logger: log.logger).configuration)")

        let webhook = WebhookSender(
            configuration: WebhookSender.Configuration(secret: webhookSecret), client: client, logger: log.logger,
            clock: clock.clock, random: { 0.5 }
        )
        let outcome = webhook.send(
            to: failing.url("/cb?token=\(queryToken)"), event: "e", deliveryID: "d", payload: ["x": 1]
        )
        descriptions.append(outcome.error ?? "")
        descriptions.append("\(outcome)")
        descriptions.append("\(webhook.configuration)")

        let refusedPort = try FreePort.allocate()
        for url in [
            "http://user:\(password)@127.0.0.1:\(refusedPort)\(slackPath)?token=\(queryToken)",
            failing.url("/limited?token=\(queryToken)"),
            "ftp://user:\(password)@127.0.0.1\(slackPath)",
        ] {
            do {
                _ = try client.send(HTTPRequest(url: url, headers: [("Authorization", "Bearer \(queryToken)")]))
                Issue.record("expected a failure for \(RedactedURL(url))")
            } catch {
                descriptions.append("\(error)")
                descriptions.append(String(reflecting: error))
            }
        }

        let everything = (log.messages + descriptions).joined(separator: "\n")
        #expect(log.messages.count > 10, "the scenario logged: \(log.messages.count) lines")
        for secret in [slackPath, "slackTokenXYZ123", "T0SECRET", webhookSecret, queryToken, password] {
            #expect(!everything.contains(secret), "\(secret) leaked")
        }
    }
}
