import Broker

/// The order in which a worker process looks at its queues, and the pop numbers of what it holds: after a take
/// from a queue, that queue goes to the back, so busy queues take turns (kombu's round robin).
struct FetchOrder {
    private(set) var queues: [String]
    /// The pop numbers of the last batch taken from a ready list, by message (``QueueArrivals``).
    private var batchPops: [String: Delivery.Pop] = [:]

    init(queues: [String]) {
        self.queues = queues
    }

    /// The ready lists to take from, in order: every queue's highest-priority bucket first.
    var lists: [String] { PriorityBuckets.listKeys(queues: queues) }

    /// The messages of `batch` (taken from `lists`) with their pop numbers, in the order they run; rotates the
    /// queue they were taken from (or, after an idle take, the queue waited on when the wait moved a message).
    mutating func accept(_ batch: TakenBatch, from lists: [String]) -> [Delivery] {
        var deliveries = batch.deliveries
        if let blocking = batch.blockingPop {
            rotate(afterListIndex: 0)
            if blocking.number > 0, let index = deliveries.firstIndex(where: { $0.raw == blocking.message }) {
                deliveries[index].pop = Delivery.Pop(list: lists[0], number: blocking.number)
            }
        }
        if let index = batch.list { rotate(afterListIndex: index) }
        // After messages taken from a ready list: the first one's pop number, the rest follow it. Held messages read
        // again (their revocation re-checked) keep the numbers they were taken with.
        if let index = batch.list, let first = batch.firstPop {
            batchPops = [:]
            for position in deliveries.indices {
                let pop = Delivery.Pop(list: lists[index], number: first + position)
                deliveries[position].pop = pop
                batchPops[deliveries[position].raw] = pop
            }
        } else if batch.list == nil, !batchPops.isEmpty {
            for position in deliveries.indices where deliveries[position].pop == nil {
                deliveries[position].pop = batchPops[deliveries[position].raw]
            }
        }
        return deliveries
    }

    private mutating func rotate(afterListIndex index: Int) {
        guard queues.count > 1 else { return }
        let queue = queues[index % queues.count]
        queues.removeAll { $0 == queue }
        queues.append(queue)
    }
}
