import Broker
import Foundation
import Operations
import TestSupport
import Testing

/// A node serving `/metrics` samples its lists' arrivals every second (``QueueArrivals/sample``): one script call for
/// all its lists, by cached SHA. Before, each list cost an `EVAL` with the script's source (4 a second for one queue:
/// the `EVAL`s `bench/idle.sh` showed).
@Suite("arrival sampling by cached SHA", .serialized)
struct ArrivalSamplingTests {
    /// Calls of a command so far (`INFO commandstats`), 0 when it never ran.
    static func calls(_ command: String, _ f: WorkerFixture) async throws -> Int {
        let stats = try await f.send("INFO", "commandstats").string ?? ""
        let line = stats.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_\(command):calls=") }
        return line.flatMap { Int($0.dropFirst("cmdstat_\(command):calls=".count).prefix { $0.isNumber }) } ?? 0
    }

    @Test("an idle node with /metrics records every bucket list's arrivals and sends no EVAL, only EVALSHA")
    func idleNodeSamplesBySHA() async throws {
        let f = try await WorkerFixture.start()
        do {
            _ = try await f.send("CONFIG", "RESETSTAT")
            let node = try await f.startWorker(["--metrics-address", "127.0.0.1:0"])
            let lists = PriorityBuckets.listKeys(queues: ["celery"])
            #expect(lists.count == 4)
            // Each list's records appear after the node's first samples; two more seconds of idle sampling follow.
            try await f.poll("every list's arrival records", timeout: .seconds(15), node: node) { () async throws -> Bool? in
                for list in lists where try await f.send("EXISTS", QueueArrivals.recordsKey(list)).integer != 1 { return nil }
                return true
            }
            // The newest record's end moves with every sample of an unchanged list: two more samples.
            let newest = { () async throws -> Double? in
                try await f.send("LINDEX", QueueArrivals.recordsKey(lists[0]), "0").string.flatMap(QueueArrivals.Record.init)?.last
            }
            let first = try #require(try await newest())
            try await f.poll("two more samples", timeout: .seconds(10), every: .milliseconds(100), node: node) { () async throws -> Bool? in
                try await newest().map { $0 >= first + 1.5 } == true ? true : nil
            }
            let evals = try await Self.calls("eval", f)
            #expect(evals == 0, "the node sent \(evals) EVALs")
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}
