import Foundation
import Testing

@testable import Broker

/// Result documents exactly as a Celery worker stores them (wire spec §6.3–6.4), decoded into `TaskResult`
/// and written back byte for byte.
@Suite struct ResultDocumentTests {
    /// The traceback of §6.4's FAILURE document.
    static let failureTraceback =
        "Traceback (most recent call last):\n  File \".../celery/app/trace.py\", line 564, in trace_task\n ...\nValueError: boom\n"

    static func date(_ text: String) throws -> Date {
        try #require(CeleryTime.parse(text))
    }

    @Test func successWithDefaultSettings() throws {
        let result = try TaskResult.decode(WireSpec.success, taskID: "ignored-when-the-document-has-one")
        #expect(result.taskID == "a5dedfec-f7d2-4869-92d1-4ecb394840bd")
        #expect(result.state == .success && result.state.isReady)
        #expect(result.result == 5)
        #expect(result.error == nil)
        #expect(result.traceback == nil)
        #expect(result.children == [])
        #expect(result.dateDone == (try Self.date("2026-11-22T19:58:54.369222+00:00")))
        #expect(result.dateDone.map(CeleryTime.format) == "2026-11-22T19:58:54.369222+00:00")
        #expect(result.groupID == nil && result.parentID == nil)
        #expect(result.extended.isEmpty)
        #expect(result.encoded() == WireSpec.success)
    }

