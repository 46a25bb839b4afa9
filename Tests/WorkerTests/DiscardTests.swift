import Broker
import Foundation
import Operations
import TestSupport
import Testing

@testable import Worker

/// The discard step (issue 23 part 1: one method per script): the message of a process killed on purpose is
/// dropped — or dead-lettered with a reason (`--task-memory-limit`) — with its result stored, and the rest of the
/// process's batch goes back to the head of its queue in order; Redis and the in-memory twin agree.
extension WorkerTests {
    private static func killedBatch() -> (killed: TaskMessage, rest: [TaskMessage]) {
        // Over the envelope cut (64 KiB): the script reads the killed message's headers without decoding its body.
        let killed = TaskMessage.make(task: "flow.hog", args: [.string(String(repeating: "x", count: 200_000))])
        return (killed, [TaskMessage.make(task: "test.add", args: [1]), TaskMessage.make(task: "test.add", args: [2])])
    }

    private static let memory = KilledTaskDeadLetter(reason: "memory", error: "passed --task-memory-limit 150 MiB")

    @Test("23. discard on Redis dead-letters a killed 200 KB message with its reason, stores FAILURE, requeues the rest in order")
    func discardOnRedis() async throws {
        try await withFixture { f in
            let (killed, rest) = Self.killedBatch()
            for message in [killed] + rest { _ = try await f.send("RPUSH", "celerity:processing:p-kill", message.encoded()) }
            _ = try await f.send("SADD", "celerity:processes", "p-kill")
            let failure = TaskMemoryLimit.failure(taskID: killed.id, limitMiB: 150)
            try await f.db.withConnection { connection in
                try RedisWorkerBroker(
                    connection: connection, processID: "supervisor", results: ResultBackend(), deadLetters: DeadLetterQueue(), sender: "t"
                ).discard(processID: "p-kill", result: failure, deadLetter: Self.memory)
            }
            let letters = try await f.deadLetters()
            #expect(letters.count == 1)
            #expect(letters.first?["reason"] == .string("memory"))
            #expect(letters.first?["error"] == .string(Self.memory.error))
            #expect(letters.first?["task_id"] == .string(killed.id))
            #expect(letters.first?["envelope"] == .string(killed.encoded()))
            #expect(try await f.send("HGET", "celerity:dlq:reasons", letters.first?["id"]?.stringValue ?? "").string == "memory")
            // RPUSH onto the head (the right end), in the list's order: the next take finds them oldest first.
            #expect(try await f.list("celery") == rest.map { $0.encoded() })
            #expect(try await f.send("EXISTS", "celerity:processing:p-kill").integer == 0)
            #expect(try await f.send("SISMEMBER", "celerity:processes", "p-kill").integer == 0)
            let stored = try await f.send("GET", "celery-task-meta-\(killed.id)").string ?? ""
            #expect(stored.contains("FAILURE") && stored.contains("MemoryLimitExceeded"), "\(stored)")
        }
    }

    @Test("23. discard without a reason drops the killed message; the in-memory twin does what the script does")
    func discardInMemory() throws {
        let (killed, rest) = Self.killedBatch()
        for deadLetter in [nil, Self.memory] {
            let broker = MemoryWorkerBroker(processID: "supervisor")
            broker.state { $0.processing["p-kill"] = ([killed] + rest).map { $0.encoded() } }
            let failure = TaskMemoryLimit.failure(taskID: killed.id, limitMiB: 150)
            try broker.discard(processID: "p-kill", result: failure, deadLetter: deadLetter)
            #expect(broker.state { $0.lists["celery"] ?? [] } == rest.map { $0.encoded() })
            #expect(broker.state { $0.processing["p-kill"] } == nil)
            #expect(broker.state { $0.results[killed.id]?.state } == .failure)
            let letters = broker.state { $0.deadLetters }
            #expect(letters.map(\.reason) == (deadLetter == nil ? [] : ["memory"]))
            #expect(letters.map(\.envelope) == (deadLetter == nil ? [] : [killed.encoded()]))
        }
    }
}
