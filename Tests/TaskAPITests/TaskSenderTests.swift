import Broker
import Foundation
import TaskAPI
import Testing

@Suite struct TaskSenderTests {
    @Test("children get the parent's id as parent_id, its root as root_id, and ids derived from the parent's")
    func workflowIDs() async throws {
        let transport = RecordingTaskTransport()
        let context = TaskContext(taskID: "parent-1", name: "invoices.process_batch", rootID: "root-1",
                                  sender: TaskSender(parentID: "parent-1", rootID: "root-1", transport: transport))
        let one = try await context.sender.send(Signature("invoices.process", args: [1]))
        let chord = try await context.sender.chord(
            [Signature("invoices.process", args: [2]), Signature("invoices.process", args: [3])],
            body: Signature("invoices.complete", args: ["b"])
        )
        let messages = transport.messages
        #expect(messages.count == 3)
        for message in messages {
            #expect(message.parentID == "parent-1")
            #expect(message.rootID == "root-1")
        }
        #expect(one == RandomID.derived(from: ["parent-1", "0", "task", "0"]))
        #expect(chord.headerIDs == [
            RandomID.derived(from: ["parent-1", "1", "task", "0"]), RandomID.derived(from: ["parent-1", "1", "task", "1"]),
        ])
        #expect(chord.bodyID == RandomID.derived(from: ["parent-1", "1", "body", "0"]))
        #expect(messages[1].group == chord.groupID)
        #expect(messages[1].embed["chord"]?["options"]?["task_id"]?.stringValue == chord.bodyID)
    }

    @Test("a parent that runs again sends nothing twice and gets the same ids")
    func rerunSendsNothingTwice() async throws {
        let transport = RecordingTaskTransport()
        func run() async throws -> [String] {
            let sender = TaskSender(parentID: "p", rootID: "p", transport: transport)
            let group = try await sender.group([Signature("a"), Signature("b")])
            let single = try await sender.send(Signature("c"))
            return group.taskIDs + [single]
        }
        let first = try await run()
        let second = try await run()
        #expect(first == second)
        #expect(transport.messages.map(\.id) == first)
        #expect(Set(first).count == 3)
    }

    @Test("derived ids are stable, distinct and marked as version 8 UUIDs")
    func derivedIDs() {
        let a = RandomID.derived(from: ["x", "0", "task", "1"])
        #expect(a == RandomID.derived(from: ["x", "0", "task", "1"]))
        #expect(a != RandomID.derived(from: ["x", "0", "task", "2"]))
        #expect(RandomID.derived(from: ["ab", "c"]) != RandomID.derived(from: ["a", "bc"]))
        #expect(a.count == 36)
        #expect(Array(a)[14] == "8")
        #expect(Array(RandomID.uuidString())[14] == "4")
    }

    @Test("the context reads the scheduler's headers and the time left before its deadline")
    func contextHeaders() {
        let context = TaskContext(
            name: "backups.postgres",
            headers: ["celerity_schedule_entry": "backups-postgres", "celerity_schedule_slot": "2026-11-28T02:00:00+00:00"],
            deadline: .now + .seconds(60)
        )
        #expect(context.schedule?.entry == "backups-postgres")
        #expect(context.schedule.map { CeleryTime.format($0.slot) }?.hasPrefix("2026-11-28T02:00:00") == true)
        let left = context.timeRemaining() ?? .zero
        #expect(left > .seconds(59) && left <= .seconds(60))
        #expect(TaskContext(name: "x").schedule == nil)
        #expect(TaskContext(name: "x").timeRemaining() == nil)
    }
}

private struct Unlock: TaskParameters, Equatable {
    static let taskName = "purchases.apply_purchase_unlocks_async"
    static let parameters = ["user_id", "item_id"]
    static let queue = "purchases"
    var user_id: Int
    var item_id: Int
}

/// `sum_prices(prices, order_id, currency=None)`: a chord body; Celery puts the header's results first.
private struct SumPrices: TaskParameters {
    static let taskName = "shop.sum_prices"
    static let parameters = ["prices", "order_id", "currency"]
    static let queue = "shop"
    var prices: [Int]
    var order_id: Int
    var currency: String?
}

extension TaskSenderTests {
    @Test("a countdown or an ETA keeps the task's default queue; a named queue wins")
    func countdownKeepsQueue() async throws {
        let transport = RecordingTaskTransport()
        let sender = TaskSender(parentID: "parent-q", rootID: "parent-q", transport: transport)
        try await sender.send(Unlock(user_id: 1, item_id: 2), options: SendOptions(countdown: .seconds(60)))
        try await sender.send(Unlock(user_id: 1, item_id: 2), options: SendOptions(eta: Date(timeIntervalSinceNow: 60)))
        try await sender.send(Unlock(user_id: 1, item_id: 2), options: SendOptions(queue: "celery", countdown: .seconds(60)))
        let messages = transport.messages
        #expect(messages.map(\.queue) == ["purchases", "purchases", "celery"])
        #expect(messages.allSatisfy { $0.eta != nil })
    }

    @Test("a typed chord body sends the bytes of the string-named body: results first, the rest as keywords")
    func typedChordBody() async throws {
        let typed = RecordingTaskTransport()
        let named = RecordingTaskTransport()
        let header = [try Signature(Unlock(user_id: 1, item_id: 2)), try Signature(Unlock(user_id: 3, item_id: 4))]
        _ = try await TaskSender(parentID: "p", rootID: "p", transport: typed)
            .chord(header, body: SumPrices(prices: [], order_id: 7, currency: "EUR"))
        _ = try await TaskSender(parentID: "p", rootID: "p", transport: named).chord(
            header,
            body: Signature("shop.sum_prices", kwargs: ["order_id": 7, "currency": "EUR"], options: TaskOptions(queue: "shop"))
        )
        #expect(typed.messages.count == 2)
        // Byte for byte, but for the delivery tag, which is random per encoding.
        func wire(_ message: TaskMessage) -> String {
            message.encoded().replacing(/"delivery_tag": "[^"]*"/, with: "\"delivery_tag\": \"\"")
        }
        #expect(typed.messages.map(wire) == named.messages.map(wire))
        let body = try #require(typed.messages.first?.embed["chord"])
        #expect(body["task"]?.stringValue == "shop.sum_prices")
        #expect(body["args"] == [])
        #expect(body["kwargs"] == ["order_id": 7, "currency": "EUR"])
        #expect(body["options"]?["queue"]?.stringValue == "shop")
    }

    @Test("a chord body's unset optional parameters are not sent; a body type with no parameters is refused")
    func typedChordBodyEdges() async throws {
        let body = try Signature(chordBody: SumPrices(prices: [5], order_id: 7, currency: nil))
        #expect(body.args == [])
        #expect(body.kwargs == ["order_id": 7])
        #expect(body.options.queue == "shop")
        #expect(throws: TaskError.self) { try Signature(chordBody: NoParameters()) }
    }
}

private struct NoParameters: TaskParameters {
    static let taskName = "contract.none"
    static let parameters: [String] = []
}
