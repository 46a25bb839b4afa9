import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17: a node paused (SIGSTOP) past its lease comes back after its message was recovered and completed
/// elsewhere; its own run then fails and asks for a retry. That late retry must not schedule another run of
/// completed work (found by the network-namespace run, bench/chaos/netns.py).
@Suite(.serialized)
struct StaleRetryTests {
    @Test func aResumedNodeDoesNotRetryWorkCompletedElsewhere() async throws {
        let f = try await WorkerFixture.start()
        do {
            let paused = try await f.startWorker(concurrency: 1)
            let id = try await f.client.enqueue("chaos.fail_first", args: ["rec:stale", 3.0])
            let processID = try await f.processRunning(id)
            let pids = [paused.pid] + Array(paused.processes().keys)
            #expect(processID.hasPrefix(paused.name))
            for pid in pids { kill(pid, SIGSTOP) }
            defer { for pid in pids { kill(pid, SIGCONT) } }

            // Another node recovers the message once the lease (2 s) has expired, and completes it.
            let other = try await f.startWorker(concurrency: 1)
            let result = try await f.waitForResult(id, .success, timeout: .seconds(20), node: other)
            #expect(try await f.list("rec:stale").count == 1)

            // The paused node resumes: its run finishes, records, fails and asks for a retry.
            for pid in pids { kill(pid, SIGCONT) }
            try await f.poll("the resumed run to record", timeout: .seconds(10), node: paused) {
                try await f.list("rec:stale").count == 2 ? true : nil
            }
            try await f.poll("nothing in flight", timeout: .seconds(10), node: paused) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            // No retry was scheduled: no third run, and the stored result is still the other node's.
            let third = try? await f.poll("a third run", timeout: .seconds(3)) {
                try await f.list("rec:stale").count > 2 ? true : nil
            }
            let runs = try await f.list("rec:stale")
            #expect(third == nil, "a late retry ran completed work again: \(runs)")
            #expect(try await f.result(id).result == result.result)
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}
