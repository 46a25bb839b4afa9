/// Why an inflation update applied nothing: the task ends with a `rejected` result naming it (not retried) and
/// Slack gets a warning.
struct InflationRejection: Error, Sendable, CustomStringConvertible {
    enum Reason: String, Sendable {
        case malformed, missing, stale
        case outOfRange = "out_of_range"
    }

    var reason: Reason
    var message: String

    init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    var description: String { "\(reason.rawValue): \(message)" }
}
