import Broker
import Foundation
import TestSupport
import Testing

/// Issue 5, item 6: Python and Celerity workers consume one queue together.
@Suite("Mixed pool")
struct MixedPoolTests {
    @Test(
        "Celery 5.7.0 and 5.5.3 workers and a Celerity node share a queue: 2,000 tasks from the Python and Swift clients all complete once, with the right result; chords, chains and retries cross between them"
    )
    func twoThousandTasks() async throws {
        let modern = try await PythonCelery.prepare(version: "5.7.0")
        let older = try await PythonCelery.prepare(version: "5.5.3")
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(concurrency: 2, options: ["--result-extended"])
            let python = [try await fixture.startPython(modern), try await fixture.startPython(older)]
            let perClient = 1000

            // Python sends compat.add(i, 1_000_000) and Swift compat.add(i, 2_000_000), at the same time.
            let specs: [InteropJSON] = (0..<perClient).map { ["name": "compat.add", "args": [.int($0), 1_000_000]] }
            async let pythonIDs = modern.run(
                args: ["send", "-"], redisURL: fixture.url, standardInput: InteropJSON.array(specs).jsonText,
                timeout: .seconds(120)
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
                    let replies =
                        try await fixture.db.send(["MGET"] + batch.map { ResultBackend.key(taskID: $0) }).array ?? []
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
            print("mixed pool: tasks per worker: \(byWorker.sorted { $0.key < $1.key })")
            // Both kinds of worker took part.
            #expect(byWorker[node.name, default: 0] > 0, "\(byWorker)")
            #expect(byWorker.filter { $0.key.hasPrefix("compat-") }.values.reduce(0, +) > 0, "\(byWorker)")
            #expect(byWorker.values.reduce(0, +) == 2 * perClient)

            // Canvas and retries across the mixed pool: chord joins, chains and retried tasks hop between Python and
            // Celerity workers (a retry's ETA is held in Redis by Celerity, in memory by Celery).
            let size = 40
            async let canvas = fixture.scenario(modern, ["mixed-canvas", String(size)], timeout: .seconds(180))
            let swiftChord = try await fixture.client.chord(
                (0..<size).map { Signature("compat.add", args: [.int($0), .int($0)]) }, body: Signature("compat.tsum")
            )
            var swiftRetried: [String] = []
            for index in 0..<size {
                swiftRetried.append(
                    try await fixture.client.enqueue("compat.flaky", args: [.string("mixed-flaky-sw-\(index)"), 1]))
            }
            let report = try await canvas
            #expect(report["chord"]?["value"] == .int(size * (size - 1)), "\(report["chord"] ?? nil)")
            #expect(report["group"] == .array((0..<size).map { .int($0 + 1) }))
            #expect(report["chain"]?["value"] == 10)
            #expect(report["retried"]?.array?.allSatisfy { $0["value"] == 2 } == true, "\(report["retried"] ?? nil)")
            #expect(
                try await fixture.client.result(swiftChord.bodyID, timeout: .seconds(60)).result
                    == .int(size * (size - 1)))
            for id in swiftRetried {
                #expect(try await fixture.client.result(id, timeout: .seconds(60)).result == 2)
            }
            for prefix in ["mixed-flaky-py-", "mixed-flaky-sw-"] {
                for index in 0..<size {
                    #expect(
                        try await fixture.db.send(["GET", "\(prefix)\(index)"]).integer == 2,
                        "\(prefix)\(index) ran twice")
                }
            }

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
            let counted = runs.filter { expected[$0.key] != nil }
            #expect(counted.count == 2 * perClient, "\(counted.count) of the task ids in the worker logs")
            #expect(counted.values.allSatisfy { $0 == 1 }, "\(counted.filter { $0.value != 1 })")
        }
    }
}
