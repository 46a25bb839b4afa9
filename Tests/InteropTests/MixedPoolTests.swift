import Broker
import Foundation
import TestSupport
import Testing

/// Issue 5, item 6: Python and Celerity workers consume one queue together.
@Suite("Mixed pool")
struct MixedPoolTests {
    @Test(
        "Celery 5.7.0 and 5.5.3 workers and a Celerity node share a queue: 2,000 tasks from the Python and Swift clients all complete once, with the right result"
    )
    func twoThousandTasks() async throws {
        let modern = try await PythonCelery.prepare(version: "5.7.0")
        let older = try await PythonCelery.prepare(version: "5.5.3")
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(concurrency: 2)
            let python = [try await fixture.startPython(modern), try await fixture.startPython(older)]
            let perClient = 1000

            // Python sends compat.add(i, 1_000_000) and Swift compat.add(i, 2_000_000), at the same time.
            let specs: [InteropJSON] = (0..<perClient).map { ["name": "compat.add", "args": [.int($0), 1_000_000]] }
            async let pythonIDs = modern.run(
                args: ["send", "-"], redisURL: fixture.url, standardInput: InteropJSON.array(specs).jsonText, timeout: .seconds(120)
            )
            var swiftIDs: [String] = []
            for chunk in stride(from: 0, to: perClient, by: 100) {
                let messages = (chunk..<chunk + 100).map {
                    TaskMessage.make(task: "compat.add", args: [.int($0), 2_000_000])
                }
                try await fixture.client.send(batch: messages)
                swiftIDs += messages.map(\.id)
            }
            let fromPython = try await pythonIDs.split(separator: "\n").map(String.init)
            #expect(fromPython.count == perClient)
            #expect(Set(fromPython + swiftIDs).count == 2 * perClient)

            var expected: [String: Int] = [:]
            for (index, id) in fromPython.enumerated() { expected[id] = index + 1_000_000 }
            for (index, id) in swiftIDs.enumerated() { expected[id] = index + 2_000_000 }

            // Every result is stored…
            let ids = Array(expected.keys)
            var documents: [String: InteropJSON] = [:]
            try await poll(timeout: .seconds(240), interval: .milliseconds(250), "2,000 results") {
                let missing = ids.filter { documents[$0] == nil }
                for chunk in stride(from: 0, to: missing.count, by: 500) {
                    let batch = Array(missing[chunk..<min(chunk + 500, missing.count)])
                    let replies = try await fixture.db.send(["MGET"] + batch.map { ResultBackend.key(taskID: $0) }).array ?? []
                    for (id, reply) in zip(batch, replies) {
                        if let raw = reply.string { documents[id] = try InteropJSON(parsing: raw) }
                    }
                }
                return documents.count == ids.count
            }
            // …with the right value.
            var byWorker: [String: Int] = [:]
            for (id, value) in expected {
                let document = documents[id]
                #expect(document?["status"] == "SUCCESS", "\(id)")
                #expect(document?["result"] == .int(value), "\(id): \(String(describing: document))")
                byWorker[document?["worker"]?.string ?? "?", default: 0] += 1
            }
            // Both kinds of worker took part.
            #expect(byWorker[node.name, default: 0] > 0, "\(byWorker)")
            #expect(byWorker.filter { $0.key.hasPrefix("compat-") }.values.reduce(0, +) > 0, "\(byWorker)")
            #expect(byWorker.values.reduce(0, +) == 2 * perClient)

            // Nothing is left anywhere, and no task ran twice: each id succeeded once in exactly one worker's log.
            try await fixture.waitUntilIdle()
            try await poll(timeout: .seconds(30), "Celery acknowledged everything") {
                try await fixture.db.send(["HLEN", "unacked"]).integer == 0
            }
            for worker in python { await worker.stop(gracePeriod: .seconds(20)) }
            await node.process.stop(gracePeriod: .seconds(20))
            var runs: [String: Int] = [:]
            for line in python.flatMap({ $0.output.split(separator: "\n") }) where line.contains("succeeded in") {
                if let open = line.range(of: "compat.add["), let close = line[open.upperBound...].firstIndex(of: "]") {
                    runs[String(line[open.upperBound..<close]), default: 0] += 1
                }
            }
            for line in node.process.output.split(separator: "\n") where line.contains("task succeeded") {
                if let start = line.range(of: "task.id=") {
                    runs[String(line[start.upperBound...].prefix(36)), default: 0] += 1
                }
            }
            #expect(runs.count == 2 * perClient, "\(runs.count) distinct task ids in the worker logs")
            #expect(runs.values.allSatisfy { $0 == 1 }, "\(runs.filter { $0.value != 1 })")
            #expect(Set(runs.keys) == Set(ids))
        }
    }
}
