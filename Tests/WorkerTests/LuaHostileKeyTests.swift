import Broker
import Foundation
import TestSupport
import Testing

@testable import Worker

/// Issue 22, part 4: a routing key that names a key of another type, or one of Celerity's or Celery's own keys,
/// cannot abort a delivery script half-way. Each script moves two hostile messages among 20 innocent ones; then a
/// real node runs everything: each innocent message exactly once.
extension WorkerTests {
    /// Two hostile messages (one routed to an application's hash, one to Celerity's ETA set), placed 5th and 15th.
    static func hostileBatch(_ list: String) -> (all: [TaskMessage], innocent: [TaskMessage]) {
        let innocent = (0..<20).map { _ in TaskMessage.make(task: "test.record", args: [.string(list)]) }
        var all = innocent
        for (position, key) in [(15, "app:settings"), (5, "celerity:eta")] {
            var hostile = TaskMessage.make(task: "test.record", args: [.string(list + ":hostile")])
            hostile.queue = key
            all.insert(hostile, at: position)
        }
        return (all, innocent)
    }

    /// Starts a node and waits for each innocent message's record; checks each ran exactly once.
    func expectEachRunsOnce(_ innocent: [TaskMessage], list: String, _ f: WorkerFixture) async throws {
        let node = try await f.startWorker()
        try await f.poll("20 innocent records", timeout: .seconds(20), node: node) {
            try await f.list(list).count >= 20 ? true : nil
        }
        try await f.poll("nothing in flight", timeout: .seconds(10), node: node) { try await f.messagesInFlight() == 0 ? true : nil }
        let records = try await f.list(list)
        #expect(records.sorted() == innocent.map(\.id).sorted(), "each innocent message must run exactly once")
        #expect(try await f.send("TYPE", "app:settings").string == "hash")
        #expect(try await f.send("HGET", "app:settings", "mode").string == "live")
        #expect(try await f.send("TYPE", "celerity:eta").string != "list")
    }

    func evaluate(_ f: WorkerFixture, _ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        try await f.db.withConnection { try $0.evaluate(script, keys: keys, arguments: arguments) }
    }

    @Test("22. promote: hostile routing keys among 20 due ETA messages; all 20 run once")
    func promoteWithHostileKeys() async throws {
        try await withFixture { f in
            _ = try await f.send("HSET", "app:settings", "mode", "live")
            let (all, innocent) = Self.hostileBatch("rec:promote")
            let due = String(Date().timeIntervalSince1970 - 1)
            try await f.db.pipeline(all.map { ["ZADD", WorkerKeys.scheduled, due, $0.encoded()] })
            let moved = try await evaluate(f, WorkerScripts.promote, keys: [WorkerKeys.scheduled], arguments: [String(Date().timeIntervalSince1970), "100"])
            #expect(moved.integer == 22)
            #expect(try await f.send("LLEN", "celery").integer == 22)
            try await expectEachRunsOnce(innocent, list: "rec:promote", f)
        }
    }

    @Test("22. recover, hand-back and discard: hostile routing keys in a processing list; all 20 run once")
    func processingScriptsWithHostileKeys() async throws {
        for script in ["recover", "hand-back", "discard"] {
            try await withFixture { f in
                _ = try await f.send("HSET", "app:settings", "mode", "live")
                let list = "rec:" + script
                let (all, innocent) = Self.hostileBatch(list)
                let processing = WorkerKeys.processing("gone@host#0.1")
                try await f.db.pipeline(all.map { ["LPUSH", processing, $0.encoded()] })
                switch script {
                case "recover":
                    _ = try await evaluate(
                        f, WorkerScripts.recover,
                        keys: [processing, WorkerKeys.deliveries, WorkerKeys.processes, WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries, "celerity:lease:gone"],
                        arguments: ["gone@host#0.1", "1", "3", String(Date().timeIntervalSince1970), "e-", "86400", "1000"]
                    )
                case "hand-back":
                    _ = try await evaluate(f, WorkerScripts.handBack, keys: [processing, WorkerKeys.deliveries], arguments: ["0"] + all.flatMap { [$0.encoded(), ""] })
                default:
                    _ = try await evaluate(
                        f, WorkerScripts.discard, keys: [processing, WorkerKeys.processes, "celerity:lease:gone", "celery-task-meta-none"],
                        arguments: ["gone@host#0.1", "", "0", "no-such-task"]
                    )
                }
                #expect(try await f.send("LLEN", processing).integer == 0, "\(script) left messages behind")
                #expect(try await f.send("LLEN", "celery").integer == 22, "\(script)")
                try await expectEachRunsOnce(innocent, list: list, f)
            }
        }
    }

    @Test("22. requeue of dead letters whose routing keys are hostile: all 20 run once")
    func requeueWithHostileKeys() async throws {
        try await withFixture { f in
            _ = try await f.send("HSET", "app:settings", "mode", "live")
            let (all, innocent) = Self.hostileBatch("rec:requeue-hostile")
            var commands: [[String]] = []
            for (index, message) in all.enumerated() {
                let entry: JSONValue = ["id": .string("e\(index)"), "reason": "test", "envelope": .string(message.encoded())]
                commands.append(["HSET", WorkerKeys.deadLetterEntries, "e\(index)", entry.serialized])
                commands.append(["ZADD", WorkerKeys.deadLetterIndex, String(index), "e\(index)"])
            }
            try await f.db.pipeline(commands)
            let requeued = try await evaluate(
                f, WorkerScripts.requeueDeadLetters, keys: [WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries],
                arguments: all.indices.map { "e\($0)" }
            )
            #expect(requeued.integer == 22)
            try await expectEachRunsOnce(innocent, list: "rec:requeue-hostile", f)
        }
    }
}
