import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What Redis says about the whole system at one moment: queues, worker nodes, the ETA set, dead
/// letters, schedules and the application metrics (the job families' among them). Read by ``ClusterScrape``
/// (one pipelined round trip); rendered as `/metrics`, by `celerity status` and by the status page.
public struct ClusterSnapshot: Sendable {
    /// One queue: its ready messages per priority bucket and how long the oldest has waited.
    public struct Queue: Sendable, Hashable {
        public var name: String
        /// Ready messages per kombu bucket step (0, 3, 6, 9), summed by ``length``.
        public var buckets: [Int: Int]
        /// Seconds the oldest ready message has waited at least (see docs/operations.md), `nil` when empty.
        public var oldestAge: Double?
        /// Live nodes that consume it, and their processes.
        public var workers: Int
        public var processes: Int
        /// Messages Celerity workers have taken from it so far, all buckets (``QueueArrivals`` pop counters).
        public var popped: Int

        /// Every priority bucket together: what `celery_queue_length` reports.
        public var length: Int { buckets.values.reduce(0, +) }
    }

    /// One worker node, live or recently gone.
    public struct Node: Sendable, Hashable {
        public var name: String
        /// Whether it renewed its lease within the lease timeout.
        public var up: Bool
        public var lastSeen: Date
        public var info: WorkerInfo?

        /// Processes running a task now.
        public var busy: Int { up ? (info?.current.filter { $0 != "idle" && $0 != "restarting" }.count ?? 0) : 0 }
    }

    /// One schedule entry's state.
    public struct ScheduleEntry: Sendable, Hashable {
        public var name: String
        public var task: String?
        public var lastSlot: Date?
        public var enqueuedAt: Date?
        public var nextSlot: Date?

        /// Seconds between the slot and the moment its message was pushed.
        public var lag: Double? {
            guard let lastSlot, let enqueuedAt else { return nil }
            return max(0, enqueuedAt.timeIntervalSince(lastSlot))
        }
    }

    /// One series of `celery_task_sent_total`.
    public struct SentSeries: Sendable, Hashable {
        public var queue: String
        public var name: String
        /// The sender's node name (``SentCounter/sender(fromNodeName:)``).
        public var hostname: String
    }

    public var time: Date
    public var queues: [Queue]
    public var nodes: [Node]
    public var etaMessages: Int
    public var etaNextDue: Date?
    public var deadLetters: Int
    public var schedule: [ScheduleEntry]
    /// The application metrics' declarations (`TaskAPI`'s `ApplicationMetric`), by name.
    package var metricCatalog: [String: MetricDeclaration]
    /// The application metrics' values, by series (a histogram has one per bucket, its sum and its count).
    package var applicationMetrics: [MetricSeries: Double]
    /// Messages sent cluster-wide per series (``SentCounter``), label values bounded.
    public var sent: [SentSeries: Int]
    /// Seconds the pipelined read took.
    public var roundTrip: Double
    /// What the outbox relays last counted (docs/outbox.md); `nil` when no relay has reported.
    public var outbox: OutboxReport? = nil
    /// Flow control: paused queues, limits and their use (docs/flow-control.md).
    public var flow: FlowReport? = nil

    /// The application gauges, the job families' among them, by series.
    package var jobGauges: [MetricSeries: Double] {
        applicationMetrics.filter { metricCatalog[$0.key.name]?.kind == .gauge }
    }
}
