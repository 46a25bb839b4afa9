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
                try self.broker(connection).idleTake(
                    acknowledging: [], from: lists, waitingOn: lists[0], wait: .milliseconds(50), readingHash: nil
                )
            }
            #expect(taken.deliveries.map(\.raw) == [first.encoded()])
            #expect(taken.hashFields == nil)
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
            _ = try await f.send("HSET", "celerity:test-settings", "queues", "celery")
            let ack = PendingAck(message: first.encoded(), deliveryTag: first.deliveryTag, taskID: first.id, result: nil, backend: ResultBackend())
            let next = try await f.db.withConnection { connection in
                try self.broker(connection).idleTake(
                    acknowledging: [ack], from: lists, waitingOn: lists[0], wait: .milliseconds(50), readingHash: "celerity:test-settings"
                )
            }
            #expect(next.deliveries.map(\.raw) == [urgent.encoded()], "after SCRIPT FLUSH too")
            #expect(next.hashFields == ["queues", "celery"], "the node's settings ride on the idle poll")
            #expect(next.list.map { lists[$0] } == urgent.listKey)
            #expect(next.blockingPop == nil)
            #expect(try await f.list("celerity:processing:idle-test") == [urgent.encoded()])

            let idle = try await f.db.withConnection { connection in
                let broker = self.broker(connection)
                _ = try broker.take(acknowledging: [], limit: 0, from: lists)
                return try RedisWorkerBroker(
                    connection: connection, processID: "idle-empty", results: ResultBackend(), deadLetters: DeadLetterQueue(), sender: "t"
                ).idleTake(acknowledging: [], from: lists, waitingOn: lists[0], wait: .milliseconds(20), readingHash: "celerity:none")
            }
            #expect(idle.deliveries.isEmpty)
            #expect(idle.hashFields == [], "a hash that does not exist reads as no fields")
        }
    }

    @Test("24. many queues: the take finds the first non-empty of 200 lists by LMPOP, not an LLEN per empty list")
    func takeFromManyLists() async throws {
        try await withFixture { f in
            let queues = (1..<50).map { "mq\($0)" } + ["celery"]
            let lists = PriorityBuckets.listKeys(queues: queues)
            #expect(lists.count == 200)
            let backlog = (0..<10).map { TaskMessage.make(task: "test.record", args: [.string("many-\($0)")]) }
            for message in backlog { _ = try await f.send("LPUSH", "celery", message.encoded()) }
            var later = TaskMessage.make(task: "test.record", args: ["later"], options: TaskOptions(queue: "mq1"))
            later.properties["priority"] = 9
            _ = try await f.send("LPUSH", later.listKey, later.encoded())
            _ = try await f.send("CONFIG", "RESETSTAT")
            let taken = try await f.db.withConnection { connection in
                try self.broker(connection).take(acknowledging: [], limit: 32, from: lists)
            }
            let stats = try await f.send("INFO", "all").string ?? ""
            // Half of the first non-empty list (celery's default bucket, the 50th list), oldest first.
            #expect(taken.deliveries.map(\.raw) == backlog.prefix(5).map { $0.encoded() })
            #expect(taken.list.map { lists[$0] } == "celery")
            #expect(try await f.send("LLEN", "celery").integer == 5)
            #expect(try await f.list("celerity:processing:idle-test").count == 5)
            let llen = stats.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_llen:") }
            #expect(llen?.hasPrefix("cmdstat_llen:calls=2,") == true, "two LLENs (the first list, the list found), not 50: \(llen ?? "none")")
            #expect(!stats.contains("errorstat_"), "LMPOP ran without an error: \(stats.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("errorstat_") })")

            // Nothing ready anywhere: an empty reply.
            _ = try await f.send("DEL", "celery", later.listKey, "celerity:processing:idle-test")
            let none = try await f.db.withConnection { connection in
                try self.broker(connection).take(acknowledging: [], limit: 32, from: lists)
            }
            #expect(none.deliveries.isEmpty && none.list == nil)
        }
    }

    @Test("25. many queues: a take sends the lists up to where the last one found messages; lists ahead still come first")
    func takeSendsTheListsUpToTheLastBusyOne() async throws {
        try await withFixture { f in
            let queues = (1..<50).map { "mq\($0)" } + ["celery"]
            let lists = PriorityBuckets.listKeys(queues: queues)
            let backlog = (0..<8).map { TaskMessage.make(task: "test.record", args: [.string("prefix-\($0)")]) }
            for message in backlog { _ = try await f.send("LPUSH", "celery", message.encoded()) }
            let early = TaskMessage.make(task: "test.record", args: ["early"], options: TaskOptions(queue: "mq7"))
            var lastBucket = TaskMessage.make(task: "test.record", args: ["late"], options: TaskOptions(queue: "mq8"))
            lastBucket.properties["priority"] = 9  // mq8's last bucket: after celery's default bucket in the order
            let late = lastBucket
            let steps = try await f.db.withConnection { connection in
                let broker = self.broker(connection)
                _ = try broker.take(acknowledging: [], limit: 0, from: lists)  // loads the script
                _ = try connection.send(["CONFIG", "SET", "slowlog-log-slower-than", "0"])
                _ = try connection.send(["SLOWLOG", "RESET"])
                // One take: the list it took from, the messages, and the key counts of its EVALSHAs (SLOWLOG keeps
                // each call's arguments; the third is the number of keys), then the processing list emptied.
                func take(pushing message: TaskMessage? = nil) throws -> (list: String?, taken: [String], keys: [Int]) {
                    if let message { _ = try connection.send(["LPUSH", message.listKey, message.encoded()]) }
                    let batch = try broker.take(acknowledging: [], limit: 2, from: lists)
                    let log = try connection.send(["SLOWLOG", "GET", "128"]).array ?? []
                    let keys = log.reversed().compactMap { entry -> Int? in
                        guard let arguments = entry.array?[3].array, arguments.first?.string?.uppercased() == "EVALSHA" else { return nil }
                        return arguments[2].string.flatMap { Int($0) }
                    }
                    _ = try connection.send(["SLOWLOG", "RESET"])
                    _ = try connection.send(["DEL", "celerity:processing:idle-test"])
                    return (batch.list.map { lists[$0] }, batch.deliveries.map(\.raw), keys)
                }
                return [try take(), try take(), try take(pushing: early), try take(), try take(pushing: late), try take(), try take()]
            }
            // Every take sends processing, revoked, deliveries, then its lists.
            #expect(steps[0].list == "celery" && steps[0].keys == [3 + 200], "the first take sends every list")
            #expect(steps[1].list == "celery" && steps[1].keys == [3 + 50], "then the lists up to celery's default bucket")
            #expect(steps[2].list == "mq7" && steps[2].taken == [early.encoded()], "a list ahead of it still comes first")
            #expect(steps[2].keys == [3 + 50])
            #expect(steps[3].list == "celery" && steps[3].keys == [3 + 7, 3 + 200], "mq1…mq7 empty: every list")
            #expect(steps[4].list == "celery" && steps[4].keys == [3 + 50], "celery's default bucket before mq8's last")
            #expect(steps[4].taken.count == 1 && steps[5].taken.isEmpty == false)
            // celery's backlog of 8, taken 2, 2, 2, 1 (half of what is left, at most 2), 1: empty now.
            let allTaken = steps.flatMap(\.taken)
            #expect(Set(allTaken).isSuperset(of: backlog.map { $0.encoded() }))
            #expect(steps[6].list == late.listKey && steps[6].taken == [late.encoded()], "found by the second call")
            #expect(steps[6].keys == [3 + 50, 3 + 200])
        }
    }
}
