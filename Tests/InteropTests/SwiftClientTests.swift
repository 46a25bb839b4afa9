import Broker
import Foundation
import TestSupport
import Testing

/// Issue 5, item 2: Celerity's Swift client and CLI send, a real Python Celery worker runs, Swift reads the results.
@Suite("Swift client and CLI → Python Celery workers")
struct SwiftClientTests {
    @Test(
        "the Swift client's args, kwargs, queue, priority, countdown, eta, expires and ignore_result work on a Celery worker; FAILURE decodes as ValueError('boom')",
        arguments: CeleryVersions.all
    )
    func sendOptions(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let worker = try await fixture.startPython(celery, queues: ["celery", "other"])
            let client = fixture.client
            let sentAt = Date()
            let ids: [String: String] = [
                "args": try await client.enqueue("compat.add", args: [2, 3]),
                "queuePriority": try await client.enqueue(
                    "compat.add", args: [20, 22], options: TaskOptions(queue: "other", priority: 5)
                ),
                "kwargs": try await client.enqueue(
                    "compat.echo", kwargs: ["a": 1, "b": ["x", nil], "c": ["d": 1.5]],
                    options: TaskOptions(queue: "other")
                ),
                "priority9": try await client.enqueue(
                    "compat.add", kwargs: ["a": 4, "b": 5], options: TaskOptions(priority: 9)),
                "typed": try await client.enqueue("compat.add", arguments: [40, 2]),
                "countdown": try await client.enqueue(
                    "compat.add", args: [1, 2], options: TaskOptions(countdown: .seconds(1))),
                "eta": try await client.enqueue(
                    "compat.add", args: [3, 4], options: TaskOptions(eta: sentAt.addingTimeInterval(1.5))),
                "expiresFuture": try await client.enqueue(
                    "compat.add", args: [5, 6], options: TaskOptions(expiresIn: .seconds(60))
                ),
                "expiresBeforeEta": try await client.enqueue(
                    "compat.add", args: [7, 8],
                    options: TaskOptions(countdown: .seconds(1), expiresIn: .milliseconds(300))
                ),
                "failure": try await client.enqueue("compat.fail"),
                "markers": try await client.enqueue("compat.echo", kwargs: Self.typeMarkers),
            ]
            var results: [String: TaskResult] = [:]
            for (name, id) in ids { results[name] = try await client.result(id, timeout: .seconds(30)) }

            let expected: [String: JSONValue] = [
                "args": 5, "queuePriority": 42, "kwargs": ["a": 1, "b": ["x", nil], "c": ["d": 1.5]], "priority9": 9,
                "typed": 42, "countdown": 3, "eta": 7, "expiresFuture": 11,
                // Python decodes kombu's type markers into datetime, Decimal, UUID and encodes them back the same.
                "markers": .object(Self.typeMarkers),
            ]
            for (name, value) in expected {
                #expect(results[name]?.state == .success, "\(name): \(String(describing: results[name]))")
                #expect(results[name]?.result.sortedKeys == value.sortedKeys, "\(name)")
            }
            #expect(try #require(results["countdown"]?.dateDone).timeIntervalSince(sentAt) >= 0.99)
            #expect(try #require(results["eta"]?.dateDone).timeIntervalSince(sentAt) >= 1.49)

            let expired = try #require(results["expiresBeforeEta"])
            #expect(expired.state == .revoked)
            #expect(
                expired.error == RemoteError(type: "TaskRevokedError", message: "expired", module: "celery.exceptions"))

            let failure = try #require(results["failure"])
            #expect(failure.state == .failure)
            #expect(failure.error == RemoteError(type: "ValueError", message: "boom", module: "builtins"))
            #expect(failure.error?.description == "ValueError('boom')")
            #expect(failure.traceback?.contains("ValueError: boom") == true)

