import Broker
import Foundation
import TestSupport
import Testing

/// Celery wire features beyond the task envelope, against real Celery 5.7: `result_extended`, `task-sent` events
/// from the Swift client, and `AsyncResult.children` of tasks Celerity ran.
@Suite("Celery wire features: result_extended, task-sent from Swift, AsyncResult.children")
struct WireFeaturesTests {
    @Test(
        "result_extended is off by default, as Celery's; --result-extended or CELERITY_RESULT_EXTENDED=1 stores name, args, kwargs, worker, retries, queue for AsyncResult"
    )
    func resultExtended() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let plain = try await fixture.startCelerity(queues: ["plain"], concurrency: 1)
            let flagged = try await fixture.startCelerity(queues: ["flag"], concurrency: 1, options: ["--result-extended"])
            let environment = try await fixture.startCelerity(
                queues: ["env"], concurrency: 1, environment: ["CELERITY_RESULT_EXTENDED": "1"]
            )
            for (node, queue, extended) in [(plain, "plain", false), (flagged, "flag", true), (environment, "env", true)] {
                let id = try await celery.sendTask(
                    "compat.add", args: [2, 3], kwargs: [:], options: ["queue": .string(queue)], redisURL: fixture.url
                )
                let fields = try await fixture.scenario(celery, ["extended", id], script: "wire.py")
                if extended {
                    #expect(
                        fields == [
                            "name": "compat.add", "args": [2, 3], "kwargs": [:], "worker": .string(node.name), "retries": 0,
                            "queue": .string(queue),
                        ]
                    )
                } else {
                    #expect(
                        fields == ["name": nil, "args": nil, "kwargs": nil, "worker": nil, "retries": nil, "queue": nil],
                        "\(fields)"
                    )
                }
            }
        }
    }

    @Test(
        "the Swift client with sendSentEvents (and `celerity enqueue --sent-event`) publishes task-sent as a Celery 5.7 client with task_send_sent_event does; Celery's event receiver gets it"
    )
    func taskSentFromSwift() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let watcher = RedisConnection(configuration: fixture.db.connection.configuration)
            defer { watcher.close() }
            try watcher.subscribe(["/0.celeryev/task.sent"])
            let receiver = try ChildProcess(
                celery.python, arguments: ["wire.py", "events", "task-sent", "--timeout", "30"],
                environment: ["CELERITY_REDIS_URL": fixture.url, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"],
                workingDirectory: PythonCelery.scriptsDirectory
            )
            fixture.adopt(receiver)
            try await poll(timeout: .seconds(30), interval: .milliseconds(50), "Celery's event receiver subscribes") {
                if let ended = receiver.termination { throw InteropFailure("receiver exited (\(ended))\n\(receiver.diagnostics())") }
                return try await fixture.db.send(["PUBSUB", "NUMPAT"]).integer ?? 0 > 0
            }

            var configuration = fixture.db.connection.configuration
            configuration.reconnectTimeout = .seconds(5)
            let client = CelerityClient(configuration: configuration, sendSentEvents: true)
            defer { client.redis.connection.close() }
            let swiftID = try await client.enqueue("compat.add", args: [1, 2], options: TaskOptions(queue: "celery", countdown: .seconds(60)))
            let pythonID = try await celery.run(
                args: ["send", #"{"name": "compat.add", "args": [1, 2], "queue": "celery", "countdown": 60}"#],
                redisURL: fixture.url, environment: ["CELERITY_TASK_SEND_SENT_EVENT": "1"]
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            let cli = try await fixture.celerity(["enqueue", "compat.add", "--args", "[1,2]", "--countdown", "60", "--sent-event"])
            let cliID = cli.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(cli.status.isSuccess, "\(cli.output)")

            var bodies: [String: JSONObject] = [:]
            var envelopes: [String: JSONObject] = [:]
            let deadline = ContinuousClock.now + .seconds(20)
            while bodies.count < 3, ContinuousClock.now < deadline {
                guard let push = try watcher.nextPush(timeout: .seconds(1)), let payload = push.array?.last?.string else { continue }
                let (body, _) = try #require(KombuEnvelope.decode(payload), "not a kombu message: \(payload)")
                let event = try #require(body.objectValue)
                let id = try #require(event["uuid"]?.stringValue)
                bodies[id] = event
                envelopes[id] = try JSONValue.parse(payload).objectValue ?? [:]
            }
            let swift = try #require(bodies[swiftID], "no task-sent for the Swift send: \(bodies.keys)")
            let python = try #require(bodies[pythonID], "no task-sent for the Python send: \(bodies.keys)")
            let fromCLI = try #require(bodies[cliID], "no task-sent for `celerity enqueue --sent-event`: \(bodies.keys)")
            #expect(Set(fromCLI.members.map(\.key)) == Set(python.members.map(\.key)) && fromCLI["name"] == "compat.add")
            #expect(Set(swift.members.map(\.key)) == Set(python.members.map(\.key)))
            for field in ["type", "name", "queue", "exchange", "routing_key", "retries", "args", "kwargs", "parent_id"] {
                #expect(swift[field] == python[field], "\(field): Swift \(swift[field] ?? nil), Python \(python[field] ?? nil)")
            }
            #expect(swift["eta"]?.stringValue != nil && swift["root_id"] == .string(swiftID))
            for part in ["properties", "headers"] {
                let swiftPart = envelopes[swiftID]?[part]?.objectValue.map { Set($0.members.map(\.key)) }
                let pythonPart = envelopes[pythonID]?[part]?.objectValue.map { Set($0.members.map(\.key)) }
                #expect(swiftPart == pythonPart, "envelope \(part)")
            }
            #expect(envelopes[swiftID]?["properties"]?["delivery_info"] == envelopes[pythonID]?["properties"]?["delivery_info"])
            // The client counted its send itself; the marker tells a node's event counter not to count it again.
            #expect(try await fixture.db.send(["EXISTS", SentCounter.eventMarker(swiftID)]).integer == 1)

            #expect(try await receiver.waitForExit(timeout: .seconds(40)) == .exited(0))
            let report = try InteropJSON(parsing: String(receiver.output.split(separator: "\n").last ?? ""))
            let received = try #require(report["wanted"]?[0], "\(report)")
            #expect(received["uuid"] == .string(swiftID) && received["name"] == "compat.add" && received["queue"] == "celery")
        }
    }

    @Test(
        "chords whose header holds a group, a chord, or a chain ending in a group complete on Celerity workers with the body receiving what a Celery 5.7 worker's body receives"
    )
    func nestedChords() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            try await fixture.startCelerity(queues: ["celery"], concurrency: 2)
            try await fixture.startPython(celery, queues: ["python"])
            let expected: InteropJSON = [
                "group_in_header": ["value": [4, 2, 6]], "chord_in_header": ["value": [6, 20]],
                "chain_to_group_in_header": ["value": [[3, 4], 10]],
            ]
            for queue in ["python", "celery"] {
                let report = try await fixture.scenario(celery, ["nested-chords", "--queue", queue], script: "wire.py")
                #expect(report == expected, "\(queue == "celery" ? "Celerity" : "Celery") workers: \(report)")
            }
        }
    }

    @Test(
        "AsyncResult.children of a task Celerity ran lists the tasks and the group it sent, as for the same task run by a Celery 5.7 worker"
    )
    func children() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            try await fixture.startCelerity(queues: ["celery"], concurrency: 2)
            try await fixture.startPython(celery, queues: ["python"])
            for queue in ["celery", "python"] {
                let report = try await fixture.scenario(celery, ["children", "2", "--queue", queue], script: "wire.py")
                #expect(report["value"] == 2, "\(queue): \(report)")
                let children = report["children"]?.array ?? []
                #expect(children.compactMap { $0["type"]?.string } == ["AsyncResult", "AsyncResult", "GroupResult"], "\(queue): \(report)")
                #expect(children.map { $0["value"] ?? $0["values"] } == [0, 2, [1, 2]], "\(queue): \(report)")
            }
        }
    }
}
