import Broker
import Foundation
import TestSupport
import Testing

/// Issue 3, item 8: the interop smoke tests of the foundation.
@Suite("Interop smoke (issue 3)")
struct SmokeTests {
    @Test("a real Celery 5.7.0 worker runs compat.add from the Swift client and from the CLI; both read SUCCESS 5")
    func swiftClientAndCLIToCeleryWorker() async throws {
        let celery = try await PythonCelery.prepare(version: "5.7.0")
        try await withInteropFixture { fixture in
            let worker = try await fixture.startPython(celery)

            let id = try await fixture.client.enqueue("compat.add", args: [2, 3])
            let result = try await fixture.client.result(id, timeout: .seconds(30))
            #expect(result.state == .success)
            #expect(result.result == 5)
            #expect(result.extended["name"] == "compat.add")
            #expect(result.extended["worker"]?.stringValue?.hasPrefix("compat-") == true)

            let sent = try await fixture.celerity(["enqueue", "compat.add", "--args", "[2,3]"])
            #expect(sent.status.isSuccess, "\(sent.output)")
            let cliID = sent.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(UUID(uuidString: cliID) != nil, "celerity enqueue printed \(sent.output)")
            let waited = try await fixture.celerity(["result", cliID, "--wait", "30"])
            #expect(waited.output == "SUCCESS 5\n")
            let shown = try await fixture.celerity(["result", cliID])
            #expect(shown.status.isSuccess)
            #expect(shown.output == "SUCCESS 5\n")
            #expect(worker.output.contains("Task compat.add[\(cliID)] succeeded"), "\(worker.diagnostics())")
        }
    }

    @Test(
        "a message sent by Python send_task (countdown, priority, queue, kwargs) decodes with every field intact",
        arguments: CeleryVersions.all
    )
    func pythonSendTaskDecodes(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let before = Date()
            let id = try await celery.sendTask(
                "compat.echo", args: [1, "two", nil, 2.5],
                kwargs: ["a": 1, "b": ["x": [1.5, true, "é"]]],
                options: ["countdown": 30, "priority": 7, "queue": "backups", "expires": 120],
                redisURL: fixture.url
            )
            let after = Date()
            // Priority 7 goes to the bucket of step 6, "backups\x06\x166"; the other buckets stay empty.
            let bucket = "backups\u{06}\u{16}6"
            for key in PriorityBuckets.listKeys(queue: "backups") {
                #expect(
                    try await fixture.db.send(["LLEN", key]).integer == (key == bucket ? 1 : 0),
                    "\(key.debugDescription)")
            }
            let raw = try #require(try await fixture.db.send(["RPOP", bucket]).string)
            let message = try TaskMessage.decode(raw)
            let envelope = try InteropJSON(parsing: raw)

            #expect(message.id == id)
            #expect(message.task == "compat.echo")
            #expect(message.args == [1, "two", nil, 2.5])
            #expect(message.kwargs.sortedValue == (["a": 1, "b": ["x": [1.5, true, "é"]]] as JSONValue).sortedKeys)
            #expect(message.embed == ["callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil])
            #expect(message.queue == "backups")
            #expect(message.priority == 7)
            #expect(message.listKey == bucket)
            let eta = try #require(message.eta)
            #expect(eta >= before.addingTimeInterval(29.999) && eta <= after.addingTimeInterval(30.001))
            let expires = try #require(message.expires)
            #expect(expires >= before.addingTimeInterval(119.999) && expires <= after.addingTimeInterval(120.001))
            #expect(message.retries == 0)
            #expect(message.rootID == id)
            #expect(message.parentID == nil)
            #expect(message.group == nil && message.groupIndex == nil)
            #expect(message.timeLimit == TimeLimit())
            #expect(message.ignoreResult == false)
            // send_task writes null in Celery 5.7 and false in 5.5; either means "store the result".
            #expect([.null, false].contains(message.headers["ignore_result"]))
            #expect(message.headers["argsrepr"] == "[1, 'two', None, 2.5]")
            #expect(message.headers["lang"] == "py")
            #expect(message.headers["origin"]?.stringValue?.hasPrefix("gen") == true)
            #expect(message.deliveryTag == envelope["properties"]?["delivery_tag"]?.string)
            #expect(message.properties["correlation_id"] == .string(id))
            #expect(message.contentType == "application/json")
            #expect(message.contentEncoding == "utf-8")

            // Every header and property Python wrote is there, with the same value.
            for section in ["headers", "properties"] {
                guard case .object(let members)? = envelope[section] else {
                    Issue.record("the envelope has no \(section)")
                    continue
                }
                let decoded = section == "headers" ? message.headers : message.properties
                #expect(Set(decoded.keys) == Set(members.keys), "\(section)")
                for (key, value) in members {
                    #expect(decoded[key]?.sortedKeys == value.jsonValue, "\(section).\(key)")
                }
            }
            // Re-encoded, it is the same envelope, and Celery accepts it: a worker started now runs it at its ETA.
            #expect(try InteropJSON(parsing: message.encoded()) == envelope)
            #expect(
                message.bodyJSON == String(decoding: Data(base64Encoded: envelope["body"]!.string!)!, as: UTF8.self))
        }
    }
}

extension JSONObject {
    /// The object as a JSON value with its keys sorted.
    var sortedValue: JSONValue { JSONValue.object(self).sortedKeys }
}
