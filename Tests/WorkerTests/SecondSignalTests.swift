import Broker
import Foundation
import TestSupport
import Testing
import Worker

#if canImport(Glibc)
import Glibc
#endif

extension WorkerTests {
    // MARK: 6b. the one signal path: a second SIGTERM during a warm shutdown is cold

    @Test("6b. a second SIGTERM during a warm shutdown is cold: the running task's message is requeued at once")
    func secondTermIsCold() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--shutdown-timeout", "60"])
            let id = try await f.client.enqueue("test.sleep_record", args: ["rec:second", 30.0])
            try await f.poll("start:\(id)", timeout: .seconds(10), node: node) {
                try await f.list("rec:second").contains("start:" + id) ? true : nil
            }
            node.process.signal(SIGTERM)
            try await poll(timeout: .seconds(10), "the node to begin a warm shutdown") {
                node.process.output.contains("warm shutdown: waiting for running tasks")
            }
            #expect(node.process.termination == nil, "a warm shutdown did not wait for the running task")
            let signalled = ContinuousClock.now
            node.process.signal(SIGTERM)
            let status = try await node.process.waitForExit(timeout: .seconds(10))
            #expect(ContinuousClock.now - signalled < .seconds(5), "the second SIGTERM waited for the task")
            #expect(status == .exited(0), "the cold shutdown ended with \(status)")
            #expect(node.process.output.contains("cold shutdown: requeueing running tasks' messages now"))
            #expect(try await f.list("rec:second") == ["start:" + id])
            let queued = try await f.list("celery").compactMap { try? TaskMessage.decode($0).id }
            #expect(queued == [id], "after the second SIGTERM the ready list holds \(queued)")
            #expect(try await f.processingListLengths().values.reduce(0, +) == 0)
        }
    }
}
