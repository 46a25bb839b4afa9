import Broker

#if canImport(Glibc)
import Glibc
#endif

/// Which queue a worker process looks at first (Celery's `broker_transport_options["queue_order_strategy"]`).
public enum QueueOrderStrategy: String, Sendable, CaseIterable {
    /// After a take from a queue, that queue goes to the back, so busy queues take turns. Celery's default.
    case roundRobin = "round_robin"
    /// Always the first queue with messages, in the order the queues were given.
    case priority
    /// Always the first queue with messages, queues in name order.
    case sorted
}

/// The order in which a worker process looks at its queues, and the pop numbers of what it holds: under
/// ``QueueOrderStrategy/roundRobin`` a queue taken from goes to the back, so busy queues take turns; under
/// `priority` and `sorted` the order never changes (kombu's `priority_cycle` and `sorted_cycle`).
struct FetchOrder {
    private(set) var queues: [String]
    private let strategy: QueueOrderStrategy
    /// The messages of the last batch taken from a ready list, in the order taken, with their pop numbers
    /// (``QueueArrivals``).
    private var batchPops: [(message: String, pop: Delivery.Pop)] = []

    init(queues: [String], strategy: QueueOrderStrategy = .roundRobin, idleSlot: IdleSlot = .single) {
        self.queues = strategy == .sorted ? queues.sorted() : queues
        self.strategy = strategy
        self.idleSlot = idleSlot
        waitingOrder = PriorityBuckets.listKeys(queues: self.queues)
        lists = waitingOrder
    }

    /// The list a message was last taken from (``idleList``).
    private var lastTaken: String?

    /// The ready lists to take from, in order: every queue's highest-priority bucket first. Built again only when the
    /// queue order changes (a take with 50 queues × 4 buckets would otherwise build 200 names).
    private(set) var lists: [String]

    /// Which of its node's processes this one is: the node's idle waits are spread over its lists (``IdleSlot``).
    private let idleSlot: IdleSlot
    /// The lists in the order the node's processes are given them to wait on: each queue's default bucket in the
    /// order the queues were given (not rotated), then the other buckets.
    private let waitingOrder: [String]

    /// The list an idle process waits on (`BLMOVE`): its queue's default bucket (``IdleSlot``) — or, for the last
    /// process of a node with no more processes than queues, the list it last took from unless another process has it.
    var idleList: String { idleSlot.list(waitingOrder: waitingOrder, queues: queues.count, lastTaken: lastTaken) }

    /// The messages of `batch` (taken from `lists`) with their pop numbers, in the order they run; rotates the
    /// queue they were taken from (or, after an idle take, the queue waited on when the wait moved a message).
    mutating func accept(_ batch: TakenBatch, from lists: [String]) -> [Delivery] {
        var deliveries = batch.deliveries
        if let blocking = batch.blockingPop {
            let waited = idleList
            rotate(afterListIndex: lists.firstIndex(of: waited) ?? 0)
            lastTaken = waited
            if blocking.number > 0, let index = deliveries.firstIndex(where: { $0.raw == blocking.message }) {
                deliveries[index].pop = Delivery.Pop(list: waited, number: blocking.number)
            }
        }
        if let index = batch.list {
            rotate(afterListIndex: index)
            lastTaken = lists[index]
        }
        // After messages taken from a ready list: the first one's pop number, the rest follow it. Held messages read
        // again (their revocation re-checked) keep the numbers they were taken with.
        if let index = batch.list, let first = batch.firstPop {
            batchPops.removeAll(keepingCapacity: true)
            for position in deliveries.indices {
                let pop = Delivery.Pop(list: lists[index], number: first + position)
                deliveries[position].pop = pop
                batchPops.append((deliveries[position].raw, pop))
            }
        } else if batch.list == nil, !batchPops.isEmpty {
            rememberPops(of: &deliveries)
        }
        return deliveries
    }

    /// Gives held messages read again the pop numbers they were taken with. They come back in the order they were
    /// taken (those started since are gone), so one pass over the last batch finds them, comparing bytes (a message
    /// is ~1 KB: hashing each whole one cost more than the rest of this step).
    private func rememberPops(of deliveries: inout [Delivery]) {
        var next = 0
        for position in deliveries.indices where deliveries[position].pop == nil {
            var raw = deliveries[position].raw
            let found = raw.withUTF8 { wanted -> Int? in
                func matches(_ candidate: Int) -> Bool {
                    var message = batchPops[candidate].message
                    return message.utf8.count == wanted.count
                        && message.withUTF8 { wanted.isEmpty || memcmp($0.baseAddress!, wanted.baseAddress!, wanted.count) == 0 }
                }
                return (next..<batchPops.count).first(where: matches) ?? (0..<next).first(where: matches)
            }
            guard let found else { continue }
            deliveries[position].pop = batchPops[found].pop
            next = found + 1
        }
    }

    private mutating func rotate(afterListIndex index: Int) {
        guard strategy == .roundRobin, queues.count > 1 else { return }
        let queue = queues[index % queues.count]
        let rotated = queues.filter { $0 != queue } + [queue]
        guard rotated != queues else { return }
        queues = rotated
        lists = PriorityBuckets.listKeys(queues: queues)
    }
}
