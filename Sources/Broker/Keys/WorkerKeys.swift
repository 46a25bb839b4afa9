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

    // Flow control (Sources/Worker/Flow, docs/flow-control.md).
    /// Hash: task name → Celery rate string (`100/m`): the run-time rate limits (`rate_limit` control command).
    /// A missing field or `0` means unlimited.
    package static let rateLimits = "celerity:rate_limits"
    /// Hash: task name → the rate limit its definition sets, written by the workers that register it.
    package static let rateLimitDefaults = "celerity:rate_limits:defaults"
    /// Hash: task name → `"<concurrency> <rate>"` per flow key (either may be empty), from the task definitions.
    package static let flowLimits = "celerity:flow:limits"
    /// Hash: `task<TAB>key` → how many of its messages processes hold (concurrency slots in use).
    package static let flowRunning = "celerity:flow:running"
    /// Hash: slot id (delivery tag, else task id) → the `task<TAB>key` whose slot it holds.
    package static let flowSlots = "celerity:flow:slots"
    /// Sorted set: `task<TAB>key` → how many times a message of it was parked (top keys kept).
    package static let flowThrottled = "celerity:flow:throttled"
    /// Hash: ready list → how many of its messages are parked.
    package static let flowParkedCounts = "celerity:flow:parked"
    /// Prefix of a parked list (+ sha1 of the ready list and `task<TAB>key`).
    package static let flowParkedPrefix = "celerity:flow:parked:"
    /// Prefix of a token bucket's next admission time (+ sha1 of `task<TAB>key`, or of `task<TAB>` for a task rate).
    package static let flowNextPrefix = "celerity:flow:next:"
    /// Set of paused queue names: the fetch takes nothing from them; they keep accepting messages.
    package static let pausedQueues = "celerity:paused"

    /// The ring of a ready list's parked keys (parked-list ids), served round-robin.
    package static func flowRing(_ list: String) -> String { "celerity:flow:ring:" + list }

    /// Hash of one node's run-time settings from control commands (task events, consumed queues, time limits),
    /// read by its worker processes; deleted when the node starts, so they last until a restart, as Celery's.
    package static func nodeSettings(_ node: String) -> String { "celerity:node-settings:" + node }
    /// The list holding the messages a worker process is running.
    package static func processing(_ processID: String) -> String { "celerity:processing:" + processID }
    /// The lease key of a worker process; it expires when its supervisor stops renewing it.
    package static func lease(_ processID: String) -> String { "celerity:lease:" + processID }
    /// The registration hash of a worker node.
    package static func worker(_ node: String) -> String { "celerity:worker:" + node }
}
