import Broker
import HTTP
import Logging
import Operations
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The built-in queue alerter (`celerity alerts`), for teams without Alertmanager: every `interval` it
/// reads the queues from Redis (as `/metrics` does), evaluates its rules, and posts firing, repeated and
/// resolved messages to Slack. Alert state lives in Redis (``AlertState``), so several alerters post each
/// transition once; Slack pacing, 429 `Retry-After` and the circuit breaker are the ``SlackNotifier``'s.
public final class Alerter: Service {
    private let rules: [AlertRule]
    private let connection: RedisConnection
    private let scrape: Mutex<ClusterScrape>
    private let notifier: SlackNotifier
    private let interval: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - queues: queues always watched (besides those declared by clients and consumed by live workers).
    ///   - interval: how often the rules are evaluated. Default 15 s.
    public init(
        redis: RedisConfiguration, rules: [AlertRule], queues: [String], notifier: SlackNotifier, interval: Duration = .seconds(15),
        logger: Logger
    ) {
        self.rules = rules
        self.connection = RedisConnection(configuration: redis, logger: logger)
        self.scrape = Mutex(ClusterScrape(connection: connection, queues: queues, leaseTimeout: .seconds(10)))
        self.notifier = notifier
        self.interval = interval
        self.logger = logger
    }

    /// Evaluates the rules every interval, on a thread of its own (hiredis and libcurl block), until `shutdown`
    /// asks (looked at every 100 ms, between evaluations).
    package func run(until shutdown: Shutdown) async {
        logger.info(
            "alerter started",
            metadata: ["alerts.rules": "\(rules.map(\.name).joined(separator: ","))", "slack": "\(notifier.configuration)"]
        )
        await PosixThread.run(name: "alerter") { [self] in
            var next = ContinuousClock.now
            while !shutdown.isRequested {
                if ContinuousClock.now >= next {
                    next = ContinuousClock.now + interval
                    do {
                        try evaluate()
                    } catch {
                        logger.warning("cannot evaluate alert rules; will retry", metadata: ["error": "\(error)"])
                    }
                }
                PosixThread.sleep(for: .milliseconds(100))
            }
        }
        logger.info("alerter stopped")
    }

    /// One evaluation: reads Redis, moves every alert's state, posts what changed.
    /// - Returns: the messages posted (tests).
    @discardableResult
    func evaluate(now: Date = Date()) throws(RedisError) -> [String] {
        let snapshot = try scrape.withLock { scrape throws(RedisError) in try scrape.read(now: now) }
        var messages: [String] = []
        for rule in rules {
            for (subject, value) in try observations(rule, snapshot: snapshot, now: now) {
                let holds = value > rule.threshold
                let reply = try connection.evaluate(
                    AlertState.script, keys: [AlertState.key(rule: rule.name, subject: subject)],
                    arguments: [holds ? "1" : "0", String(now.timeIntervalSince1970), String(rule.duration.seconds), String(rule.repeatInterval.seconds)]
                )
                let transition = reply.string.flatMap(AlertState.Transition.init(rawValue:)) ?? .none
                guard transition != .none else { continue }
                let text = AlertMessage.text(rule: rule, subject: subject, value: value, transition: transition)
                let outcome = notifier.notify(text)
                logger.info(
                    "alert \(transition.rawValue)",
                    metadata: ["alert.name": "\(rule.name)", "alert.subject": "\(subject)", "slack.outcome": "\(outcome)"]
                )
                messages.append(text.mrkdwn)
            }
        }
        return messages
    }

    /// The value each subject of `rule` has now: per queue, or one value for the dead-letter queue.
    private func observations(_ rule: AlertRule, snapshot: ClusterSnapshot, now: Date) throws(RedisError) -> [(String, Double)] {
        switch rule.condition {
        case .deadLettersAddedAbove:
            let since = now.timeIntervalSince1970 - rule.window.seconds
            let added = try connection.send(["ZCOUNT", WorkerKeys.deadLetterIndex, "(" + String(since), "+inf"]).integer ?? 0
            return [("dead-letters", Double(added))]
        case .depthAbove, .oldestAgeAbove:
            return snapshot.queues.filter { rule.queue == "*" || rule.queue == $0.name }.map { queue in
                (queue.name, rule.condition == .depthAbove ? Double(queue.length) : queue.oldestAge ?? 0)
            }
        }
    }
}
