import Broker
import TaskAPI

/// What flow control holds at one moment (docs/flow-control.md): paused queues, the limits in force, the
/// concurrency slots in use and the most-throttled keys, read in one pipelined round trip. Rendered by
/// `celerity status`, the status page and `/metrics`; label cardinality is bounded by ``topKeys``.
public struct FlowReport: Sendable, Hashable {
    /// One `(task, flow key)` pair; `key` is empty for a task's own rate limit.
    public struct Key: Sendable, Hashable, Comparable {
        public var task: String
        public var key: String

        /// Reads a `task<TAB>key` field of the flow hashes.
        init(field: String) {
            let parts = field.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            task = String(parts[0])
            key = parts.count > 1 ? String(parts[1]) : ""
        }

        public static func < (left: Key, right: Key) -> Bool { (left.task, left.key) < (right.task, right.key) }
    }

    /// At most this many keys are reported per list (running, throttled): the busiest ones.
    public static let topKeys = 20

    /// Queues the fetch skips (``WorkerKeys/pausedQueues``), sorted.
    public var pausedQueues: [String]
    /// Task name → the rate limit in force (run-time override, else the definition's), e.g. `100/60s`.
    public var rateLimits: [String: String]
    /// Task name → per-key limits, as published (`"<concurrency> <rate>"`).
    public var keyLimits: [String: String]
    /// Concurrency slots in use per key, the busiest ``topKeys``.
    public var running: [Key: Int]
    /// How many times a message of a key was parked, the most-throttled ``topKeys`` (a counter).
    public var throttled: [Key: Int]
    /// Ready list → messages parked there.
    public var parked: [String: Int]

    /// Whether flow control is in use at all (nothing to show otherwise).
    public var isEmpty: Bool {
        pausedQueues.isEmpty && rateLimits.isEmpty && keyLimits.isEmpty && running.isEmpty && parked.isEmpty
    }

    /// Reads the report.
    /// - Throws: ``RedisError`` when Redis cannot be read.
    package static func read(on connection: RedisConnection) throws(RedisError) -> FlowReport {
        let replies = try connection.pipeline([
            ["SMEMBERS", WorkerKeys.pausedQueues],
            ["HGETALL", WorkerKeys.rateLimitDefaults],
            ["HGETALL", WorkerKeys.rateLimits],
            ["HGETALL", WorkerKeys.flowLimits],
            ["HGETALL", WorkerKeys.flowRunning],
            ["ZREVRANGE", WorkerKeys.flowThrottled, "0", String(topKeys - 1), "WITHSCORES"],
            ["HGETALL", WorkerKeys.flowParkedCounts],
        ])
        for case .error(let message) in replies {
            throw RedisError(code: .reply, message: "flow report read: \(message)", endpoint: connection.configuration.redactedURL)
        }
        func pairs(_ reply: RedisReply) -> [(String, String)] {
            let items = (reply.array ?? []).map { $0.string ?? "" }
            return stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], items[$0 + 1]) }
        }
        var rates = Dictionary(pairs(replies[1]), uniquingKeysWith: { $1 })
        for (task, rate) in pairs(replies[2]) { rates[task] = rate }
        rates = rates.filter { (try? RateLimit($0.value)) != nil }  // '0' or unreadable: unlimited
        let running = pairs(replies[4]).compactMap { field, value in Int(value).map { (Key(field: field), $0) } }
            .sorted { $0.1 > $1.1 }.prefix(topKeys)
        let throttled = pairs(replies[5]).compactMap { field, value in Double(value).map { (Key(field: field), Int($0)) } }
        return FlowReport(
            pausedQueues: (replies[0].array ?? []).compactMap(\.string).sorted(),
            rateLimits: rates,
            keyLimits: Dictionary(pairs(replies[3]), uniquingKeysWith: { $1 }),
            running: Dictionary(Array(running), uniquingKeysWith: { $1 }),
            throttled: Dictionary(throttled, uniquingKeysWith: { $1 }),
            parked: Dictionary(pairs(replies[6]).compactMap { list, value in Int(value).map { (list, $0) } }, uniquingKeysWith: { $1 })
        )
    }

    /// A ready list as people name it: `orders`, or `orders (priority 3)` for a bucket.
    static func displayName(ofList list: String) -> String {
        let parts = list.split(separator: PriorityBuckets.separator, maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? "\(parts[0]) (priority \(parts[1]))" : list
    }

    /// The report as lines for `celerity status`; empty when flow control is not in use.
    public func lines() -> [String] {
        guard !isEmpty else { return [] }
        var lines: [String] = []
        lines.append("PAUSED        " + (pausedQueues.isEmpty ? "none" : pausedQueues.joined(separator: ", ")))
        for (task, rate) in rateLimits.sorted(by: { $0.key < $1.key }) { lines.append("RATE LIMIT    \(task) \(rate)") }
        for (task, limits) in keyLimits.sorted(by: { $0.key < $1.key }) {
            let parts = limits.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let concurrency = parts.first.flatMap { $0.isEmpty ? nil : "concurrency \($0)" }
            let rate = parts.count > 1 && !parts[1].isEmpty ? "rate \(parts[1])" : nil
            lines.append("KEY LIMITS    \(task) per key: " + [concurrency, rate].compactMap { $0 }.joined(separator: ", "))
        }
        for (key, count) in running.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            lines.append("KEY RUNNING   \(key.task) [\(key.key)] \(count)")
        }
        for (key, count) in throttled.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            lines.append("THROTTLED     \(key.task) [\(key.key)] \(count) times")
        }
        for (list, count) in parked.sorted(by: { $0.key < $1.key }) {
            lines.append("PARKED        \(Self.displayName(ofList: list)) \(count) waiting for their key")
        }
        return lines
    }
}
