import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Prometheus

/// Renders a ``ClusterSnapshot`` in the Prometheus text format: celery-exporter's queue and worker
/// gauges under their own names, Celerity's under `celerity_`. A fresh registry per scrape, so a queue,
/// node or schedule entry that is gone disappears from the output.
package enum MetricsExposition {
    package static func render(_ snapshot: ClusterSnapshot) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ value: Double) {
            let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
            let gauge = labels.isEmpty ? registry.makeGauge(descriptor: descriptor) : registry.makeGauge(descriptor: descriptor, labels: labels)
            gauge.set(value)
        }
        for queue in snapshot.queues {
            let labels = [("queue_name", queue.name)]
            gauge("celery_queue_length", "The number of message in broker queue.", labels, Double(queue.length))
            gauge("celery_active_worker_count", "The number of active workers in broker queue.", labels, Double(queue.workers))
            gauge("celery_active_process_count", "The number of active processes in broker queue.", labels, Double(queue.processes))
            gauge(
                "celerity_queue_oldest_message_age_seconds",
                "Seconds the oldest ready message of the queue has waited, at least (0 when empty; see docs/operations.md).",
                labels, queue.oldestAge ?? 0
            )
            for (step, count) in queue.buckets.sorted(by: { $0.key < $1.key }) {
                gauge(
                    "celerity_queue_messages", "Ready messages per queue and kombu priority bucket (0, 3, 6, 9).",
                    [("queue_name", queue.name), ("priority", String(step))], Double(count)
                )
            }
        }
        for node in snapshot.nodes {
            let labels = [("hostname", node.name)]
            gauge("celery_worker_up", "Indicates if a worker has recently sent a heartbeat.", labels, node.up ? 1 : 0)
            gauge("celery_worker_tasks_active", "The number of tasks the worker is currently processing", labels, Double(node.busy))
            gauge(
                "celerity_worker_last_heartbeat_timestamp_seconds", "When the worker node last renewed its lease (Unix seconds).",
                labels, node.lastSeen.timeIntervalSince1970
            )
            gauge("celerity_worker_processes", "Worker processes of the node.", labels, Double(node.up ? node.info?.concurrency ?? 0 : 0))
            gauge(
                "celerity_worker_desired_processes",
                "Worker processes the node would run now (its --autoscale decision, else its pool size); for external autoscalers.",
                labels, Double(node.up ? node.info?.desiredProcesses ?? 0 : 0)
            )
        }
        gauge("celerity_eta_messages", "Messages waiting for their ETA or retry countdown in Redis.", [], Double(snapshot.etaMessages))
        if let due = snapshot.etaNextDue {
            gauge("celerity_eta_next_due_timestamp_seconds", "When the earliest ETA message is due (Unix seconds).", [], due.timeIntervalSince1970)
        }
        gauge("celerity_dead_letter_messages", "Messages in the dead-letter queue.", [], Double(snapshot.deadLetters))
        for entry in snapshot.schedule {
            let labels = [("entry", entry.name)]
            if let enqueued = entry.enqueuedAt {
                gauge(
                    "celerity_scheduler_last_enqueue_timestamp_seconds", "When a scheduler last enqueued the entry (Unix seconds).",
                    labels, enqueued.timeIntervalSince1970
                )
            }
            if let lag = entry.lag {
                gauge("celerity_scheduler_lag_seconds", "Seconds between the entry's last slot and its enqueue.", labels, lag)
            }
            if let next = entry.nextSlot {
                gauge("celerity_scheduler_next_run_timestamp_seconds", "The entry's next slot (Unix seconds).", labels, next.timeIntervalSince1970)
            }
        }
        var histograms: [(MetricSeries, MetricDeclaration)] = []
        for (series, value) in snapshot.applicationMetrics.sorted(by: { $0.key.field < $1.key.field }) {
            guard let declaration = snapshot.metricCatalog[series.name] else {
                // A histogram's sample: rendered by hand below, once per label set (from its `_count`).
                if series.name.hasSuffix("_count"), let base = snapshot.metricCatalog[String(series.name.dropLast("_count".count))],
                    base.kind == .histogram
                {
                    histograms.append((series, base))
                }
                continue
            }
            switch declaration.kind {
            case .gauge: gauge(series.name, declaration.help, series.labels, value)
            case .counter:
                let descriptor = MetricNameDescriptor(metricName: series.name, unitName: "", helpText: declaration.help)
                let counter =
                    series.labels.isEmpty
                    ? registry.makeCounter(descriptor: descriptor) : registry.makeCounter(descriptor: descriptor, labels: series.labels)
                counter.increment(by: value)
            case .histogram: continue
            }
        }
        if let flow = snapshot.flow {  // flow hook
            FlowMetrics.render(flow, queues: snapshot.queues.map(\.name), into: registry)
        }
        if let outbox = snapshot.outbox {
            OutboxMetrics.render(outbox, now: snapshot.time, into: registry)
        }
        let sentDescriptor = MetricNameDescriptor(
            metricName: "celery_task_sent", unitName: "total", helpText: "Sent when a task message is published."
        )
        for (series, count) in snapshot.sent.sorted(by: { ($0.key.queue, $0.key.name, $0.key.hostname) < ($1.key.queue, $1.key.name, $1.key.hostname) }) {
            registry.makeCounter(
                descriptor: sentDescriptor,
                labels: [("name", series.name), ("hostname", series.hostname), ("queue_name", series.queue)]
            ).increment(by: Int64(count))
        }
        gauge(
            "celerity_redis_round_trip_seconds", "Seconds the last metrics read took: one pipelined round trip to Redis.", [],
            snapshot.roundTrip
        )
        return registry.emitToBuffer() + HistogramText.render(histograms, values: snapshot.applicationMetrics)
    }
}
