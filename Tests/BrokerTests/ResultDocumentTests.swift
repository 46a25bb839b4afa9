import Foundation
import Testing

@testable import Broker

/// Result documents exactly as Celery writes them (wire spec §6.3–6.4).
@Suite struct ResultDocumentTests {
    @Test func successDefault() throws {
        let raw = #"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T19:58:54.369222+00:00", "task_id": "a5dedfec-f7d2-4869-92d1-4ecb394840bd"}"#
        let result = try TaskResult.decode(raw, taskID: "a5dedfec-f7d2-4869-92d1-4ecb394840bd")
        #expect(result.state == .success && result.result == 5 && result.children == [])
        #expect(result.dateDone.map(CeleryTime.format) == "2026-11-22T19:58:54.369222+00:00")
        #expect(result.encoded() == raw)
    }

    @Test func successExtended() throws {
        let raw = #"{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-22T20:03:03.859558+00:00", "name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "8d9a2e9e-f739-41f1-ace1-69d16abccb00"}"#
        let result = try TaskResult.decode(raw, taskID: "x")
        #expect(result.taskID == "8d9a2e9e-f739-41f1-ace1-69d16abccb00")
        #expect(result.extended.keys == ["name", "args", "kwargs", "worker", "retries", "queue"])
        #expect(result.extended["worker"] == "celery@vm")
        #expect(result.encoded() == raw)
    }

    @Test func failure() throws {
        let raw = #"{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \".../celery/app/trace.py\", line 564, in trace_task\n ...\nValueError: boom\n", "children": [], "date_done": "2026-11-22T20:02:04.474342+00:00", "task_id": "74ab03e5-c5d0-40d8-9913-ed4e407a8ded"}"#
        let result = try TaskResult.decode(raw, taskID: "x")
        #expect(result.state == .failure && result.state.isReady)
        #expect(result.error == RemoteError(type: "ValueError", message: "boom"))
        #expect(result.error?.description == "ValueError('boom')")
        #expect(result.traceback?.hasSuffix("ValueError: boom\n") == true)
        #expect(result.encoded() == raw)
    }

    @Test func started() throws {
        let raw = #"{"status": "STARTED", "result": {"pid": 10488, "hostname": "celery@vm"}, "traceback": null, "children": [], "date_done": null, "task_id": "f9dbb6b4-1716-47cf-a85c-88e7db641994"}"#
        let result = try TaskResult.decode(raw, taskID: "x")
        #expect(result.state == .started && !result.state.isReady && result.dateDone == nil)
        #expect(result.result["pid"] == 10488 && result.error == nil)
        #expect(result.encoded() == raw)
    }

    @Test func retry() throws {
        let raw = #"{"status": "RETRY", "result": {"exc_type": "RuntimeError", "exc_message": ["try again"], "exc_module": "builtins"}, "traceback": "Traceback ... celery.exceptions.Retry: Retry in 2s: RuntimeError('try again')\n", "children": [[["5a9975cf-d06b-43ab-ac34-a301d9182b24", null], null]], "date_done": null, "task_id": "5a9975cf-d06b-43ab-ac34-a301d9182b24"}"#
        let result = try TaskResult.decode(raw, taskID: "x")
        #expect(result.state == .retry && result.error?.type == "RuntimeError" && result.error?.message == "try again")
        #expect(result.children == [[["5a9975cf-d06b-43ab-ac34-a301d9182b24", nil], nil]])
        #expect(result.encoded() == raw)
    }

    @Test func revoked() throws {
        let raw = #"{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["revoked"], "exc_module": "celery.exceptions"}, "traceback": null, "children": null, "date_done": "2026-11-22T20:02:11.041900+00:00", "task_id": "3c595ce5-fd9c-4cd0-a46f-03e62246a3f6"}"#
        let result = try TaskResult.decode(raw, taskID: "x")
        #expect(result.state == .revoked && result.error?.module == "celery.exceptions")
        #expect(result.encoded() == raw)
    }

    @Test func notAResultDocument() {
        #expect(throws: ResultDecodingError.self) { try TaskResult.decode("[1]", taskID: "x") }
        #expect(throws: ResultDecodingError.self) { try TaskResult.decode("{", taskID: "x") }
    }
}

/// JSON and time details that make byte-exact Celery output possible (wire spec §3.4).
@Suite struct JSONTests {
    @Test func pythonStyleSerialisation() throws {
        let value = try JSONValue.parse(#"{"b":1,"a":[1.5,true,null,"é\n\"x\""],"c":{}}"#)
        #expect(value.serialized == #"{"b": 1, "a": [1.5, true, null, "\u00e9\n\"x\""], "c": {}}"#)
    }

    @Test func surrogatePairsAndEscapes() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00 \u00e9 \/""#) == "😀 é /")
        #expect(JSONValue.string("😀").serialized == #""\ud83d\ude00""#)
    }

    @Test func integersStayIntegers() throws {
        #expect(try JSONValue.parse("[1, 1.0, -3, 1e3]") == [1, 1.0, -3, 1000.0])
        #expect(try JSONValue.parse("1.0").serialized == "1.0")
    }

    @Test func errorsNameTheOffset() {
        #expect(throws: JSONParseError(reason: "unexpected text after the JSON value", offset: 4)) { try JSONValue.parse("[1] x") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a" 1}"#) }
    }

    @Test func typeMarkersDecodeAndPassThrough() throws {
        let raw = #"[{"__type__": "datetime", "__value__": "2026-01-02T03:04:05+00:00"}, {"__type__": "decimal", "__value__": "1.10"}]"#
        let value = try JSONValue.parse(raw)
        #expect(value.serialized == raw)
        guard case .datetime(let date)? = value.arrayValue?[0].celeryTypedValue else {
            Issue.record("datetime marker not decoded")
            return
        }
        #expect(CeleryTime.format(date) == "2026-01-02T03:04:05.000000+00:00")
        #expect(value.arrayValue?[1].celeryTypedValue == .decimal("1.10"))
    }

    @Test func celeryTimes() {
        #expect(CeleryTime.parse("2026-11-22T19:58:45.868166+00:00").map(CeleryTime.format) == "2026-11-22T19:58:45.868166+00:00")
        #expect(CeleryTime.parse("2026-11-22T19:58:45").map(CeleryTime.format) == "2026-11-22T19:58:45.000000+00:00")
        #expect(CeleryTime.parse("2026-11-22T21:58:45+02:00").map(CeleryTime.format) == "2026-11-22T19:58:45.000000+00:00")
        #expect(CeleryTime.parse("2026-11-22T19:58:45Z") != nil)
        #expect(CeleryTime.parse("yesterday") == nil)
    }
}
