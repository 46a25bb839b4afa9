import Broker

/// The due times (Unix seconds) of the ETA messages this node's processes parked in `celerity:eta`, as they
/// reported them (``WorkerEvent/parked(due:)``): the supervisor's loop adds them, the ``EtaPromoter`` promotes at
/// the earliest and forgets what it promoted. A new earliest time wakes the promoter. At most ``capacity`` are
/// kept; an ETA beyond them is promoted by the safety poll (`--eta-poll-interval`).
final class EtaDueTimes: Sendable {
    /// The most due times remembered (8 bytes each).
    static let capacity = 100_000

    private let times = Locked(MinimumHeap())
    /// Signalled when a due time earlier than all others arrives.
    let wakeup = Wakeup()

    init() {}

    /// Remembers `due`, reported by one of the node's processes.
    func add(_ due: Double) {
        let isEarliest = times.withLock { times -> Bool in
            guard times.count < Self.capacity else { return false }
            let earliest = times.minimum.map { due < $0 } ?? true
            times.insert(due)
            return earliest
        }
        if isEarliest { wakeup.signal() }
    }

    /// The earliest due time not promoted yet.
    var earliest: Double? { times.withLock { $0.minimum } }

    /// Forgets every due time up to `now` (promoted by a call at `now`).
    func forget(upTo now: Double) {
        times.withLock { times in
            while let first = times.minimum, first <= now { times.removeMinimum() }
        }
    }
}

/// A binary min-heap of numbers: insert and remove the least in O(log n).
struct MinimumHeap {
    private var items: [Double] = []

    var count: Int { items.count }
    var minimum: Double? { items.first }

    mutating func insert(_ value: Double) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeMinimum() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < items.count, items[left] < items[least] { least = left }
            if right < items.count, items[right] < items[least] { least = right }
            guard least != parent else { return }
            items.swapAt(parent, least)
            parent = least
        }
    }
}
