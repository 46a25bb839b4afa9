/// The Redis keys Celerity's workers own, all under `celerity:`. Celery's own keys (queues, results)
/// are named by ``Broker/PriorityBuckets`` and ``Broker/ResultBackend``.
package enum WorkerKeys {
    /// Sorted set of messages waiting for their ETA; score = due time (Unix seconds).
    package static let scheduled = "celerity:eta"
    /// Set of worker-process ids that may own a processing list.
    package static let processes = "celerity:processes"
    /// Hash: delivery tag → how many times the message was recovered from a dead process.
    package static let deliveries = "celerity:deliveries"
    /// Sorted set of dead-letter entry ids; score = when they were dead-lettered.
    package static let deadLetterIndex = "celerity:dlq"
    /// Hash: dead-letter entry id → entry JSON.
    package static let deadLetterEntries = "celerity:dlq:entries"
    /// The dead-letter entries' total size in bytes (the byte cap), kept by the scripts.
    package static let deadLetterBytes = "celerity:dlq:bytes"
    /// Entry id → reason, so counting reasons never reads an envelope.
    package static let deadLetterReasons = "celerity:dlq:reasons"
    /// Sorted set of revoked task ids; score = when the revocation expires (Unix seconds).
    package static let revoked = "celerity:revoked"
    /// Lock held by the supervisor that reaps dead processes.
    package static let reaperLock = "celerity:lock:reaper"
    /// Sorted set of worker node names; score = when their registration expires.
    package static let workers = "celerity:workers"
    /// Pub/sub channel for control messages (revoke --terminate).
    package static let control = "celerity:control"
    /// Hash: application metric series field (``MetricSeries``) → value; every node exports it.
    package static let applicationMetrics = "celerity:metrics:jobs"
    /// Hash: application metric name → its declaration's JSON (``MetricDeclaration``).
    package static let metricCatalog = "celerity:metrics:catalog"

    /// The list holding the messages a worker process is running.
    package static func processing(_ processID: String) -> String { "celerity:processing:" + processID }
    /// The lease key of a worker process; it expires when its supervisor stops renewing it.
    package static func lease(_ processID: String) -> String { "celerity:lease:" + processID }
    /// The registration hash of a worker node.
    package static func worker(_ node: String) -> String { "celerity:worker:" + node }
}
