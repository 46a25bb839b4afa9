import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One built-in alert rule: a condition on a queue (or on the dead-letter queue), how long it must hold,
/// how often to repeat while firing, and the severity shown in Slack.
public struct AlertRule: Sendable, Hashable {
    /// What is compared with ``threshold``.
    public enum Condition: String, Sendable, Hashable, CaseIterable {
        /// Ready messages of a queue, every priority bucket (`celery_queue_length`).
        case depthAbove = "depth_above"
        /// Seconds the oldest ready message of a queue has waited (`celerity_queue_oldest_message_age_seconds`).
        case oldestAgeAbove = "oldest_age_above"
        /// Messages dead-lettered within ``AlertRule/window`` (any queue).
        case deadLettersAddedAbove = "dead_letters_added_above"
    }

    /// The alert's name, as in Prometheus (`CeleryQueueBacklog`).
    public var name: String
    public var condition: Condition
    public var threshold: Double
    /// The queue it watches; `*` for every known queue. Ignored by dead-letter rules.
    public var queue: String
    /// How long the condition must hold before the alert fires. Default 10 minutes.
    public var duration: Duration
    /// How often a firing alert is posted again. Default 12 hours.
    public var repeatInterval: Duration
    /// The window of a dead-letter rule. Default 15 minutes.
    public var window: Duration
    /// `warning` or `critical`.
    public var severity: String

    public init(
        name: String, condition: Condition, threshold: Double, queue: String = "*", duration: Duration = .seconds(600),
        repeatInterval: Duration = .seconds(12 * 3600), window: Duration = .seconds(900), severity: String = "warning"
    ) {
        self.name = name
        self.condition = condition
        self.threshold = threshold
        self.queue = queue
        self.duration = duration
        self.repeatInterval = repeatInterval
        self.window = window
        self.severity = severity
    }

    /// The rules used when no file is given: the seeds' `CeleryQueueBacklog` (> 1000 for 10 minutes, warning,
    /// repeated every 12 h), an oldest-message age over 10 minutes, and any dead letter in 15 minutes.
    public static let defaults: [AlertRule] = [
        AlertRule(name: "CeleryQueueBacklog", condition: .depthAbove, threshold: 1000),
        AlertRule(name: "CelerityOldestMessageTooOld", condition: .oldestAgeAbove, threshold: 600, duration: .seconds(300)),
        AlertRule(name: "CelerityDeadLettersGrowing", condition: .deadLettersAddedAbove, threshold: 0, duration: .zero),
    ]
}
