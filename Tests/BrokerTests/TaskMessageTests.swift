import Foundation
import Testing

@testable import Broker

/// Celery protocol v2 envelopes: the exact captured bytes (wire spec §3.1), round trips, priorities and
/// every malformed-envelope defect of §3.7.
@Suite struct TaskMessageTests {
    /// `add.apply_async((2, 3))` exactly as Celery 5.7.0 LPUSHed it (wire spec §3.1).
    static let captured = #"{"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "tasks.add", "id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen9847@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "4df4cc23-a0fc-492e-8514-30f0a18ea17e", "reply_to": "ff528cc7-30ea-3603-93ee-f3c1be987a38", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "71bd9770-494f-4c70-bfb9-49f9ca12a428"}}"#

    @Test func decodesTheCapturedEnvelope() throws {
        let message = try TaskMessage.decode(Self.captured)
        #expect(message.task == "tasks.add")
        #expect(message.id == "4df4cc23-a0fc-492e-8514-30f0a18ea17e")
        #expect(message.args == [2, 3])
        #expect(message.kwargs.isEmpty)
        #expect(message.embed == ["callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil])
        #expect(message.eta == nil && message.expires == nil)
        #expect(message.retries == 0)
        #expect(message.timeLimit == TimeLimit())
        #expect(message.rootID == message.id && message.parentID == nil)
        #expect(message.group == nil && message.groupIndex == nil)
        #expect(message.ignoreResult == false)
        #expect(message.headers["origin"] == "gen9847@vm")
        #expect(message.headers["argsrepr"] == "(2, 3)")
        #expect(message.deliveryTag == "71bd9770-494f-4c70-bfb9-49f9ca12a428")
        #expect(message.queue == "celery")
        #expect(message.priority == 0)
        #expect(message.properties["reply_to"] == "ff528cc7-30ea-3603-93ee-f3c1be987a38")
        #expect(message.properties["delivery_mode"] == 2)
        #expect(message.bodyJSON == #"[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]"#)
    }

    @Test func reencodesTheCapturedEnvelopeByteForByte() throws {
        #expect(try TaskMessage.decode(Self.captured).encoded() == Self.captured)
    }

