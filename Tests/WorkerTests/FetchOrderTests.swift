import Testing

@testable import Worker

/// Issue 23 part 6: messages held and read again (their revocation re-checked) keep the pop numbers they were taken
/// with (``QueueArrivals``), found by their bytes.
@Suite struct FetchOrderTests {
    private func delivery(_ raw: String) -> Delivery { Delivery(raw: raw, revoked: false, recoveries: 0) }

    @Test func heldMessagesReadAgainKeepTheirPopNumbers() {
        var order = FetchOrder(queues: ["a"])
        let lists = order.lists
        let messages = ["m1", "m2-longer", "m3", String(repeating: "x", count: 2000), "m5"]
        let taken = order.accept(TakenBatch(list: 0, deliveries: messages.map(delivery), firstPop: 40), from: lists)
        #expect(taken.map { $0.pop?.number } == [40, 41, 42, 43, 44] && taken.allSatisfy { $0.pop?.list == lists[0] })
        // Two started and finished; the rest read again in order, then in another order, with one unknown message.
        let again = order.accept(TakenBatch(list: nil, deliveries: messages.suffix(3).map(delivery)), from: lists)
        #expect(again.map { $0.pop?.number } == [42, 43, 44])
        let shuffled = order.accept(
            TakenBatch(list: nil, deliveries: ["m5", "unknown", "m3", String(repeating: "x", count: 2000)].map(delivery)), from: lists
        )
        #expect(shuffled.map { $0.pop?.number } == [44, nil, 42, 43])
    }

    /// The same bytes twice in one batch (a message pushed twice): each copy keeps its own number, in order.
    @Test func identicalMessagesKeepTheirOwnNumbers() {
        var order = FetchOrder(queues: ["a"])
        let lists = order.lists
        _ = order.accept(TakenBatch(list: 0, deliveries: ["same", "other", "same"].map(delivery), firstPop: 1), from: lists)
        let again = order.accept(TakenBatch(list: nil, deliveries: ["same", "other", "same"].map(delivery)), from: lists)
        #expect(again.map { $0.pop?.number } == [1, 2, 3])
    }
}
