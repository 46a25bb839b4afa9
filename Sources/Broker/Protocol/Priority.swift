/// kombu's Redis priority emulation (wire spec §3.5): four lists per queue, and a lower number runs first.
public enum PriorityBuckets {
    /// kombu's `PRIORITY_STEPS`.
    public static let steps = [0, 3, 6, 9]

    /// The two bytes kombu puts between a queue name and its bucket step.
    public static let separator = "\u{06}\u{16}"

    /// The bucket step for a Celery priority: the largest step ≤ `priority`, after clamping to 0–9.
    public static func step(for priority: Int) -> Int {
        let clamped = min(max(priority, 0), 9)
        return steps.last { $0 <= clamped } ?? 0
    }

    /// The Redis list that holds messages of `queue` with `priority`: the bare name for bucket 0,
    /// `queue + "\x06\x16" + step` otherwise.
    public static func listKey(queue: String, priority: Int) -> String {
        let bucket = step(for: priority)
        return bucket == 0 ? queue : queue + separator + String(bucket)
    }

    /// The four lists of `queue`, in the order a worker consumes them (bucket 0 first).
    public static func listKeys(queue: String) -> [String] {
        steps.map { listKey(queue: queue, priority: $0) }
    }

    /// The lists of several queues in kombu's consumption order: priority-major, then queue order.
    public static func listKeys(queues: [String]) -> [String] {
        steps.flatMap { step in queues.map { listKey(queue: $0, priority: step) } }
    }
}
