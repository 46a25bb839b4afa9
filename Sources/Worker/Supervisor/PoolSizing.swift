/// The bounds of an autoscaled pool (Celery's `--autoscale MAX,MIN`).
public struct AutoscaleRange: Sendable, Equatable {
    /// The fewest processes the pool keeps, ≥ 0.
    public var minimum: Int
    /// The most processes the pool runs, ≥ max(1, minimum).
    public var maximum: Int

    /// Parses Celery's `MAX,MIN` (or just `MAX`, minimum 0).
    /// - Throws: ``AutoscaleRangeError`` naming the problem: not two whole numbers, MAX below 1 or MIN,
    ///   or more than ``limit`` processes.
    public init(parsing text: String) throws(AutoscaleRangeError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let maximum = Int(parts[0]),
            let minimum = parts.count == 2 ? Int(parts[1]) : 0
        else { throw AutoscaleRangeError(text: text, problem: "must be MAX,MIN: two whole numbers, e.g. 8,2") }
        try self.init(maximum: maximum, minimum: minimum)
    }

    /// A range from its bounds.
    /// - Throws: ``AutoscaleRangeError`` when `maximum` is below 1 or `minimum`, `minimum` is negative, or
    ///   `maximum` is above ``limit``.
    public init(maximum: Int, minimum: Int) throws(AutoscaleRangeError) {
        let text = "\(maximum),\(minimum)"
        guard minimum >= 0 else { throw AutoscaleRangeError(text: text, problem: "MIN must be 0 or more") }
        guard maximum >= 1, maximum >= minimum else {
            throw AutoscaleRangeError(text: text, problem: "MAX must be at least 1 and at least MIN")
        }
        guard maximum <= Self.limit else {
            throw AutoscaleRangeError(text: text, problem: "MAX must be at most \(Self.limit) processes")
        }
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The most processes a node runs (as `--concurrency`'s own cap).
    public static let limit = 1024
}

/// Why an autoscale range was refused.
public struct AutoscaleRangeError: Error, CustomStringConvertible {
    var text: String
    var problem: String

    public var description: String { "autoscale \(text.prefix(40)): \(problem)" }
}

/// What the autoscaler sees of the node's load at one moment.
struct PoolLoad: Sendable, Equatable {
    /// Messages ready in the node's queues.
    var ready: Int
    /// Processes running a task.
    var busy: Int
    /// Processes running (busy or idle), not counting those shutting down.
    var processes: Int

    var idle: Int { max(0, processes - busy) }
}

/// Decides how many processes an autoscaled pool should run (Celery's `Autoscaler`, made a pure function of
/// the load over time so it is unit-tested without processes): grow at once when ready messages outnumber
/// idle processes, or when a backlog has waited ``growAfter`` (it is aging: the pool does not keep up);
/// shrink to what is busy after the pool has had idle processes and an empty backlog for ``idleTime``
/// (Celery's keep-alive, 30 s). Always within the range.
struct PoolSizing: Sendable {
    var range: AutoscaleRange
    /// How long ready messages may wait continuously before the pool grows by one more process.
    var growAfter: Duration = .seconds(1)
    /// How long the pool must have idle processes and nothing ready before it shrinks.
    var idleTime: Duration = .seconds(30)

    /// Since when messages have been ready without a break; `nil` when the last look saw none.
    private(set) var backlogSince: ContinuousClock.Instant?
    /// Since when the pool has had idle processes and nothing ready; `nil` when it was fully used.
    private(set) var underusedSince: ContinuousClock.Instant?

    init(range: AutoscaleRange, growAfter: Duration = .seconds(1), idleTime: Duration = .seconds(30)) {
        self.range = range
        self.growAfter = growAfter
        self.idleTime = idleTime
    }

    /// The number of processes to run after seeing `load` at `now`.
    mutating func desired(after load: PoolLoad, now: ContinuousClock.Instant) -> Int {
        let current = load.processes
        backlogSince = load.ready > 0 ? (backlogSince ?? now) : nil
        underusedSince = load.ready == 0 && load.idle > 0 ? (underusedSince ?? now) : nil
        var target = current
        if load.ready > load.idle {
            target = max(current, load.busy + load.ready)
        } else if let since = backlogSince, now - since >= growAfter {
            target = current + 1
            backlogSince = now  // one more per interval while the backlog still ages
        } else if let since = underusedSince, now - since >= idleTime {
            target = load.busy
            underusedSince = nil
        }
        return min(range.maximum, max(range.minimum, target))
    }
}

/// How the supervisor reaches a pool size: start new processes, or retire (warm: each finishes its task, hands
/// back what it holds, then exits) idle processes first, then the newest.
enum PoolPlan {
    /// One process slot as the plan sees it.
    struct Member: Equatable {
        /// The slot's position in the supervisor's list.
        var position: Int
        /// Whether its process is running a task now.
        var busy: Bool
    }

    /// The slots to add and the positions of the slots to retire to go from `live` to `desired` processes.
    static func changes(live: [Member], desired: Int) -> (add: Int, retire: [Int]) {
        if live.count <= desired { return (desired - live.count, []) }
        let order = live.sorted { ($0.busy ? 1 : 0, -$0.position) < ($1.busy ? 1 : 0, -$1.position) }
        return (0, order.prefix(live.count - desired).map(\.position).sorted())
    }
}
