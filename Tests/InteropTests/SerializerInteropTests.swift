import Broker
import Foundation
import TestSupport
import Testing

/// Issue 26: Celery's `yaml` and `msgpack` task serializers. Real Python Celery 5.7 sends with
/// `serializer='yaml'`/`'msgpack'`; a Celerity node runs the task and stores a JSON result (Celery's default
/// `result_serializer`) that Python's `AsyncResult.get()` reads. A broken body is dead-lettered with its reason.
@Suite("Celery's yaml and msgpack task serializers")
struct SerializerInteropTests {
    /// A value that exercises both readers: nesting, empty collections, unicode, line breaks, long (wrapped)
    /// strings, strings that look like numbers or booleans, floats, negative and large integers, null.
    static let value: InteropJSON = .object([
        "nested": .array([.int(1), .array([.int(2), .array([])]), .object([:])]),
        "text": .string("héllo ✓ 😀 it's \"quoted\"\nsecond line\n\nafter a blank line"),
        "long": .string(String(repeating: "wrapped words ", count: 20)),
        "look-alikes": .array([.string("123"), .string("yes"), .string("null"), .string("1.5"), .string("- dash"), .string("")]),
        "numbers": .array([.double(2.5), .double(-0.001), .double(1e20), .int(-7), .int(4_611_686_018_427_387_904)]),
        "flags": .array([.bool(true), .bool(false), .null]),
    ])

    @Test("Python Celery 5.7 sends compat.add and compat.identity with serializer yaml and msgpack; a Celerity node runs them and Python reads the JSON results", arguments: ["yaml", "msgpack"])
    func pythonProducer(serializer: String) async throws {
        let celery = try await PythonCelery.prepare()
        try await SerializerPackages.install(into: celery)
        try await withInteropFixture { fixture in
            try await fixture.startCelerity(concurrency: 1)
            let add = try await celery.run(
                args: ["call", #"{"name": "compat.add", "args": [2, 3], "serializer": "\#(serializer)"}"#, "--timeout", "20"],
                redisURL: fixture.url
            )
            #expect(add.contains("\"status\": \"SUCCESS\"") && add.contains("\"result\": 5"), "\(add)")

            let spec: InteropJSON = .object([
                "name": .string("compat.identity"), "kwargs": .object(["value": Self.value]), "serializer": .string(serializer),
            ])
            let output = try await celery.run(args: ["call", spec.jsonText, "--timeout", "20"], redisURL: fixture.url)
            let outcome = try JSONDecoder().decode(CeleryOutcome.self, from: Data((output.split(separator: "\n").last ?? "").utf8))
            #expect(outcome.status == "SUCCESS", "\(output)")
            #expect(outcome.result == Self.value, "\(outcome.result)")
            // The stored result is JSON, as Celery's default result_serializer writes it.
            let stored = try #require(try await fixture.db.send(["GET", ResultBackend.key(taskID: outcome.taskID)]).string)
            #expect(try JSONValue.parse(stored)["status"] == "SUCCESS")
            #expect(try await fixture.db.send(["HLEN", "celerity:dlq:entries"]).integer == 0)
        }
    }

    @Test("a yaml or msgpack message whose body cannot be read is dead-lettered with the reason; the node keeps serving")
    func brokenBodiesAreDeadLettered() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            try await fixture.startCelerity(concurrency: 1)
            let bodies: [(contentType: String, body: [UInt8], reason: String)] = [
                ("application/x-yaml", Array("- - 'unclosed\n".utf8), "body is not valid yaml"),
                ("application/x-msgpack", [0x93, 0xDD, 0xFF, 0xFF, 0xFF, 0xFF], "body is not valid msgpack"),
            ]
            var ids: [String] = []
            for (contentType, body, _) in bodies {
                let message = TaskMessage.make(task: "compat.add", args: [1, 2])
                ids.append(message.id)
                var envelope = try #require(try JSONValue.parse(message.encoded()).objectValue)
                envelope["content-type"] = .string(contentType)
                envelope["body"] = .string(Data(body).base64EncodedString())
                _ = try await fixture.db.send(["LPUSH", "celery", JSONValue.object(envelope).serialized])
            }
            let entries = try await pollForValue(timeout: .seconds(20), "2 dead letters") {
                let values = try await fixture.db.send(["HVALS", "celerity:dlq:entries"]).array ?? []
                let entries = values.compactMap { $0.string.flatMap { try? JSONValue.parse($0) } }
                return entries.count >= 2 ? entries : nil
            }
            for ((_, _, reason), id) in zip(bodies, ids) {
                let entry = entries.first { $0["envelope"]?.stringValue?.contains(id) == true }
                let stored = entry?["reason"]?.stringValue ?? "none"
                #expect(stored.hasPrefix(reason), "\(id): \(stored)")
            }
            let add = try await celery.run(
                args: ["call", "--timeout", "20"], redisURL: fixture.url, standardInput: #"{"name": "compat.add", "args": [20, 22]}"#
            )
            #expect(add.contains("\"status\": \"SUCCESS\"") && add.contains("\"result\": 42"), "\(add)")
        }
    }
}

/// PyYAML and msgpack in a Celery test environment (kombu's `yaml` and `msgpack` serializers need them).
enum SerializerPackages {
    static let requirements = ["PyYAML==6.0.2", "msgpack==1.1.0"]

    static func install(into celery: PythonCelery) async throws {
        try await celery.install(requirements)
    }
}
