import Broker
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
