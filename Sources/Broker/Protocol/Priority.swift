/// kombu's Redis priority buckets (`priority_steps` and `sep` of `broker_transport_options`): the lists a
/// queue's messages go to by priority, named the same in both directions (send and fetch).
public enum PriorityBuckets {
    /// The layout every command of this process uses: kombu's default unless set at start-up with ``use(_:)``.
    private static let current = Locked(PriorityLayout.kombuDefault)

    /// Makes `layout` the one this process names buckets by; called once, at start-up, from the command line.
    public static func use(_ layout: PriorityLayout) {
        current.value = layout
    }

    /// The bucket steps in consumption order (kombu's `priority_steps`; default `[0, 3, 6, 9]`).
    public static var steps: [Int] { current.value.steps }

    /// What kombu puts between a queue name and its bucket step (`sep`; default `"\x06\x16"`). kombu's binding
    /// members use it too.
    public static var separator: String { current.value.separator }

    /// The bucket step for a Celery priority (``PriorityLayout/step(for:)``).
    public static func step(for priority: Int) -> Int { current.value.step(for: priority) }

    /// The Redis list that holds messages of `queue` with `priority` (``PriorityLayout/listKey(queue:priority:)``).
    public static func listKey(queue: String, priority: Int) -> String { current.value.listKey(queue: queue, priority: priority) }

    /// The lists of `queue`, one per step, in the order a worker consumes them.
    public static func listKeys(queue: String) -> [String] { current.value.listKeys(queue: queue) }

    /// The lists of several queues in kombu's consumption order: priority-major, then queue order.
    public static func listKeys(queues: [String]) -> [String] { current.value.listKeys(queues: queues) }
}

/// A validated `priority_steps` and `sep` pair (``PriorityBuckets``).
public struct PriorityLayout: Sendable, Hashable {
    /// kombu's defaults: steps `[0, 3, 6, 9]`, separator `"\x06\x16"`.
    public static let kombuDefault = PriorityLayout(checkedSteps: [0, 3, 6, 9], separator: "\u{06}\u{16}")

    /// The steps, strictly ascending, each 0–9.
    public let steps: [Int]
    /// The separator: kombu's default, or 1–32 printable ASCII characters.
    public let separator: String

    private init(checkedSteps steps: [Int], separator: String) {
        self.steps = steps
        self.separator = separator
    }

    /// The bucket step for a Celery priority, as kombu's `priority()`: after clamping to 0–9, the largest step
    /// ≤ the priority; when every step is larger, the last step (Python's `steps[bisect(steps, n) - 1]`).
    public func step(for priority: Int) -> Int {
        let clamped = min(max(priority, 0), 9)
        return steps.last { $0 <= clamped } ?? steps.last ?? 0
    }

    /// The Redis list that holds messages of `queue` with `priority`: the bare name for bucket 0,
    /// `queue + separator + step` otherwise.
    public func listKey(queue: String, priority: Int) -> String {
        let bucket = step(for: priority)
        return bucket == 0 ? queue : queue + separator + String(bucket)
    }

    /// The lists of `queue`, one per step, in the order a worker consumes them.
    public func listKeys(queue: String) -> [String] {
        steps.map { listKey(queue: queue, priority: $0) }
    }

    /// The lists of several queues in kombu's consumption order: priority-major, then queue order.
    public func listKeys(queues: [String]) -> [String] {
        steps.flatMap { step in queues.map { listKey(queue: $0, priority: step) } }
    }

    /// A layout from the text of `--priority-steps` (comma-separated, e.g. `0,3,6,9`) and `--priority-separator`.
    /// - Throws: ``PriorityLayoutError`` saying what is wrong.
    public init(steps text: String, separator: String) throws(PriorityLayoutError) {
        var steps: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = String(part).trimmingWhitespace()
            guard let step = Int(trimmed), (0...9).contains(step) else {
                throw PriorityLayoutError("priority step \"\(trimmed.prefix(20))\" is not a whole number from 0 to 9")
            }
            guard step > (steps.last ?? -1) else {
                throw PriorityLayoutError("priority steps must be strictly ascending, as kombu's bisect expects")
            }
            steps.append(step)
        }
        let isPrintable = !separator.isEmpty && separator.utf8.count <= 32
            && separator.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        guard separator == Self.kombuDefault.separator || isPrintable else {
            throw PriorityLayoutError("the priority separator must be 1 to 32 printable ASCII characters without spaces (or kombu's default)")
        }
        self.init(checkedSteps: steps, separator: separator)
    }
}

/// Why `--priority-steps` or `--priority-separator` was refused.
public struct PriorityLayoutError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
