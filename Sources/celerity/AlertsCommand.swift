import Alerts
import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import HTTP
import Logging
import Worker

/// `celerity alerts [--rules FILE]`: the built-in queue alerts to Slack.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Post queue alerts to Slack (SLACK_WEBHOOK_URL): depth, oldest-message age and dead-letter rules.",
        discussion: "Without --rules: the seeds' CeleryQueueBacklog (> 1000 ready messages for 10 minutes, repeated every 12 h), "
            + "oldest message older than 10 minutes for 5 minutes, and any dead letter in 15 minutes. "
            + "Run several for redundancy: each transition is posted once (state in Redis). See docs/operations.md."
    )

    @OptionGroup var redis: RedisOptions

    @Option(help: "The rules file (YAML; example: deploy/alerts.yaml).")
    var rules: String?

    @Option(name: [.customShort("Q"), .long], help: "Comma-separated queues always watched, besides those clients declared and workers consume.")
    var queues: String = "celery"

    @Option(help: "Seconds between two evaluations.")
    var interval: Double = 15

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func run() async throws {
        LogFormat.bootstrap(logFormat, level: "info")
        let loaded: [AlertRule]
        do {
            loaded = try rules.map { path throws(AlertRuleFileError) in try AlertRuleFile.load(path: path) } ?? AlertRule.defaults
        } catch {
            throw CommandError("\(error)")
        }
        let checkedInterval = try CheckedOption.seconds(interval, name: "--interval", in: 0.1...86_400)
        let logger = Logger(label: "celerity.alerts")
        let notifier = SlackNotifier(
            configuration: .init(webhookURL: ProcessInfo.processInfo.environment["SLACK_WEBHOOK_URL"]), client: HTTPClient(logger: logger),
            logger: logger
        )
        let alerter = Alerter(
            redis: try redis.configuration(), rules: loaded,
            queues: queues.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty },
            notifier: notifier, interval: checkedInterval, logger: logger
        )
        try await ServiceGroup([alerter], signals: ShutdownSignals.install([SIGTERM, SIGINT])).run()
    }
}
