import Broker
import Operations
import Prometheus
import Synchronization

/// This node's own counters and histograms: task outcomes (celery-exporter's names, types, labels and
/// buckets), process restarts, lease recoveries, dead letters. Fed by the supervisor from its worker
/// processes' reports; the queue-level numbers are read from Redis at scrape time by ``ClusterScrape``.
///
/// Labels are bounded: the task name, queue and exception type come from closed sets (registered task
/// names, the node's queues, at most ``LabelLimiter`` distinct exception types); no task id, argument or
/// error message is ever a label.
final class NodeMetrics: Sendable {
    /// celery-exporter's `--buckets` default (client_python's `Histogram.DEFAULT_BUCKETS`).
    static let runtimeBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    /// celery-exporter's `--queue-wait-buckets` default.
    static let queueWaitBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800]

    let registry = PrometheusCollectorRegistry()
    let hostname: String
    private let taskNames: Mutex<Set<String>>
    private let queues: Set<String>
    private let exceptions = Mutex(LabelLimiter(limit: 50))
    private let seen = Mutex(Set<[String]>())
    /// The counters and histograms of ``record(_:)`` by family and label values, so a report looks its metrics up
    /// in one dictionary instead of having the registry validate names, help texts and labels again per task.
    /// Bounded as the labels are.
    private let made = Mutex<(counters: [[String]: Prometheus.Counter], histograms: [[String]: ValueHistogram])>(([:], [:]))

    /// - Parameters:
    ///   - hostname: the node name, in full (`celerity-invoices@host1`).
    ///   - queues: the node's queues; a message routed elsewhere is counted under `other`.
    init(hostname: String, queues: [String]) {
        self.hostname = hostname
        self.taskNames = Mutex([])
        self.queues = Set(queues)
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "celerity_build_info", unitName: "", helpText: "Celerity's version; always 1."),
            labels: [("version", CelerityVersion.current)]
        ).set(to: 1)
    }

    /// Sets the registered task names, reported by the worker processes after the application's setup; a
    /// report of any other name is counted as `unregistered`.
    func register(taskNames names: [String]) {
        taskNames.withLock { $0 = Set(names) }
    }

    /// Counts what a worker process reported about one message.
    func record(_ report: TaskReport) {
        guard let outcome = report.outcome else { return }
        let name = taskNames.withLock { $0.contains(report.name) } ? report.name : "unregistered"
        let queue = queues.contains(report.queue) ? report.queue : "other"
        let labels = [("name", name), ("hostname", hostname), ("queue_name", queue)]
        instantiate(labels)
        if outcome != .rejected || report.deadLetter != .malformed {
            counter("received", labels).increment()
        }
        switch outcome {
        case .succeeded:
            counter("started", labels).increment()
            counter("succeeded", labels).increment()
            if let runtime = report.runtime { histogram(runtime: labels).record(runtime) }
        case .failed:
            counter("started", labels).increment()
            let exception = exceptions.withLock { $0.value(report.exception ?? "UnknownException") }
            counter("failed", [("name", name), ("hostname", hostname), ("exception", exception), ("queue_name", queue)])
                .increment()
        case .retried:
            counter("started", labels).increment()
            counter("retried", labels).increment()
        case .revoked:
            counter("revoked", labels).increment()
        case .rejected:
            counter("rejected", labels).increment()
        }
        if let wait = report.queueWait {
            histogram(queueWait: labels).record(wait)
        } else if let pop = report.pop {
            estimateQueueWait(pop, labels)
        }
        if let reason = report.deadLetter { deadLettered(reason) }
    }

    /// Counts messages moved to the dead-letter queue.
    func deadLettered(_ reason: DeadLetterReason, count: Int = 1) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_dead_lettered", unitName: "total",
                helpText: "Messages moved to the dead-letter queue, by reason."
            ),
            labels: [("reason", reason.rawValue)]
        ).increment(by: Int64(count))
    }

    /// Why a worker process was restarted.
    enum RestartCause: String, CaseIterable {
        /// It exited with a non-zero status.
        case exited
        /// A signal killed it (kill -9, the OOM killer, a crash).
        case signal
        /// The supervisor killed it at a task's hard time limit.
        case hardTimeLimit = "hard_time_limit"
        /// The supervisor killed it for `revoke --terminate`.
        case revokeTerminate = "revoke_terminate"
        /// The supervisor killed it over `--task-memory-limit`.
        case taskMemoryLimit = "task_memory_limit"
    }

    /// Counts a worker process that ended and will be restarted.
    func processRestarted(_ cause: RestartCause) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_worker_process_restarts", unitName: "total",
                helpText: "Worker processes restarted by their supervisor, by exit cause."
            ),
            labels: [("hostname", hostname), ("cause", cause.rawValue)]
        ).increment()
    }

    /// Counts a worker process that recycled itself (``Recycling``), by reason.
    func processRecycled(_ reason: Recycling.Reason) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_process_recycled", unitName: "total",
                helpText: "Worker processes that recycled themselves between tasks, by reason (tasks, memory)."
            ),
            labels: [("hostname", hostname), ("reason", reason.rawValue)]
        ).increment()
    }

    /// Counts messages recovered from dead processes' processing lists: requeued, or dead-lettered as poison.
    func recovered(requeued: Int, poison: Int) {
        let labels = [("hostname", hostname)]
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_lease_recoveries", unitName: "total",
                helpText: "Messages this node requeued from worker processes that died or lost their lease."
            ),
            labels: labels
        ).increment(by: Int64(requeued))
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_poison_messages", unitName: "total",
                helpText: "Messages this node dead-lettered because their worker process died on every delivery."
            ),
            labels: labels
        ).increment(by: Int64(poison))
        if poison > 0 { deadLettered(.poison, count: poison) }
    }

    /// Brings `celerity_redis_reconnects_total` up to `total`, the node's connections' reconnections so far.
    func redisReconnects(_ total: Int) {
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_redis_reconnects", unitName: "total",
                helpText: "Times this node's supervisor and metrics connections to Redis were made again after being up."
            ),
            labels: [("hostname", hostname)]
        )
        reconnectsCounted.withLock { counted in
            if total > counted { counter.increment(by: Int64(total - counted)) }
            counted = max(counted, total)
        }
    }

    private let reconnectsCounted = Mutex(0)

    // MARK: - Queue wait from arrival counting (QueueArrivals)

    private struct PendingWait: Sendable {
        var pop: TaskReport.Pop
        var labels: [(String, String)]
    }

    private let arrivals = Mutex<(histories: [String: QueueArrivals.History], pending: [PendingWait])>(([:], []))
    /// Waits not yet resolved are dropped after this many seconds, or beyond this many.
    static let pendingLimit = (seconds: 30.0, count: 10_000)

    private func estimateQueueWait(_ pop: TaskReport.Pop, _ labels: [(String, String)]) {
        let estimate = arrivals.withLock { state in
            let estimate = state.histories[pop.list, default: QueueArrivals.History()].arrival(ofPop: pop.number, started: pop.started)
            if estimate == .pending, state.pending.count < Self.pendingLimit.count {
                state.pending.append(PendingWait(pop: pop, labels: labels))
            }
            return estimate
        }
        if case .arrived(let time, _) = estimate { histogram(queueWait: labels).record(max(0, pop.started - time)) }
    }

    /// Takes the newest arrival records of `list` (read by the endpoint's sampler) and resolves the waits that waited for them.
    func arrivalsSampled(list: String, newestFirst records: [QueueArrivals.Record], now: Double) {
        let resolved = arrivals.withLock { state -> [(PendingWait, Double)] in
            state.histories[list, default: QueueArrivals.History()].merge(newestFirst: records)
            guard let history = state.histories[list] else { return [] }
            var resolved: [(PendingWait, Double)] = []
            state.pending.removeAll { wait in
                guard wait.pop.list == list else { return false }
                switch history.arrival(ofPop: wait.pop.number, started: wait.pop.started) {
                case .pending: return now - wait.pop.started > Self.pendingLimit.seconds
                case .unknown: return true
                case .arrived(let time, _):
                    resolved.append((wait, max(0, wait.pop.started - time)))
                    return true
                }
            }
            return resolved
        }
        for (wait, seconds) in resolved { histogram(queueWait: wait.labels).record(seconds) }
    }

    // MARK: - celery-exporter's families

    private static let help: [String: String] = [
        "received": "Sent when the worker receives a task.",
        "started": "Sent just before the worker executes the task.",
        "succeeded": "Sent if the task executed successfully.",
        "failed": "Sent if the execution of the task failed.",
        "rejected": "The task was rejected by the worker, possibly to be re-queued or moved to a dead letter queue.",
        "revoked": "Sent if the task has been revoked.",
        "retried": "Sent if the task failed, but will be retried in the future.",
    ]

    private func counter(_ state: String, _ labels: [(String, String)]) -> Prometheus.Counter {
        let key = [state] + labels.map(\.1)
        if let counter = made.withLock({ $0.counters[key] }) { return counter }
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "celery_task_\(state)", unitName: "total", helpText: Self.help[state]!),
            labels: labels
        )
        made.withLock { $0.counters[key] = counter }
        return counter
    }

    /// The histogram of `family` (`runtime`, `queue_wait`) for `labels`, made by `make` the first time.
    private func histogram(_ family: String, _ labels: [(String, String)], make: () -> ValueHistogram) -> ValueHistogram {
        let key = [family] + labels.map(\.1)
        if let histogram = made.withLock({ $0.histograms[key] }) { return histogram }
        let histogram = make()
        made.withLock { $0.histograms[key] = histogram }
        return histogram
    }

    private func histogram(runtime labels: [(String, String)]) -> ValueHistogram {
        histogram("runtime", labels) { makeRuntimeHistogram(labels) }
    }

    private func histogram(queueWait labels: [(String, String)]) -> ValueHistogram {
        histogram("queue_wait", labels) { makeQueueWaitHistogram(labels) }
    }

    private func makeRuntimeHistogram(_ labels: [(String, String)]) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "celery_task_runtime", unitName: "", helpText: "Histogram of task runtime measurements."
            ),
            labels: labels, buckets: Self.runtimeBuckets
        )
    }

    private func makeQueueWaitHistogram(_ labels: [(String, String)]) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "celery_task_queue_wait_time", unitName: "",
                helpText: "Histogram of the time tasks spend waiting in the queue before being executed, excluding deliberate ETA/countdown delay."
            ),
            labels: labels, buckets: Self.queueWaitBuckets
        )
    }

    /// As celery-exporter: the first event of a label set makes every counter of that set visible at 0
    /// (failed with an empty exception), so rates over them exist before the first failure. The queue-wait
    /// histogram too, since its observations may come a sample later (``estimateQueueWait(_:_:)``).
    private func instantiate(_ labels: [(String, String)]) {
        let key = labels.map(\.1)
        guard seen.withLock({ $0.insert(key).inserted }) else { return }
        for state in ["received", "started", "succeeded", "rejected", "revoked", "retried"] {
            counter(state, labels).increment(by: Int64(0))
        }
        counter("failed", [labels[0], labels[1], ("exception", ""), labels[2]]).increment(by: Int64(0))
        _ = histogram(queueWait: labels)
    }
}
