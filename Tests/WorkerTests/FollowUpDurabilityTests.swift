import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 22, part 5: nothing acknowledged is dropped on a Redis error reply, and a chord body is sent exactly once
/// even when the process that joined the last member is killed before it sends it.
extension WorkerTests {
    @Test("22. Redis at maxmemory (noeviction) while a chain's first task finishes: the chain completes once memory is back")
    func chainSurvivesOutOfMemory() async throws {
        try await withFixture { f in
            // A long lease: the supervisor's renewals fail too while Redis is full, and this test is about the chain.
            let node = try await f.startWorker(["--track-started", "--lease-timeout", "60"], concurrency: 1)
            let ids = try await f.client.chain([
                Signature("demo.sleep", args: [1.0]), Signature("test.record", args: ["rec:chain-oom"], immutable: true),
            ])
            _ = try await f.waitForResult(ids[0], .started, timeout: .seconds(10), node: node)
            _ = try await f.send("CONFIG", "SET", "maxmemory-policy", "noeviction")
            _ = try await f.send("CONFIG", "SET", "maxmemory", "1")
            do {
                // The worker's push of the next step is refused with OOM, and it says so while it retries.
                try await f.poll("the worker to meet OOM on the chain's next step", timeout: .seconds(15), node: node) {
                    node.process.output.contains("OOM command not allowed") ? true : nil
                }
                #expect(try await f.send("EXISTS", "celery").integer == 0, "the next step was stored while Redis was full")
            } catch {
                _ = try? await f.send("CONFIG", "SET", "maxmemory", "0")
                throw error
            }
            _ = try await f.send("CONFIG", "SET", "maxmemory", "0")
            let last = try await f.waitForResult(ids[1], .success, timeout: .seconds(20), node: node)
            #expect(last.state == .success)
            #expect(try await f.result(ids[0]).state == .success)
            #expect(try await f.list("rec:chain-oom") == [ids[1]], "the chain's second step must run exactly once")
            try await f.poll("nothing in flight", timeout: .seconds(10), node: node) { try await f.messagesInFlight() == 0 ? true : nil }
        }
    }

    @Test("22. kill -9 of the process that joined a chord's last member, before it sent the body: the body still runs, once")
    func chordBodySurvivesKillAfterJoin() async throws {
        try await withFixture { f in
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-chord-kill-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let marker = scratch.appendingPathComponent("killed").path
            let node = try await f.startWorker(environment: ["CELERITY_TEST_KILL_AT": "chord-joined:" + marker])
            let header = (0..<3).map { _ in Signature("test.record", args: ["rec:chord-members"]) }
            let chord = try await f.client.chord(header, body: Signature("test.record", args: ["rec:chord-body"], immutable: true))
            let body = try await f.waitForResult(chord.bodyID, .success, timeout: .seconds(30), node: node)
            #expect(body.state == .success)
            #expect(FileManager.default.fileExists(atPath: marker), "the joining process was never killed: the test proves nothing")
            #expect(node.process.output.contains("worker process died"), "\(f.diagnostics(node))")
            try await f.poll("nothing in flight", timeout: .seconds(10), node: node) { try await f.messagesInFlight() == 0 ? true : nil }
            #expect(try await f.list("rec:chord-body") == [chord.bodyID], "the body must run exactly once")
            #expect(try await f.send("GET", ChordKeys.claim(chord.groupID)).string == "done")
        }
    }
}
