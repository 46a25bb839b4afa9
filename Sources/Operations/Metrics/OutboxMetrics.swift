import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Prometheus

/// The outbox families of `/metrics` (docs/outbox.md), from the relays' last count in Redis (``OutboxReport``).
package enum OutboxMetrics {
    package static func render(_ report: OutboxReport, now: Date, into registry: PrometheusCollectorRegistry) {
        func gauge(_ name: String, _ help: String, _ value: Double) {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help)).set(value)
        }
        gauge("celerity_outbox_pending", "Committed outbox rows not yet relayed to Redis, when a relay last counted.", Double(report.pending))
        gauge(
            "celerity_outbox_oldest_age_seconds",
            "Seconds the oldest pending outbox row has waited (from the last count; grows while no relay counts).",
            report.oldestAge(now: now)
        )
        gauge("celerity_outbox_failed", "Outbox rows the relay could not turn into a message (kept with their error).", Double(report.failed))
        gauge(
            "celerity_outbox_last_count_timestamp_seconds", "When an outbox relay last counted the outbox (Unix seconds).",
            report.observedAt.timeIntervalSince1970
        )
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "celerity_outbox_relayed", unitName: "total", helpText: "Messages the outbox relays pushed to Redis."
            )
        ).increment(by: Int64(report.relayed))
    }
}
