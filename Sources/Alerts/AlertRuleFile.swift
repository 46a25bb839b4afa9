import Broker
import Foundation
import Yams

/// Reads the built-in alerter's rules (`celerity alerts --rules FILE`; example: deploy/alerts.yaml).
///
/// ```yaml
/// rules:
///   - name: CeleryQueueBacklog
///     queue: "*"            # every known queue (default), or one queue's name
///     depth_above: 1000     # or oldest_age_above: 10m, or dead_letters_added_above: 0 with window: 15m
///     for: 10m
///     repeat_interval: 12h
///     severity: warning     # or critical
/// ```
public enum AlertRuleFile {
    static let keys = ["name", "queue", "depth_above", "oldest_age_above", "dead_letters_added_above", "for", "repeat_interval", "window", "severity"]

    /// Reads the file at `path`.
    /// - Throws: ``AlertRuleFileError`` naming the file, the line and the problem.
    public static func load(path: String) throws(AlertRuleFileError) -> [AlertRule] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AlertRuleFileError(path: path, line: nil, message: "cannot read the file")
        }
        return try parse(yaml: text, path: path)
    }

    /// Parses rules YAML; `path` is used in errors only.
    public static func parse(yaml: String, path: String) throws(AlertRuleFileError) -> [AlertRule] {
        func fail(_ node: Node?, _ message: String) -> AlertRuleFileError {
            AlertRuleFileError(path: path, line: node?.mark?.line, message: message)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw AlertRuleFileError(path: path, line: nil, message: "not valid YAML: \(error)")
        }
        guard let list = root?.mapping?["rules"]?.sequence else { throw fail(root, "the file needs a `rules:` list") }
        var rules: [AlertRule] = []
        for node in list {
            guard let mapping = node.mapping else { throw fail(node, "a rule must be a mapping starting with `- name:`") }
            var values: [String: (String, Node)] = [:]
            for (key, value) in mapping {
                guard let name = key.scalar?.string, keys.contains(name) else {
                    throw fail(key, "unknown key \(key.scalar?.string ?? "?"); a rule has \(keys.joined(separator: ", "))")
                }
                guard let text = value.scalar?.string else { throw fail(value, "\(name) must be a single value") }
                values[name] = (text, value)
            }
            guard let name = values["name"]?.0, !name.isEmpty else { throw fail(node, "a rule needs a `name:`") }
            let conditions = AlertRule.Condition.allCases.filter { values[$0.rawValue] != nil }
            guard conditions.count == 1, let condition = conditions.first else {
                throw fail(node, "rule \(name) needs exactly one of depth_above, oldest_age_above, dead_letters_added_above")
            }
            let (thresholdText, thresholdNode) = values[condition.rawValue]!
            let threshold: Double
            if condition == .oldestAgeAbove {
                guard let duration = parseDuration(thresholdText) else { throw fail(thresholdNode, "rule \(name): oldest_age_above must be a duration like 10m") }
                threshold = duration.seconds
            } else {
                guard let number = Double(thresholdText), (0...1e12).contains(number) else {
                    throw fail(thresholdNode, "rule \(name): \(condition.rawValue) must be a number from 0 to 10¹²")
                }
                threshold = number
            }
            var rule = AlertRule(name: name, condition: condition, threshold: threshold)
            for (key, defaultValue) in [("for", rule.duration), ("repeat_interval", rule.repeatInterval), ("window", rule.window)] {
                guard let (text, valueNode) = values[key] else { continue }
                guard let duration = parseDuration(text) else {
                    throw fail(valueNode, "rule \(name): \(key) must be a duration like 30s, 10m or 12h (default \(defaultValue.seconds)s)")
                }
                switch key {
                case "for": rule.duration = duration
                case "repeat_interval": rule.repeatInterval = duration
                default: rule.window = duration
                }
            }
            if let (queue, _) = values["queue"] { rule.queue = queue }
            if let (severity, severityNode) = values["severity"] {
                guard ["warning", "critical"].contains(severity) else { throw fail(severityNode, "rule \(name): severity must be warning or critical") }
                rule.severity = severity
            }
            rules.append(rule)
        }
        return rules
    }

    /// `30s`, `10m`, `12h`, `1d`, or plain seconds; `nil` unless finite and from 0 to 10⁷ s (about 115 days).
    static func parseDuration(_ text: String) -> Duration? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let seconds = Double(text) { return Duration(checkedSeconds: seconds) }
        guard let unit = text.last.flatMap({ units[$0] }), let number = Double(text.dropLast()) else { return nil }
        return Duration(checkedSeconds: number * unit)
    }
}

/// A problem in an alert rules file: one line naming the file, the line and what to fix.
public struct AlertRuleFileError: Error, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
