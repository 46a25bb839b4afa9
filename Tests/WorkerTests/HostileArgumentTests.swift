import Broker
import Foundation
import TestSupport
import Testing

/// Issue 22: a number from a message's arguments is checked before a task converts it. `demo.sleep(1e300)` used
/// to trap its worker process (`Int64(1e300 * 1000)`); now it fails with a TypeError and the process keeps serving.
extension WorkerTests {
    @Test("22. demo.sleep with 1e300 or -1 seconds fails with TypeError; no worker process dies")
    func hostileSleepArguments() async throws {
        try await withFixture { f in
            let node = try await f.startWorker()
            let processes = Set(node.processes().keys)
            for seconds: JSONValue in [1e300, -1] {
                let id = try await f.client.enqueue("demo.sleep", args: [seconds])
                let result = try await f.waitForResult(id, .failure, timeout: .seconds(20), node: node)
                #expect(result.error?.type == "TypeError", "demo.sleep(\(seconds)): \(String(describing: result.error))")
            }
            let add = try await f.client.enqueue("demo.add", args: [2, 3])
            #expect(try await f.waitForResult(add, .success, timeout: .seconds(20), node: node).result == 5)
            #expect(Set(node.processes().keys) == processes, "a worker process died: \(f.diagnostics(node))")
        }
    }
}
