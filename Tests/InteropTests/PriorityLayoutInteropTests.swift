import Broker
import Foundation
import TestSupport
import Testing

/// Issue 26: kombu's non-default `priority_steps` and `sep` (`broker_transport_options`) against
/// `celerity --priority-steps`/`--priority-separator`: Python Celery 5.7 and Celerity name the same bucket lists in
/// both directions.
@Suite("kombu's priority_steps and sep")
struct PriorityLayoutInteropTests {
    static let pythonEnvironment = ["CELERITY_PRIORITY_STEPS": "0,5,9", "CELERITY_PRIORITY_SEPARATOR": ":"]
    static let celerityOptions = ["--priority-steps", "0,5,9", "--priority-separator", ":"]

    @Test("Python Celery with priority_steps [0, 5, 9] and sep ':' and Celerity with the same options: tasks both ways land in and are taken from the same bucket lists")
    func bothDirections() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            // Python → Celerity: priority 7 goes to bucket 5, `celery:5`, under kombu's layout.
            let sent = try await celery.run(
                args: ["send", #"{"name": "compat.add", "args": [2, 3], "priority": 7}"#], redisURL: fixture.url,
                environment: Self.pythonEnvironment
            )
            let pythonID = sent.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await fixture.db.send(["LLEN", "celery:5"]).integer == 1, "kombu did not use the layout")
            try await fixture.startCelerity(concurrency: 1, options: Self.celerityOptions)
            let outcome = try await celery.waitForResult(taskID: pythonID, redisURL: fixture.url, timeout: .seconds(20))
            #expect(outcome.status == "SUCCESS" && outcome.result == .int(5), "\(outcome)")
            #expect(try await fixture.db.send(["LLEN", "celery:5"]).integer == 0)

            // Celerity → Python: `celerity enqueue --priority 9` goes to `python:9`, which a Python worker takes.
            let enqueue = try await fixture.celerity(
                ["enqueue", "compat.add", "--args", "[4,4]", "--queue", "python", "--priority", "9"] + Self.celerityOptions
            )
            #expect(enqueue.status == .exited(0), "\(enqueue.output)")
            let swiftID = try #require(enqueue.output.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) })
            #expect(try await fixture.db.send(["LLEN", "python:9"]).integer == 1, "celerity enqueue did not use the layout")
            let python = try await celery.startWorker(
                redisURL: fixture.url, queues: ["python"], extraArgs: ["--without-mingle", "--without-gossip"],
                environment: Self.pythonEnvironment
            )
            fixture.adopt(python)
            let back = try await celery.waitForResult(taskID: swiftID, redisURL: fixture.url, timeout: .seconds(30))
            #expect(back.status == "SUCCESS" && back.result == .int(8), "\(back)")

            // `celerity queues` counts the same buckets.
            let queues = try await fixture.celerity(["queues"] + Self.celerityOptions)
            #expect(queues.status == .exited(0), "\(queues.output)")
        }
    }

    @Test("bad --priority-steps or CELERITY_PRIORITY_SEPARATOR stops a command with one line naming it", arguments: [
        (["--priority-steps", "3,1"], [String: String](), "ascending"),
        (["--priority-steps", "0,12"], [:], "0 to 9"),
        ([], ["CELERITY_PRIORITY_SEPARATOR": "a b"], "printable"),
        ([], ["CELERITY_PRIORITY_STEPS": "x"], "whole number"),
    ])
    func badLayout(arguments: [String], environment: [String: String], problem: String) async throws {
        let run = try await ChildProcess.run(
            try InteropFixture.binary("celerity"), arguments: ["queues", "--redis-url", "redis://127.0.0.1:1/0"] + arguments,
            environment: environment, timeout: .seconds(20)
        )
        let errorLines = (run.standardOutput + run.standardError).split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(run.termination == .exited(1), "\(run.termination)")
        #expect(errorLines.count == 1 && errorLines[0].contains("--priority-steps") && errorLines[0].contains(problem), "\(errorLines)")
    }
}