    @Test func roundTripsEveryOption() throws {
        let eta = Date(timeIntervalSince1970: 1_795_377_525.868166)
        let options = TaskOptions(
            queue: "backups", priority: 7, eta: eta, expiresIn: .seconds(60), softTimeLimit: .seconds(20),
            hardTimeLimit: .seconds(30), ignoreResult: true, taskID: "fixed-id"
        )
        let sent = TaskMessage.make(task: "backups.run", args: ["db", 3], kwargs: ["full": true, "note": "é"], options: options)
        let encoded = sent.encoded()
        #expect(encoded.contains(#""note": "\u00e9""#) || !encoded.contains("é"))  // ensure_ascii, inside the base64 body
        let received = try TaskMessage.decode(encoded)
        #expect(received == sent)
        #expect(received.task == "backups.run" && received.id == "fixed-id")
        #expect(received.args == ["db", 3] && received.kwargs == ["full": true, "note": "é"])
        #expect(received.queue == "backups" && received.priority == 7 && received.listKey == "backups\u{06}\u{16}6")
        #expect(received.headers["eta"] == "2026-11-22T19:58:45.868166+00:00")
        #expect(received.expires.map { abs($0.timeIntervalSinceNow - 60) < 5 } == true)
        #expect(received.timeLimit == TimeLimit(hard: .seconds(30), soft: .seconds(20)))
        #expect(received.headers["timelimit"] == [30, 20])
        #expect(received.ignoreResult)
        #expect(received.headers.keys == [
            "lang", "task", "id", "shadow", "eta", "expires", "group", "group_index", "retries", "timelimit", "root_id",
            "parent_id", "argsrepr", "kwargsrepr", "origin", "ignore_result", "replaced_task_nesting", "stamped_headers", "stamps",
        ])
        #expect(received.properties.keys == [
            "correlation_id", "reply_to", "delivery_mode", "delivery_info", "priority", "body_encoding", "delivery_tag",
        ])
    }

    @Test func everyMessageGetsAFreshDeliveryTag() {
        let tags = Set((0..<100).map { _ in TaskMessage.make(task: "t").deliveryTag })
        #expect(tags.count == 100)
    }

    @Test(arguments: [(0, ""), (1, ""), (2, ""), (3, "3"), (5, "3"), (6, "6"), (8, "6"), (9, "9"), (-1, ""), (12, "9")])
    func priorityBuckets(priority: Int, step: String) {
        let expected = step.isEmpty ? "q" : "q\u{06}\u{16}" + step
        #expect(PriorityBuckets.listKey(queue: "q", priority: priority) == expected)
    }

    @Test func multiQueueKeysArePriorityMajor() {
        #expect(PriorityBuckets.listKeys(queues: ["a", "b"]) == [
            "a", "b", "a\u{06}\u{16}3", "b\u{06}\u{16}3", "a\u{06}\u{16}6", "b\u{06}\u{16}6", "a\u{06}\u{16}9", "b\u{06}\u{16}9",
        ])
    }

    // MARK: - §3.7 defects

    /// The minimal envelope a real worker executes: raw JSON body, no body_encoding.
    static func minimal(
        body: String = #"[[2, 3], {}, {\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}]"#,
        contentType: String = "application/json", properties: String = #""delivery_tag": "tag-1", "delivery_info": {"exchange": "", "routing_key": "celery"}"#
    ) -> String {
        #"{"body": "\#(body)", "content-encoding": "utf-8", "content-type": "\#(contentType)", "headers": {"lang": "py", "task": "compat.add", "id": "id-1", "eta": null}, "properties": {\#(properties)}}"#
    }

    @Test func minimalEnvelopeWithRawBodyDecodes() throws {
        let message = try TaskMessage.decode(Self.minimal())
        #expect(message.args == [2, 3] && message.task == "compat.add")
        #expect(try TaskMessage.decode(Self.minimal(body: "[[1], {}, {}]")).embed.isEmpty)
    }

    static func defect(of raw: String) -> MalformedMessageError? {
        do {
            _ = try TaskMessage.decode(raw)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingDeliveryTag() {
        let error = Self.defect(of: Self.minimal(properties: #""delivery_info": {"exchange": "", "routing_key": "celery"}"#))
        #expect(error?.defect == .missingDeliveryTag)
        #expect(error?.taskID == "id-1" && error?.taskName == "compat.add")
        #expect(error?.description == "properties.delivery_tag is missing")
    }

    @Test func missingDeliveryInfo() {
        #expect(Self.defect(of: Self.minimal(properties: #""delivery_tag": "t""#))?.defect == .missingDeliveryInfo)
    }

    @Test func bodyWithTwoElements() {
        #expect(Self.defect(of: Self.minimal(body: "[[2, 3], {}]"))?.defect == .bodyNotThreeElementArray(count: 2))
        #expect(Self.defect(of: Self.minimal(body: "{}"))?.defect == .bodyNotThreeElementArray(count: -1))
    }

    @Test func nonJSONContentType() {
        let error = Self.defect(of: Self.minimal(contentType: "application/x-python-serialize"))
        #expect(error?.defect == .unsupportedContentType("application/x-python-serialize"))
    }

    @Test func badBase64() {
        let raw = Self.minimal(body: "not base64!!", properties: #""delivery_tag": "t", "delivery_info": {"exchange": "", "routing_key": "celery"}, "body_encoding": "base64""#)
        #expect(Self.defect(of: raw)?.defect == .invalidBase64)
    }

    @Test func invalidBodyJSON() {
        guard case .invalidBodyJSON? = Self.defect(of: Self.minimal(body: "[[2, 3], {}, "))?.defect else {
            Issue.record("expected invalidBodyJSON")
            return
        }
    }

    @Test func invalidEnvelopeJSON() {
        guard case .invalidEnvelopeJSON(let error)? = Self.defect(of: #"{"body": "#)?.defect else {
            Issue.record("expected invalidEnvelopeJSON")
            return
        }
        #expect(error.offset == 9)
    }

    @Test func missingHeadersTaskAndID() {
        #expect(Self.defect(of: #"{"body": "[]"}"#)?.defect == .missingHeaders)
        #expect(Self.defect(of: #"{"body": "[]", "headers": {"id": "x"}, "properties": {}}"#)?.defect == .missingTaskName)
        #expect(Self.defect(of: #"{"body": "[]", "headers": {"task": "x"}, "properties": {}}"#)?.defect == .missingTaskID)
        #expect(Self.defect(of: "[1, 2]")?.defect == .envelopeNotAnObject)
    }
}
