import Broker
import Prometheus

/// Flow control's families of `/metrics` (docs/flow-control.md), from a ``FlowReport``. Key labels are bounded:
/// only the report's top ``FlowReport/topKeys`` keys appear.
enum FlowMetrics {
    static func render(_ report: FlowReport, queues: [String], into registry: PrometheusCollectorRegistry) {
        let paused = MetricNameDescriptor(
            metricName: "celerity_queue_paused", unitName: "", helpText: "1 while the queue is paused (celerity queues pause), else 0."
        )
        for queue in Set(queues).union(report.pausedQueues).sorted() {
            registry.makeGauge(descriptor: paused, labels: [("queue_name", queue)]).set(Double(report.pausedQueues.contains(queue) ? 1 : 0))
        }
        let running = MetricNameDescriptor(
            metricName: "celerity_flow_key_running", unitName: "",
            helpText: "Concurrency slots a flow key holds cluster-wide (the busiest keys only)."
        )
        for (key, count) in report.running.sorted(by: { $0.key < $1.key }) {
            registry.makeGauge(descriptor: running, labels: [("name", key.task), ("key", key.key)]).set(Double(count))
        }
        let throttled = MetricNameDescriptor(
            metricName: "celerity_flow_key_throttled", unitName: "total",
            helpText: "Messages of a flow key (or rate-limited task, key \"\") parked because its limit was reached (top keys only)."
        )
        for (key, count) in report.throttled.sorted(by: { $0.key < $1.key }) {
            registry.makeCounter(descriptor: throttled, labels: [("name", key.task), ("key", key.key)]).increment(by: Int64(count))
        }
        let parked = MetricNameDescriptor(
            metricName: "celerity_flow_parked_messages", unitName: "",
            helpText: "Messages of a ready list parked by flow control until their key has room (not in celery_queue_length)."
        )
        for (list, count) in report.parked.sorted(by: { $0.key < $1.key }) {
            registry.makeGauge(descriptor: parked, labels: [("list", FlowReport.displayName(ofList: list))]).set(Double(count))
        }
    }
}

extension FlowReport {
    /// The report for `celerity status --json`.
    public func json() -> JSONValue {
        func keys(_ counts: [Key: Int]) -> JSONValue {
            .array(counts.sorted { $0.key < $1.key }.map { ["task": .string($0.key.task), "key": .string($0.key.key), "count": .int($0.value)] })
        }
        return [
            "paused_queues": .array(pausedQueues.map(JSONValue.string)),
            "rate_limits": .object(JSONObject(rateLimits.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
            "key_limits": .object(JSONObject(keyLimits.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
            "running": keys(running), "throttled": keys(throttled),
            "parked": .object(JSONObject(parked.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) })),
        ]
    }
}