            // result_extended fields written by the Python worker, read by Swift.
            let extended = try #require(results["queuePriority"]?.extended)
            #expect(extended["name"] == "compat.add")
            #expect(extended["args"] == [20, 22])
            #expect(extended["kwargs"] == [:])
            #expect(extended["retries"] == 0)
            #expect(extended["queue"] == "other")
            let workerName = try #require(extended["worker"]?.stringValue)
            #expect(workerName.hasPrefix("compat-"))
            #expect(worker.output.contains(workerName.components(separatedBy: "@")[0]))

            // ignore_result: the worker runs it (the record appears) and acknowledges it, and stores nothing.
            let ignored = try await client.enqueue(
                "compat.record", args: ["ignored", "ran"], options: TaskOptions(ignoreResult: true)
            )
            try await poll(timeout: .seconds(30), "compat.record ran") { try await fixture.list("ignored") == ["ran"] }
            try await poll(timeout: .seconds(30), "the Celery worker acknowledged it") {
                try await fixture.db.send(["HLEN", "unacked"]).integer == 0
            }
            #expect(try await fixture.db.send(["EXISTS", ResultBackend.key(taskID: ignored)]).integer == 0)
        }
    }

    /// Keyword arguments in kombu's JSON type markers (wire spec §3.4), and non-ASCII text.
    static let typeMarkers: JSONObject = [
        "when": ["__type__": "datetime", "__value__": "2026-01-02T03:04:05.678000+00:00"],
        "amount": ["__type__": "decimal", "__value__": "10.10"],
        "ref": ["__type__": "uuid", "__value__": ["hex": "00000000000000000000000000000007"]],
        "text": "h\u{e9}llo \u{2713} \u{1F600}",
    ]

    @Test(
        "a task retried by a Python worker: the Swift client sees RETRY (RuntimeError) then SUCCESS",
        arguments: CeleryVersions.all
    )
    func retryThenSuccess(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            try await fixture.startPython(celery)
            let id = UUID().uuidString.lowercased()
            let states = try await fixture.publishedStates(of: id) {
                try await fixture.client.enqueue("compat.flaky", args: ["flaky", 1], options: TaskOptions(taskID: id))
            }
            #expect(states.map(\.state) == [.retry, .success])
            #expect(
                states.first?.error == RemoteError(type: "RuntimeError", message: "flaky run 1", module: "builtins"))
            #expect(states.first?.dateDone == nil)
            #expect(states.last?.result == 2)
            #expect(states.last?.extended["retries"] == 1)
            #expect(states.last?.parentID == id)
            #expect(try await fixture.client.result(id).state == .success)
        }
    }

    @Test(
        "the celerity CLI sends to a Python Celery worker: enqueue, result, --wait, queue/priority/countdown/expires",
        arguments: CeleryVersions.all
    )
    func commandLine(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            try await fixture.startPython(celery, queues: ["celery", "other"])

            let sent = try await fixture.celerity([
                "enqueue", "compat.add", "--args", "[2,3]", "--queue", "other", "--priority", "5", "--countdown", "1",
            ])
            #expect(sent.status.isSuccess, "\(sent.output)")
            let id = sent.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await fixture.celerity(["result", id, "--wait", "30"]).output == "SUCCESS 5\n")
            #expect(try await fixture.celerity(["result", id]).output == "SUCCESS 5\n")

            let echoed = try await fixture.celerity([
                "enqueue", "compat.echo", "--kwargs", #"{"a": [1, "x"]}"#, "--wait",
            ])
            #expect(echoed.status.isSuccess, "\(echoed.output)")
            #expect(echoed.output.split(separator: "\n").last == #"SUCCESS {"a": [1, "x"]}"#)

            let failed = try await fixture.celerity(["enqueue", "compat.fail", "--wait"])
            #expect(failed.status == .exited(1))
            #expect(
                failed.output.split(separator: "\n").dropFirst().first == "FAILURE ValueError('boom')",
                "\(failed.output)")

            let expired = try await fixture.celerity([
                "enqueue", "compat.add", "--args", "[1,1]", "--countdown", "1", "--expires", "0.3", "--wait",
            ])
            #expect(expired.output.contains("REVOKED TaskRevokedError('expired')"), "\(expired.output)")
        }
    }
}
