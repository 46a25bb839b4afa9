import Broker
import Foundation
import TestSupport
import Testing

/// Issue 11: the example application of docs/tasks.md, run by a real Python Celery client.
@Suite("Python client → the example application")
struct ExampleApplicationTests {
    @Test("a Python client runs the example's typed tasks, positionally, by keyword and through an alias; the chord fans out")
    func pythonRunsTheExample() async throws {
        let celery = try await PythonCelery.prepare(version: PythonCelery.defaultVersion)
        try await withInteropFixture { fixture in
            try await fixture.startCelerity(queues: ["shop"], binary: "celerity-example")
            func call(_ name: String, args: [InteropJSON] = [], kwargs: [String: InteropJSON] = [:]) async throws -> CeleryOutcome {
                let id = try await celery.sendTask(name, args: args, kwargs: kwargs, options: ["queue": "shop"], redisURL: fixture.url)
                return try await celery.waitForResult(taskID: id, redisURL: fixture.url, timeout: .seconds(30))
            }
            // order_total.delay(4): four lines priced in parallel by a chord, summed by its body.
            let pending = try await call("shop.order_total", args: [4])
            #expect(pending.status == "SUCCESS", "\(pending)")
            #expect(pending.result["lines"] == 4)
            let totalID = try #require(pending.result["total_task_id"]?.string)
            let total = try await celery.waitForResult(taskID: totalID, redisURL: fixture.url, timeout: .seconds(30))
            #expect(total.result == ["order_id": 4, "total": 1016, "currency": "USD"], "\(total)")

            // The Python module path, keyword arguments: order_total.delay(order_id=2, currency="EUR").
            let aliased = try await call("shop.tasks.order_total", kwargs: ["order_id": 2, "currency": "EUR"])
            #expect(aliased.status == "SUCCESS", "\(aliased)")
            let aliasedTotal = try await celery.waitForResult(
                taskID: try #require(aliased.result["total_task_id"]?.string), redisURL: fixture.url, timeout: .seconds(30)
            )
            #expect(aliasedTotal.result == ["order_id": 2, "total": 304, "currency": "EUR"], "\(aliasedTotal)")

            // A wrongly typed argument is a TypeError FAILURE naming the parameter, not retried.
            let bad = try await call("shop.order_total", args: ["four"])
            #expect(bad.status == "FAILURE")
            #expect(bad.excType == "TypeError")
            #expect(bad.excMessage?.contains("order_id") == true, "\(bad)")
        }
    }
}
