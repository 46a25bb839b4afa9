import Testing

@testable import Broker

/// kombu's Redis priority emulation (wire spec §3.5): steps `[0, 3, 6, 9]`, separator `\x06\x16`.
@Suite struct PriorityBucketTests {
    static let separator = "\u{06}\u{16}"

    @Test(arguments: [
        (0, "q"), (1, "q"), (2, "q"),
        (3, "q\u{06}\u{16}3"), (4, "q\u{06}\u{16}3"), (5, "q\u{06}\u{16}3"),
        (6, "q\u{06}\u{16}6"), (7, "q\u{06}\u{16}6"), (8, "q\u{06}\u{16}6"),
        (9, "q\u{06}\u{16}9"),
        // Clamped to 0–9 first.
        (-1, "q"), (Int.min, "q"), (10, "q\u{06}\u{16}9"), (12, "q\u{06}\u{16}9"), (Int.max, "q\u{06}\u{16}9"),
    ])
    func listKey(priority: Int, key: String) {
        #expect(PriorityBuckets.listKey(queue: "q", priority: priority) == key)
        #expect(TaskMessage.make(task: "t", options: TaskOptions(queue: "q", priority: priority)).listKey == key)
    }

    @Test func separatorIsTwoBytes() {
        #expect(Array(PriorityBuckets.separator.utf8) == [0x06, 0x16])
        let key = PriorityBuckets.listKey(queue: "celery", priority: 5)
        #expect(Array(key.utf8) == Array("celery".utf8) + [0x06, 0x16, UInt8(ascii: "3")])
    }

    @Test func oneQueueIsConsumedBucketZeroFirst() {
        #expect(
            PriorityBuckets.listKeys(queue: "celery") == [
                "celery", "celery\u{06}\u{16}3", "celery\u{06}\u{16}6", "celery\u{06}\u{16}9",
            ])
    }

    /// `BRPOP celery backups celery␆␖3 backups␆␖3 …` (wire spec §5.2, capture 08).
    @Test func severalQueuesArePriorityMajor() {
        #expect(
            PriorityBuckets.listKeys(queues: ["celery", "backups"]) == [
                "celery", "backups",
                "celery\u{06}\u{16}3", "backups\u{06}\u{16}3",
                "celery\u{06}\u{16}6", "backups\u{06}\u{16}6",
                "celery\u{06}\u{16}9", "backups\u{06}\u{16}9",
            ])
        #expect(PriorityBuckets.listKeys(queues: []) == [])
    }

    /// A message's bucket comes from `properties.priority` read the way kombu reads it, `int(priority)` clamped
    /// to 0–9 and 0 when that fails, so a Celerity restore puts a message back where kombu put it.
    @Test(arguments: [
        (JSONValue.int(5), 5), (.double(5.0), 5), (.double(5.7), 5), (.double(-0.5), 0), (.string("7"), 7),
        (.string(" 7 "), 7), (.bool(true), 1), (.string("high"), 0), (.string("5.5"), 0), (.null, 0),
        (.array([]), 0),
    ])
    func priorityPropertyReadsLikeKombu(value: JSONValue, priority: Int) throws {
        var message = TaskMessage.make(task: "t", options: TaskOptions(queue: "q"))
        message.properties["priority"] = value
        #expect(message.priority == priority)
        #expect(message.listKey == PriorityBuckets.listKey(queue: "q", priority: priority))
    }

    @Test func missingPriorityIsZero() {
        var message = TaskMessage.make(task: "t", options: TaskOptions(queue: "q", priority: 9))
        message.properties["priority"] = nil
        #expect(message.priority == 0 && message.listKey == "q")
    }
}
