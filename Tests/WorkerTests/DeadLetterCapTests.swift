import Broker
import Foundation
import TestSupport
import Testing

@testable import Operations
@testable import Worker

/// Issue 22, part 3: the dead-letter queue is capped in bytes as well as entries; its byte counter heals itself.
extension WorkerTests {
    /// Dead-letters one entry of `size` bytes through the real script, with a cap of `maxBytes`.
    func deadLetter(_ f: WorkerFixture, id: String, size: Int, maxBytes: Int) async throws {
        let entry = DeadLetterEntry(
            id: id, reason: "test", error: nil, time: Date(), worker: "w", queue: "celery", task: "t", taskID: id,
            envelope: String(repeating: "x", count: size)
        )
        var capped = DeadLetterQueue()
        capped.maxBytes = maxBytes
        let queue = capped
        try await f.db.withConnection { connection in
            let broker = RedisWorkerBroker(
                connection: connection, processID: "none", results: ResultBackend(), deadLetters: queue, sender: "test"
            )
            try broker.deadLetter(entry, message: "m", deliveryTag: "", result: nil)
        }
    }

    @Test("22. the dead-letter queue drops its oldest entries past its byte cap, also when its counter went stale")
    func deadLetterByteCap() async throws {
        try await withFixture { f in
            for index in 0..<5 { try await deadLetter(f, id: "e\(index)", size: 10_000, maxBytes: 35_000) }
            let kept = try await f.send("ZRANGE", "celerity:dlq", "0", "-1").array?.compactMap(\.string) ?? []
            #expect(kept == ["e2", "e3", "e4"], "\(kept)")
            #expect(try await f.send("HLEN", "celerity:dlq:entries").integer == 3)
            #expect(try await f.send("HGET", "celerity:dlq:reasons", "e4").string == "test")
            // Someone deletes the queue by hand and leaves the counter: nothing new is dropped for it.
            _ = try await f.send("DEL", "celerity:dlq", "celerity:dlq:entries")
            _ = try await f.send("SET", "celerity:dlq:bytes", "999999999")
            for index in 5..<8 { try await deadLetter(f, id: "e\(index)", size: 10_000, maxBytes: 35_000) }
            let after = try await f.send("ZRANGE", "celerity:dlq", "0", "-1").array?.compactMap(\.string) ?? []
            #expect(after == ["e5", "e6", "e7"], "\(after)")
            let bytes = Int(try await f.send("GET", "celerity:dlq:bytes").string ?? "") ?? -1
            #expect(bytes > 30_000 && bytes < 35_000, "counter \(bytes)")
        }
    }
}
