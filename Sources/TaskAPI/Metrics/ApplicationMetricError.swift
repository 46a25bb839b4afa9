/// An application metric that cannot be recorded as asked: its declaration (name, labels, buckets), the label
/// values given, or the value. Nothing was written.
public struct ApplicationMetricError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what to change.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { "application metric: \(message)" }
}