    @Test func successWithExtendedResults() throws {
        let result = try TaskResult.decode(WireSpec.successExtended, taskID: "x")
        #expect(result.taskID == "8d9a2e9e-f739-41f1-ace1-69d16abccb00")
        #expect(result.state == .success && result.result == 5)
        #expect(result.dateDone.map(CeleryTime.format) == "2026-11-22T20:03:03.859558+00:00")
        #expect(
            result.extended == [
                "name": "tasks.add", "args": [2, 3], "kwargs": [:], "worker": "celery@vm", "retries": 0,
                "queue": "celery",
            ])
        #expect(result.extended.keys == ["name", "args", "kwargs", "worker", "retries", "queue"])
        #expect(result.encoded() == WireSpec.successExtended)
    }

    @Test func failure() throws {
        let result = try TaskResult.decode(WireSpec.failure, taskID: "x")
        #expect(result.taskID == "74ab03e5-c5d0-40d8-9913-ed4e407a8ded")
        #expect(result.state == .failure && result.state.isReady)
        let error = try #require(result.error)
        #expect(error.type == "ValueError")
        #expect(error.message == "boom")
        #expect(error.arguments == ["boom"])
        #expect(error.module == "builtins")
        #expect(error == RemoteError(type: "ValueError", message: "boom"))
        #expect(error.description == "ValueError('boom')")
        #expect(result.result == error.json)
        #expect(result.traceback == Self.failureTraceback)
        #expect(result.children == [])
        #expect(result.dateDone.map(CeleryTime.format) == "2026-11-22T20:02:04.474342+00:00")
        #expect(result.encoded() == WireSpec.failure)
    }

    /// The spec prints STARTED with `...extended fields...`; the capture has the full document.
    @Test func started() throws {
        let raw = try #require(
            CapturedTraffic.results.first {
                $0.document.contains(#""status": "STARTED""#) && $0.taskID == "8d9a2e9e-f739-41f1-ace1-69d16abccb00"
            }
        ).document
        let result = try TaskResult.decode(raw, taskID: "x")
        #expect(result.state == .started && !result.state.isReady)
        #expect(result.result == ["pid": 10488, "hostname": "celery@vm"])
        #expect(result.error == nil)
        #expect(result.traceback == nil && result.dateDone == nil)
        #expect(result.children == [])
        #expect(result.extended["worker"] == "celery@vm" && result.extended["args"] == [2, 3])
        #expect(result.encoded() == raw)

        // The spec's own bytes, with the elision removed, are the default-settings form.
        let abbreviated = WireSpec.startedAbbreviated.replacingOccurrences(of: "...extended fields..., ", with: "")
        let plain = try TaskResult.decode(abbreviated, taskID: "x")
        #expect(plain.taskID == "f9dbb6b4-1716-47cf-a85c-88e7db641994" && plain.state == .started)
        #expect(plain.result["pid"] == 10488 && plain.extended.isEmpty)
        #expect(plain.encoded() == abbreviated)
    }

    @Test func retry() throws {
        let result = try TaskResult.decode(WireSpec.retry, taskID: "x")
        #expect(result.taskID == "5a9975cf-d06b-43ab-ac34-a301d9182b24")
        #expect(result.state == .retry && !result.state.isReady)
        #expect(result.error == RemoteError(type: "RuntimeError", message: "try again", module: "builtins"))
        #expect(result.traceback?.hasSuffix("Retry in 2s: RuntimeError('try again')\n") == true)
        // A retried task lists itself as a child: [[child_id, parent], null].
        #expect(result.children == [[["5a9975cf-d06b-43ab-ac34-a301d9182b24", nil], nil]])
        #expect(result.dateDone == nil)
        #expect(result.encoded() == WireSpec.retry)
    }

    @Test func revoked() throws {
        let result = try TaskResult.decode(WireSpec.revoked, taskID: "x")
        #expect(result.taskID == "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6")
        #expect(result.state == .revoked && result.state.isReady)
        let error = try #require(result.error)
        #expect(error.type == "TaskRevokedError" && error.message == "revoked" && error.module == "celery.exceptions")
        #expect(error.description == "TaskRevokedError('revoked')")
        #expect(result.children == .null)  // null, not []: written when the broadcast arrived
        #expect(result.traceback == nil)
        #expect(result.dateDone.map(CeleryTime.format) == "2026-11-22T20:02:11.041900+00:00")
        #expect(result.encoded() == WireSpec.revoked)

        let expired = WireSpec.revoked.replacingOccurrences(of: #"["revoked"]"#, with: #"["expired"]"#)
        #expect(try TaskResult.decode(expired, taskID: "x").error?.message == "expired")
    }

    /// Every result document in the captures (all states, extended results, groups, chords, chains, 5.5.3)
    /// decodes and is written back byte for byte.
    @Test(arguments: CapturedTraffic.results)
    func capturedDocumentRoundTrips(captured: CapturedResult) throws {
        let result = try TaskResult.decode(captured.document, taskID: "x")
        #expect(result.taskID == captured.taskID)
        // Python's isoformat() drops a zero fraction ("…T00:00:00+00:00"); Celerity always writes six digits,
        // which every Python reader accepts. Capture 11's hand-written document has such a date.
        let expected = captured.document.replacing(/("date_done": "[^".]*T\d\d:\d\d:\d\d)\+/) { "\($0.1).000000+" }
        #expect(result.encoded() == expected)
        #expect((result.dateDone != nil) == result.state.isReady)
        if result.state == .failure || result.state == .revoked || result.state == .retry {
            #expect(result.error != nil)
        }
    }

    @Test func capturesCoverGroupsAndParents() throws {
        let results = try CapturedTraffic.results.map { try TaskResult.decode($0.document, taskID: "x") }
        #expect(results.contains { $0.groupID != nil })
        #expect(results.contains { $0.parentID != nil })
        #expect(Set(results.map(\.state)) == [.started, .retry, .failure, .success, .revoked])
    }

    // MARK: - Building documents in Swift

    @Test func documentKeyOrderIsCelerys() throws {
        let result = TaskResult(
            taskID: "t", state: .success, result: ["sum": 5], children: [[["c", nil], nil]],
            dateDone: try Self.date("2026-11-22T19:58:54.369222+00:00"), groupID: "g", parentID: "p",
            extended: [
                "name": "tasks.add", "args": [2, 3], "kwargs": [:], "worker": "celerity@vm", "retries": 0,
                "queue": "celery",
            ]
        )
        #expect(
            result.document.keys == [
                "status", "result", "traceback", "children", "date_done", "group_id", "parent_id",
                "name", "args", "kwargs", "worker", "retries", "queue", "task_id",
            ])
        #expect(
            result.encoded()
                == #"{"status": "SUCCESS", "result": {"sum": 5}, "traceback": null, "children": [[["c", null], null]], "date_done": "2026-11-22T19:58:54.369222+00:00", "group_id": "g", "parent_id": "p", "name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celerity@vm", "retries": 0, "queue": "celery", "task_id": "t"}"#
        )
        #expect(try TaskResult.decode(result.encoded(), taskID: "t") == result)
    }

    @Test func failureBuiltInSwiftMatchesCelerysBytes() throws {
        let result = TaskResult(
            taskID: "74ab03e5-c5d0-40d8-9913-ed4e407a8ded", state: .failure,
            result: RemoteError(type: "ValueError", message: "boom").json,
            traceback: Self.failureTraceback,
            children: [], dateDone: try Self.date("2026-11-22T20:02:04.474342+00:00")
        )
        #expect(result.encoded() == WireSpec.failure)
    }

    @Test func pendingStandsForNoKey() {
        let pending = TaskResult.pending("t")
        #expect(pending.state == .pending && !pending.state.isReady)
        #expect(pending.taskID == "t" && pending.result == .null && pending.error == nil && pending.dateDone == nil)
    }

    @Test func remoteErrorReadsLooseForms() throws {
        // exc_message as a bare string (old Celery), a missing module, several arguments.
        let bare = try #require(RemoteError(json: ["exc_type": "KeyError", "exc_message": "k"]))
        #expect(bare.arguments == ["k"] && bare.module == "builtins" && bare.message == "k")
        let several = try #require(
            RemoteError(json: ["exc_type": "OSError", "exc_message": [2, "No such file"], "exc_module": "builtins"]))
        #expect(several.message == "2" && several.description == "OSError(2, 'No such file')")
        let empty = try #require(
            RemoteError(json: ["exc_type": "StopIteration", "exc_message": [], "exc_module": "builtins"]))
        #expect(empty.message == "" && empty.description == "StopIteration()")
        #expect(RemoteError(json: ["exc_message": ["no type"]]) == nil)
        #expect(RemoteError(json: 5) == nil)
    }

    @Test(arguments: ["[1]", "{", "{\"result\": 5}", "{\"status\": 5}", "", "null"])
    func notAResultDocument(raw: String) {
        let error = #expect(throws: ResultDecodingError.self) { try TaskResult.decode(raw, taskID: "t-1") }
        #expect(error?.taskID == "t-1")
        #expect(error?.description.hasPrefix("result of task t-1 is unreadable: ") == true)
    }

    @Test func documentWithoutTaskIDUsesTheKeysID() throws {
        let result = try TaskResult.decode(#"{"status": "SUCCESS", "result": null}"#, taskID: "from-key")
        #expect(result.taskID == "from-key" && result.state == .success && result.result == .null)
    }

    /// `encoded()` writes a document without extended fields member by member; it is byte for byte the
    /// serialised ``TaskResult/document`` (the general path), whatever is set and whatever needs escaping.
    @Test func encodedIsTheSerialisedDocument() throws {
        let date = try Self.date("2026-11-22T19:58:54.369222+00:00")
        let results = [
            TaskResult(taskID: "a5dedfec-f7d2-4869-92d1-4ecb394840bd", state: .success, result: .null, dateDone: date),
            TaskResult(taskID: "id", state: .started, result: ["pid": 7, "hostname": "w@h"], children: [], dateDone: nil),
            TaskResult(
                taskID: "é\"\n", state: .failure, result: RemoteError(type: "ValueError", message: "bö\tom").json,
                traceback: Self.failureTraceback, children: [[["c1", nil], nil]], dateDone: date, groupID: "g\u{1}",
                parentID: "p"
            ),
            TaskResult(taskID: "id", state: .retry, result: 1.5, dateDone: date, parentID: "p"),
            TaskResult(taskID: "id", state: .success, result: 2, dateDone: date, groupID: "g"),
            TaskResult(taskID: "id", state: .success, result: 2, dateDone: date, extended: ["name": "t", "task_id": "x"]),
        ]
        for result in results {
            #expect(result.encoded() == JSONValue.object(result.document).serialized)
            #expect(try TaskResult.decode(result.encoded(), taskID: "") == result || !result.extended.isEmpty)
        }
    }
}
