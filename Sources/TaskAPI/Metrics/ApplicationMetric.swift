import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A metric an application declares and records from its tasks: a gauge, a counter or a histogram, with a name,
/// help text and label names. Every worker node's `/metrics` exports it, whichever node ran the task.
///
/// ```swift
/// enum ShopMetrics {
///     static let orders = ApplicationMetric.counter("shop_orders_total", help: "Orders placed.", labels: ["plan"])
///     static let basket = ApplicationMetric.histogram("shop_basket_euros", help: "Basket value.", buckets: [10, 50, 100, 500])
/// }
/// try ShopMetrics.orders.increment(labels: ["plan": "pro"], on: connection)
/// ```
///
/// A recording writes the value and the declaration to Redis (``Broker/WorkerKeys``' `celerity:metrics:jobs` and
/// `celerity:metrics:catalog`) in one `MULTI`. Label values must come from a small, closed set (a plan, a kind, a
/// region — never an id or a message): at most 200 series of a metric are exported, each value at most 64 bytes.
/// A task may run twice (at-least-once delivery): a gauge set twice holds the same value, a counter or histogram
/// counts the run twice — record "last success" as a gauge with a timestamp.
public struct ApplicationMetric: Sendable, Hashable {
    /// The Prometheus type of a metric.
    public enum Kind: String, Sendable, Hashable {
        /// A value that is set (a time, a ratio, a size).
        case gauge
        /// A count that only grows.
        case counter
        /// Observations counted into buckets, with their sum and count.
        case histogram
    }

    /// The type.
    public let kind: Kind
    /// The full metric name, e.g. `shop_orders_total`.
    public let name: String
    /// The `# HELP` text.
    public let help: String
    /// The label names; every recording gives a value for each.
    public let labelNames: [String]
    /// A histogram's upper bounds, ascending (`+Inf` is implied); empty for a gauge or counter.
    public let buckets: [Double]

    /// client_python's default buckets, in seconds.
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

    private init(kind: Kind, name: String, help: String, labelNames: [String], buckets: [Double]) {
        self.kind = kind
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
    }

    /// A gauge: ``set(_:labels:on:)-(Double,_,_)`` records it.
    public static func gauge(_ name: String, help: String, labels: [String] = []) -> ApplicationMetric {
        ApplicationMetric(kind: .gauge, name: name, help: help, labelNames: labels, buckets: [])
    }

    /// A counter: ``increment(by:labels:on:)`` records it. Name it `…_total`.
    public static func counter(_ name: String, help: String, labels: [String] = []) -> ApplicationMetric {
        ApplicationMetric(kind: .counter, name: name, help: help, labelNames: labels, buckets: [])
    }

    /// A histogram: ``observe(_:labels:on:)`` records it.
    public static func histogram(
        _ name: String, help: String, labels: [String] = [], buckets: [Double] = defaultBuckets
    ) -> ApplicationMetric {
        ApplicationMetric(kind: .histogram, name: name, help: help, labelNames: labels, buckets: buckets)
    }

    /// Sets a gauge.
    /// - Throws: ``ApplicationMetricError`` for a declaration, label set or value that cannot be exported (nothing is
    ///   written); ``Broker/RedisError`` when Redis cannot be written.
    public func set(_ value: Double, labels: [String: String] = [:], on connection: RedisConnection) throws {
        try require(.gauge, "set", value: value)
        try write([["HSET", WorkerKeys.applicationMetrics, series(name, labels).field, String(value)]], on: connection)
    }

    /// Sets a gauge to a time, in Unix seconds.
    public func set(_ date: Date, labels: [String: String] = [:], on connection: RedisConnection) throws {
        try set(date.timeIntervalSince1970, labels: labels, on: connection)
    }

    /// Adds `amount` (≥ 0) to a counter.
    /// - Throws: as ``set(_:labels:on:)-(Double,_,_)``.
    public func increment(by amount: Double = 1, labels: [String: String] = [:], on connection: RedisConnection) throws {
        try require(.counter, "increment", value: amount)
        guard amount >= 0 else { throw ApplicationMetricError("counter \(name) only grows: cannot add \(amount)") }
        try write([["HINCRBYFLOAT", WorkerKeys.applicationMetrics, series(name, labels).field, String(amount)]], on: connection)
    }

    /// Counts one observation into a histogram's buckets, sum and count.
    /// - Throws: as ``set(_:labels:on:)-(Double,_,_)``.
    public func observe(_ value: Double, labels: [String: String] = [:], on connection: RedisConnection) throws {
        try require(.histogram, "observe", value: value)
        let key = WorkerKeys.applicationMetrics
        var commands: [[String]] = []
        let values = try series(name, labels).labels
        for bound in buckets + [.infinity] where value <= bound {
            let bucket = MetricSeries(name: name + "_bucket", labels: values + [("le", MetricSeries.bound(bound))])
            commands.append(["HINCRBY", key, bucket.field, "1"])
        }
        commands.append(["HINCRBYFLOAT", key, try series(name + "_sum", labels).field, String(value)])
        commands.append(["HINCRBY", key, try series(name + "_count", labels).field, "1"])
        try write(commands, on: connection)
    }

    /// The declaration as the catalog stores it.
    var declaration: MetricDeclaration {
        MetricDeclaration(
            kind: MetricDeclaration.Kind(rawValue: kind.rawValue) ?? .gauge, name: name, help: help, labels: labelNames,
            buckets: buckets
        )
    }

    private func require(_ expected: Kind, _ operation: String, value: Double) throws(ApplicationMetricError) {
        if let problem = declaration.problem { throw ApplicationMetricError(problem) }
        guard kind == expected else {
            throw ApplicationMetricError("\(name) is a \(kind.rawValue): \(operation) records a \(expected.rawValue)")
        }
        guard value.isFinite else { throw ApplicationMetricError("\(name): \(value) is not a finite number") }
    }

    /// The series of `sample` with `labels`, checked against the declared label names.
    private func series(_ sample: String, _ labels: [String: String]) throws(ApplicationMetricError) -> MetricSeries {
        guard Set(labels.keys) == Set(labelNames) else {
            throw ApplicationMetricError("\(name) is declared with labels \(labelNames), recorded with \(labels.keys.sorted())")
        }
        var values: [(String, String)] = []
        for label in labelNames {
            let value = MetricSeries.clean(labels[label] ?? "")
            guard !value.isEmpty, value.utf8.count <= MetricDeclaration.maxLabelValueBytes else {
                throw ApplicationMetricError(
                    "\(name): label \(label) needs a value of 1 to \(MetricDeclaration.maxLabelValueBytes) bytes, got \(value.utf8.count)"
                )
            }
            values.append((label, value))
        }
        return MetricSeries(name: sample, labels: values)
    }

    /// Writes the declaration and the value commands in one `MULTI`/`EXEC`.
    private func write(_ commands: [[String]], on connection: RedisConnection) throws {
        let catalog = ["HSET", WorkerKeys.metricCatalog, name, declaration.json.serialized]
        _ = try connection.sendAll([["MULTI"], catalog] + commands + [["EXEC"]])
    }
}
