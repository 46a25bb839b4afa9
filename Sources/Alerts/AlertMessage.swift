import Broker
import HTTP

/// The Slack text of an alert transition: severity, name, subject, the value against the threshold, and the runbook.
/// The subject (a queue name, declared by any client) is escaped (``SlackText``).
enum AlertMessage {
    static func text(rule: AlertRule, subject: String, value: Double, transition: AlertState.Transition) -> SlackText {
        let what: SlackText
        switch rule.condition {
        case .depthAbove: what = "queue \(subject): \(Int(value)) ready messages (threshold \(Int(rule.threshold)))"
        case .oldestAgeAbove: what = "queue \(subject): oldest message waiting \(Int(value)) s (threshold \(Int(rule.threshold)) s)"
        case .deadLettersAddedAbove:
            what = "\(Int(value)) messages dead-lettered in the last \(Int(rule.window.seconds)) s (threshold \(Int(rule.threshold)))"
        }
        let severity = rule.severity.uppercased()
        let runbook = "runbook: deploy/runbooks/\(rule.name).md"
        switch transition {
        case .fire: return "🔥 [\(severity)] \(rule.name) FIRING: \(what), for \(Int(rule.duration.seconds)) s. \(runbook)"
        case .repeatFiring: return "🔁 [\(severity)] \(rule.name) still firing: \(what). \(runbook)"
        case .resolve: return "✅ [RESOLVED] \(rule.name): \(what)."
        case .none: return ""
        }
    }
}
