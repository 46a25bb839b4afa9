import Foundation
import Testing

@testable import Broker

/// `TaskMessage.make` → `encoded()` → `decode`: what a Swift client sends is what Celery sends (wire spec §3.1–3.2).
@Suite struct TaskMessageBuildTests {
    /// The header order of §3.1, read from the captured envelope rather than retyped.
    static let capturedHeaderKeys = try! TaskMessage.decode(WireSpec.envelope).headers.keys
    static let capturedPropertyKeys = try! TaskMessage.decode(WireSpec.envelope).properties.keys

    /// Celery's timestamp form: ISO-8601, six fractional digits, `+00:00`.
    static func isCeleryTimestamp(_ value: JSONValue?) -> Bool {
        guard let text = value?.stringValue else { return false }
        return text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00/) != nil
    }

    @Test func everyOptionSurvivesTheRoundTrip() throws {
        let eta = Date(timeIntervalSince1970: 1_795_377_525.868166)
        let expires = Date(timeIntervalSince1970: 1_795_377_575.881215)
        let options = TaskOptions(
            queue: "backups", priority: 7, eta: eta, expires: expires, softTimeLimit: .seconds(20),
            hardTimeLimit: .seconds(30), ignoreResult: true, taskID: "0b5c8d3e-2f1a-4c6b-9d7e-8f9a0b1c2d3e"
        )
        let sent = TaskMessage.make(
            task: "backups.run", args: ["db", 3, 2.5, nil, [true]], kwargs: ["full": true, "note": "é"],
            options: options
        )
        let received = try TaskMessage.decode(sent.encoded())
        #expect(received == sent)

        #expect(received.task == "backups.run")
        #expect(received.id == "0b5c8d3e-2f1a-4c6b-9d7e-8f9a0b1c2d3e")
        #expect(received.args == ["db", 3, 2.5, nil, [true]])
        #expect(received.kwargs == ["full": true, "note": "é"])
        #expect(received.embed == TaskMessage.emptyEmbed)
        #expect(received.queue == "backups")
        #expect(received.properties["delivery_info"] == ["exchange": "", "routing_key": "backups"])
        #expect(received.priority == 7)
        #expect(received.listKey == "backups\u{06}\u{16}6")
        #expect(received.headers["eta"] == "2026-11-22T19:58:45.868166+00:00")
        #expect(received.headers["expires"] == "2026-11-22T19:59:35.881215+00:00")
        #expect(received.eta.map(CeleryTime.format) == "2026-11-22T19:58:45.868166+00:00")
        #expect(received.expires.map(CeleryTime.format) == "2026-11-22T19:59:35.881215+00:00")
        #expect(received.timeLimit == TimeLimit(hard: .seconds(30), soft: .seconds(20)))
        #expect(received.headers["timelimit"] == [30, 20])  // [hard, soft], as integers like Python's
        #expect(received.ignoreResult)
        #expect(received.headers["ignore_result"] == true)
        #expect(received.rootID == received.id)
        #expect(received.parentID == nil)
        #expect(received.retries == 0)
        #expect(received.properties["correlation_id"] == .string(received.id))
        #expect(received.properties["delivery_mode"] == 2)
        #expect(received.properties["body_encoding"] == "base64")
        #expect(received.headers["argsrepr"] == "['db', 3, 2.5, None, [True]]")
        #expect(received.headers["kwargsrepr"] == "{'full': True, 'note': 'é'}")
        #expect(received.headers["origin"] == .string(TaskMessage.origin))
        #expect(TaskMessage.origin.hasPrefix("gen\(ProcessInfo.processInfo.processIdentifier)@"))
    }

    @Test func countdownAndExpiresInAreMadeAbsoluteByTheClient() throws {
        let before = Date()
        let sent = TaskMessage.make(
            task: "t", options: TaskOptions(countdown: .seconds(10), expiresIn: .seconds(60))
        )
        let after = Date()
        let received = try TaskMessage.decode(sent.encoded())
        #expect(Self.isCeleryTimestamp(received.headers["eta"]))
        #expect(Self.isCeleryTimestamp(received.headers["expires"]))
        let eta = try #require(received.eta)
        let expires = try #require(received.expires)
        // Microsecond rounding may move a value by half a microsecond either way.
        #expect(eta >= before.addingTimeInterval(10 - 1e-6) && eta <= after.addingTimeInterval(10 + 1e-6))
        #expect(expires >= before.addingTimeInterval(60 - 1e-6) && expires <= after.addingTimeInterval(60 + 1e-6))
    }

    @Test func timestampsAlwaysHaveSixFractionalDigits() throws {
        let whole = Date(timeIntervalSince1970: 1_795_377_525)
        let message = TaskMessage.make(
            task: "t", options: TaskOptions(eta: whole, expires: whole.addingTimeInterval(0.5)))
        #expect(message.headers["eta"] == "2026-11-22T19:58:45.000000+00:00")
        #expect(message.headers["expires"] == "2026-11-22T19:58:45.500000+00:00")
    }

    @Test func defaultsAreCeleryDefaults() throws {
        let message = try TaskMessage.decode(TaskMessage.make(task: "tasks.add", args: [2, 3]).encoded())
        #expect(message.headers["lang"] == "py")
        #expect(message.headers["shadow"] == .null)
        #expect(message.headers["eta"] == .null && message.headers["expires"] == .null)
        #expect(message.headers["group"] == .null && message.headers["group_index"] == .null)
        #expect(message.headers["timelimit"] == [nil, nil])
        #expect(message.headers["ignore_result"] == false)
        #expect(message.headers["replaced_task_nesting"] == 0)
        #expect(message.headers["stamped_headers"] == .null)
        #expect(message.headers["stamps"] == [:])
        #expect(message.headers["argsrepr"] == "[2, 3]")  // send_task's list repr
        #expect(message.headers["kwargsrepr"] == "{}")
        #expect(message.queue == "celery" && message.priority == 0 && message.listKey == "celery")
        #expect(message.bodyJSON == WireSpec.body)
    }

    @Test func fractionalTimeLimitsStayFractional() throws {
        let message = TaskMessage.make(task: "t", options: TaskOptions(softTimeLimit: .milliseconds(2500)))
        let received = try TaskMessage.decode(message.encoded())
        #expect(received.headers["timelimit"] == [nil, 2.5])
        #expect(received.timeLimit == TimeLimit(hard: nil, soft: .milliseconds(2500)))
    }

    @Test func headerAndPropertyOrderIsCelerys() throws {
        #expect(Self.capturedHeaderKeys.count == 19)
        let options = TaskOptions(
            queue: "q", priority: 5, countdown: .seconds(1), expiresIn: .seconds(2), softTimeLimit: .seconds(1),
            hardTimeLimit: .seconds(2), ignoreResult: true, taskID: "id"
        )
        for message in [TaskMessage.make(task: "t"), TaskMessage.make(task: "t", options: options)] {
            let received = try TaskMessage.decode(message.encoded())
            #expect(received.headers.keys == Self.capturedHeaderKeys)
            #expect(received.properties.keys == Self.capturedPropertyKeys)
            let envelope = try #require(try JSONValue.parse(message.encoded()).objectValue)
            #expect(envelope.keys == ["body", "content-encoding", "content-type", "headers", "properties"])
        }
    }

    @Test func everyMessageGetsAFreshDeliveryTag() {
        let messages = (0..<1000).map { _ in TaskMessage.make(task: "t", options: TaskOptions(taskID: "same-id")) }
        #expect(Set(messages.map(\.deliveryTag)).count == 1000)
        for message in messages.prefix(10) {
            #expect(message.deliveryTag != message.id)
            #expect(UUID(uuidString: message.deliveryTag) != nil)
            #expect(message.deliveryTag == message.deliveryTag.lowercased())
        }
        // A fresh task id too, when none is given.
        #expect(Set((0..<100).map { _ in TaskMessage.make(task: "t").id }).count == 100)
        // reply_to is the client's oid: one per process, like kombu's app.
        #expect(Set(messages.map { $0.properties["reply_to"] }).count == 1)
    }

    @Test func canvasEmbedAndWorkflowIDsRoundTrip() throws {
        var options = TaskOptions(taskID: "child")
        options.parentID = "parent"
        options.rootID = "root"
        options.group = "g"
        options.groupIndex = 2
        let callback: JSONValue = [
            "task": "tasks.tsum", "args": [], "kwargs": [:], "options": ["task_id": "body"], "subtask_type": nil,
            "immutable": false,
        ]
        let embed: JSONObject = ["callbacks": nil, "errbacks": nil, "chain": [callback], "chord": callback]
        let sent = TaskMessage.make(task: "tasks.add", args: [1], options: options, embed: embed)
        let received = try TaskMessage.decode(sent.encoded())
        #expect(received.parentID == "parent" && received.rootID == "root")
        #expect(received.group == "g" && received.groupIndex == 2)
        #expect(received.embed == embed)
        #expect(received.embed.keys == ["callbacks", "errbacks", "chain", "chord"])
    }

    /// Arguments tagged by kombu (`{"__type__": ..., "__value__": ...}`) go out and come back untouched.
    @Test func typeMarkersInArgumentsPassThrough() throws {
        let marker: JSONValue = ["__type__": "datetime", "__value__": "2026-01-02T03:04:05+00:00"]
        let sent = TaskMessage.make(task: "t", args: [marker], kwargs: ["when": marker])
        #expect(sent.bodyJSON.contains(#"{"__type__": "datetime", "__value__": "2026-01-02T03:04:05+00:00"}"#))
        let received = try TaskMessage.decode(sent.encoded())
        #expect(received.args == [marker] && received.kwargs["when"] == marker)
        #expect(received.encoded() == sent.encoded())
        guard case .datetime(let date)? = received.args[0].celeryTypedValue else {
            Issue.record("the marker is not read as a datetime")
            return
        }
        #expect(CeleryTime.format(date) == "2026-01-02T03:04:05.000000+00:00")
    }

    /// Non-ASCII arguments are escaped in the body (`ensure_ascii`), which is then base64: the envelope is ASCII.
    @Test func bodyIsEnsureASCII() throws {
        let sent = TaskMessage.make(task: "t", args: ["é€😀"])
        #expect(sent.bodyJSON.hasPrefix(#"[["\u00e9\u20ac\ud83d\ude00"], {}, "#))
        #expect(sent.encoded().utf8.allSatisfy { $0 < 0x80 })
        #expect(try TaskMessage.decode(sent.encoded()).args == ["é€😀"])
    }
}
