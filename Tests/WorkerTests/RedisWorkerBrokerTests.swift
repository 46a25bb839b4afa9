import Broker
import Foundation
import Operations
import TestSupport
import Testing

@testable import Worker

/// The Redis side of the delivery seam (issue 23, parts 1 and 6): the idle take is one `BLMOVE` and one cached
/// script, counts the message the `BLMOVE` moved, finds the other buckets after the wait, and survives Redis
/// losing its scripts.
extension WorkerTests {
    func broker(_ connection: RedisConnection) -> RedisWorkerBroker {
        RedisWorkerBroker(connection: connection, processID: "idle-test", results: ResultBackend(), deadLetters: DeadLetterQueue(), sender: "test")
    }

    @Test("23. the idle take moves, counts and returns a message, finds other buckets, and reloads lost scripts")
    func idleTakeOnRedis() async throws {
        try await withFixture { f in
            let lists = PriorityBuckets.listKeys(queues: ["celery"])
            let first = TaskMessage.make(task: "test.record", args: ["idle"])
            _ = try await f.send("LPUSH", "celery", first.encoded())
            let taken = try await f.db.withConnection { connection in
                try self.broker(connection).idleTake(acknowledging: [], from: lists, wait: .milliseconds(50))
            }
            #expect(taken.deliveries.map(\.raw) == [first.encoded()])
            #expect(taken.blockingPop?.message == first.encoded())
            #expect(taken.blockingPop?.number == 1, "the BLMOVE's pop is counted: \(String(describing: taken.blockingPop))")
            #expect(try await f.send("GET", "celerity:popped:celery").string == "1")
            #expect(try await f.list("celerity:processing:idle-test") == [first.encoded()])

            // Acknowledged by the next idle take, which then waits on an empty default bucket and finds the
            // message of another bucket with the script.
            var urgent = TaskMessage.make(task: "test.record", args: ["urgent"])
            urgent.properties["priority"] = 9
            _ = try await f.send("LPUSH", urgent.listKey, urgent.encoded())
            _ = try await f.send("SCRIPT", "FLUSH")
            let ack = PendingAck(message: first.encoded(), deliveryTag: first.deliveryTag, taskID: first.id, result: nil, backend: ResultBackend())
            let next = try await f.db.withConnection { connection in
                try self.broker(connection).idleTake(acknowledging: [ack], from: lists, wait: .milliseconds(50))
            }
            #expect(next.deliveries.map(\.raw) == [urgent.encoded()], "after SCRIPT FLUSH too")
            #expect(next.list.map { lists[$0] } == urgent.listKey)
            #expect(next.blockingPop == nil)
            #expect(try await f.list("celerity:processing:idle-test") == [urgent.encoded()])

            let idle = try await f.db.withConnection { connection in
                let broker = self.broker(connection)
                _ = try broker.take(acknowledging: [], limit: 0, from: lists)
                return try RedisWorkerBroker(
                    connection: connection, processID: "idle-empty", results: ResultBackend(), deadLetters: DeadLetterQueue(), sender: "t"
                ).idleTake(acknowledging: [], from: lists, wait: .milliseconds(20))
            }
            #expect(idle.deliveries.isEmpty)
        }
    }
}
