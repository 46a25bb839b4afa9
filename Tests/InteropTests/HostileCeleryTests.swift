import Broker
import Foundation
import TestSupport
import Testing

/// Issue 22: the four messages that stopped a whole node, sent by real Python Celery. Each ends as a FAILURE or a
/// dead letter with a reason; the supervisor keeps its pid, and a demo.add sent afterwards succeeds within 20 s.
@Suite("Hostile messages from Python Celery")
struct HostileCeleryTests {
    /// `send_task` specs as send.py reads them (JSON with Python's `Infinity` literal, which json.loads accepts).
    static let specs: [(name: String, spec: String, field: String)] = [
        ("task id with a newline and tabs", #"{"name": "demo.add", "args": [1, 2], "task_id": "x1\nstart\tv\tn\tnan\t0\tq"}"#,
         "headers.id contains a control character"),
        ("time_limit=1e16", #"{"name": "demo.sleep", "args": [1.5], "time_limit": 1e16}"#, "headers.timelimit hard limit"),
        ("soft_time_limit=1e12", #"{"name": "demo.add", "args": [1, 2], "soft_time_limit": 1e12}"#, "headers.timelimit soft limit"),
        ("time_limit=inf", #"{"name": "demo.add", "args": [1, 2], "time_limit": Infinity}"#, "headers.timelimit hard limit"),
    ]

    @Test("the issue's four send_task calls: FAILURE or dead letter with a reason each; the node keeps serving", arguments: CeleryVersions.all)
    func fourMessages(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity()
            let supervisor = node.process.pid
            var ids: [String] = []
            for (_, spec, _) in Self.specs {
                let output = try await celery.run(args: ["send", "-"], redisURL: fixture.url, standardInput: spec)
                ids.append(String(output.dropLast(output.hasSuffix("\n") ? 1 : 0)))
            }
            let entries = try await pollForValue(timeout: .seconds(20), "4 dead letters") {
                let values = try await fixture.db.send(["HVALS", "celerity:dlq:entries"]).array ?? []
                let entries = values.compactMap { $0.string.flatMap { try? JSONValue.parse($0) } }
                return entries.count >= 4 ? entries : nil
            }
            #expect(entries.count == 4)
            for ((name, _, field), id) in zip(Self.specs, ids) {
                let entry = entries.first { $0["envelope"]?.stringValue?.contains(name == Self.specs[0].name ? "start\\tv" : id) == true }
                let reason = entry?["reason"]?.stringValue ?? "none"
                #expect(reason.hasPrefix(field), "\(name): \(reason)")
                guard name != Self.specs[0].name else { continue }
                let outcome = try await celery.waitForResult(taskID: id, redisURL: fixture.url, timeout: .seconds(20))
                #expect(outcome.status == "FAILURE" && outcome.excType == "InvalidTaskError", "\(name): \(outcome)")
            }
            let add = try await celery.run(args: ["call", "--timeout", "20"], redisURL: fixture.url, standardInput: #"{"name": "demo.add", "args": [20, 22]}"#)
            #expect(add.contains("\"status\": \"SUCCESS\"") && add.contains("\"result\": 42"), "\(add)")
            #expect(node.process.pid == supervisor && node.process.isRunning, "the supervisor died: \(node.process.diagnostics())")
        }
    }
}
