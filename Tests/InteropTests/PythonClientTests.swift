import Broker
import Foundation
import TestSupport
import Testing

/// Issue 5, item 1: a Python Celery client sends, Celerity workers run, Python reads the results.
@Suite("Python client → Celerity workers")
struct PythonClientTests {
    @Test(
        "apply_async and send_task with args, kwargs, queue, priority, countdown, eta, expires, time limits; get() values, ValueError('boom') rebuilt, result_extended fields",
        arguments: CeleryVersions.all
    )
    func sendOptions(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(queues: ["celery", "other"], options: ["--result-extended"])
            let report = try await fixture.scenario(celery, ["options"])
            let sentAt = try #require(report["sent_at"]?.string.flatMap(CeleryTime.parse))

            func success(_ name: String, _ value: InteropJSON, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(
                    report[name]?["state"] == "SUCCESS", "\(name): \(report[name] ?? nil)",
                    sourceLocation: sourceLocation)
                #expect(report[name]?["value"] == value, "\(name)", sourceLocation: sourceLocation)
            }
            success("apply_async_args", 5)
            success("send_task_queue_priority", 42)
            success("send_task_kwargs", ["a": 1, "b": ["x", nil], "c": ["d": 1.5]])
            success("apply_async_kwargs_priority", 9)
            success("countdown", 3)
            success("eta", 7)
            success("expires_future", 11)

            // countdown=1 and an ETA 1.5 s ahead: not run before their time.
            let countdownDone = try #require(report["countdown"]?["date_done"]?.string.flatMap(CeleryTime.parse))
            #expect(countdownDone.timeIntervalSince(sentAt) >= 0.99)
            let etaDone = try #require(report["eta"]?["date_done"]?.string.flatMap(CeleryTime.parse))
            #expect(etaDone.timeIntervalSince(sentAt) >= 1.49)

            // Expired before its ETA: REVOKED, which Python raises as TaskRevokedError('expired').
            let expired = try #require(report["expires_before_eta"])
            #expect(expired["state"] == "REVOKED")
            #expect(expired["exc_type"] == "TaskRevokedError")
            #expect(expired["exc_module"] == "celery.exceptions")
            #expect(expired["exc_args"] == ["expired"])

            // A Swift TaskError(type: "ValueError") is rebuilt by Python as the builtin ValueError('boom').
            let failure = try #require(report["failure"])
            #expect(failure["state"] == "FAILURE")
            #expect(failure["exc_type"] == "ValueError")
            #expect(failure["exc_module"] == "builtins")
            #expect(failure["exc_args"] == ["boom"])
            #expect(failure["exc_repr"] == "ValueError('boom')")
            #expect(failure["is_value_error"] == true)

            // Time limits travel in the `timelimit` header: the soft one cancels the task, the hard one kills it.
            #expect(report["soft_time_limit"]?["state"] == "FAILURE")
            #expect(report["soft_time_limit"]?["exc_type"] == "SoftTimeLimitExceeded")
            #expect(report["soft_time_limit"]?["exc_module"] == "billiard.exceptions")
            #expect(report["time_limit"]?["state"] == "FAILURE")
            #expect(report["time_limit"]?["exc_type"] == "TimeLimitExceeded")
            #expect(report["time_limit"]?["exc_module"] == "billiard.exceptions")

            #expect(report["type_markers"]?["equal"] == true, "\(report["type_markers"] ?? nil)")

            // An unknown task name: Celery's NotRegistered failure (and Celerity also dead-letters the message).
            #expect(report["unregistered"]?["state"] == "FAILURE")
            #expect(report["unregistered"]?["exc_type"] == "NotRegistered")
            #expect(report["unregistered"]?["exc_args"] == ["compat.nosuchtask"])
            #expect(try await fixture.db.send(["ZCARD", "celerity:dlq"]).integer == 1)

            #expect(
                report["extended"] == [
                    "name": "compat.add", "args": [20, 22], "kwargs": [:], "worker": .string(node.name), "retries": 0,
                    "queue": "other",
                ]
            )
            #expect(
                report["extended_kwargs"] == [
                    "name": "compat.echo", "args": [], "kwargs": ["a": 1, "b": ["x", nil], "c": ["d": 1.5]],
                    "worker": .string(node.name), "retries": 0, "queue": "other",
                ]
            )
        }
    }

    @Test("an ETA only 150 ms away is still not run before it by a Celerity worker")
    func closeETA() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            try await fixture.startCelerity()
            let report = try await fixture.scenario(celery, ["eta-close", "5"])
            for (index, task) in (report.array ?? []).enumerated() {
                #expect(task["value"] == .int(2 * index))
                let eta = try #require(task["eta"]?.string.flatMap(CeleryTime.parse))
                let done = try #require(task["date_done"]?.string.flatMap(CeleryTime.parse))
                #expect(done >= eta, "ran \(eta.timeIntervalSince(done)) s before its ETA")
            }
            #expect(report.array?.count == 5)
        }
    }

    @Test("priorities sent by Python are consumed lowest number first by a Celerity worker, FIFO in a bucket")
    func priorityOrder() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let priorities = [9, 5, 0, 0, 9, 3]
            let specs: [InteropJSON] = priorities.enumerated().map { index, priority in
                [
                    "name": "compat.record", "args": ["order", .string("\(index):\(priority)")],
                    "priority": .int(priority),
                ]
            }
            _ = try await celery.run(args: ["send", InteropJSON.array(specs).jsonText], redisURL: fixture.url)
            try await fixture.startCelerity(concurrency: 1)
            let order = try await pollForValue(timeout: .seconds(30), "six records") {
                let order = try await fixture.list("order")
                return order.count == priorities.count ? order : nil
            }
            // What a Celery worker does (wire spec §3.5): 0, 0, then bucket 3 (5, 3), then bucket 9 (9, 9).
            #expect(order == ["2:0", "3:0", "1:5", "5:3", "0:9", "4:9"])
        }
    }

    @Test(
        "ignore_result=True from Python: the Celerity worker runs the task and stores no result",
        arguments: CeleryVersions.all)
    func ignoreResult(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            try await fixture.startCelerity()
            let report = try await fixture.scenario(celery, ["ignore-result", "ignored", "ran"])
            let id = try #require(report["id"]?.string)
            try await poll(timeout: .seconds(30), "compat.record ran") { try await fixture.list("ignored") == ["ran"] }
            try await fixture.waitUntilIdle()
            #expect(try await fixture.db.send(["EXISTS", ResultBackend.key(taskID: id)]).integer == 0)
        }
    }

    @Test(
        "a task retried on a Celerity worker publishes RETRY then SUCCESS; get() returns the value, retries is 1",
        arguments: CeleryVersions.all
    )
    func retryThenSuccess(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(options: ["--result-extended"])
            let report = try await fixture.scenario(celery, ["retry", "flaky", "1"])
            let id = try #require(report["id"]?.string)
            #expect(report["states"] == ["RETRY", "SUCCESS"])
            #expect(report["state"] == "SUCCESS")
            #expect(report["value"] == 2)
            #expect(report["extended"]?["retries"] == 1)
            #expect(report["extended"]?["worker"] == .string(node.name))
            let retry = try #require(report["documents"]?[0])
            #expect(
                retry["result"] == [
                    "exc_type": "RuntimeError", "exc_message": ["flaky run 1"], "exc_module": "builtins",
                ])
            #expect(retry["date_done"] == .null)
            #expect(retry["children"] == [[[.string(id), nil], nil]])
            #expect(retry["retries"] == 0)
            // From the second attempt on, the parent is the task itself (wire spec §6.4).
            #expect(report["documents"]?[1]?["parent_id"] == .string(id))
        }
    }
}
