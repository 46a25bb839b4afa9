/// The Redis keys Celerity's workers own, all under `celerity:`. Celery's own keys (queues, results)
/// are named by ``Broker/PriorityBuckets`` and ``Broker/ResultBackend``.
public enum WorkerKeys {
    /// Sorted set of messages waiting for their ETA; score = due time (Unix seconds).
    public static let scheduled = "celerity:eta"
    /// Set of worker-process ids that may own a processing list.
    public static let processes = "celerity:processes"
    /// Hash: delivery tag → how many times the message was recovered from a dead process.
    public static let deliveries = "celerity:deliveries"
    /// Sorted set of dead-letter entry ids; score = when they were dead-lettered.
    public static let deadLetterIndex = "celerity:dlq"
    /// Hash: dead-letter entry id → entry JSON.
    public static let deadLetterEntries = "celerity:dlq:entries"
    /// Sorted set of revoked task ids; score = when the revocation expires (Unix seconds).
    public static let revoked = "celerity:revoked"
    /// Lock held by the supervisor that reaps dead processes.
    public static let reaperLock = "celerity:lock:reaper"
    /// Sorted set of worker node names; score = when their registration expires.
    public static let workers = "celerity:workers"
    /// Pub/sub channel for control messages (revoke --terminate).
    public static let control = "celerity:control"

    /// The list holding the messages a worker process is running.
    public static func processing(_ processID: String) -> String { "celerity:processing:" + processID }
    /// The lease key of a worker process; it expires when its supervisor stops renewing it.
    public static func lease(_ processID: String) -> String { "celerity:lease:" + processID }
    /// The registration hash of a worker node.
    public static func worker(_ node: String) -> String { "celerity:worker:" + node }
}
