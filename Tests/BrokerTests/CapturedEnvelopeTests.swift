import Foundation
import Testing

@testable import Broker

/// Envelopes exactly as Celery wrote them: the §3.1 capture field by field, then every envelope in the raw captures.
@Suite struct CapturedEnvelopeTests {
    static let taskID = "4df4cc23-a0fc-492e-8514-30f0a18ea17e"

    @Test func topLevelFieldsAndBody() throws {
        let message = try TaskMessage.decode(WireSpec.envelope)
        #expect(message.contentType == "application/json")
        #expect(message.contentEncoding == "utf-8")
        #expect(message.args == [2, 3])
        #expect(message.kwargs == [:])
        #expect(message.embed == ["callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil])
        #expect(message.embed.keys == ["callbacks", "errbacks", "chain", "chord"])
        #expect(message.bodyJSON == WireSpec.body)

        let envelope = try #require(try JSONValue.parse(WireSpec.envelope).objectValue)
        #expect(envelope.keys == ["body", "content-encoding", "content-type", "headers", "properties"])
        let base64 = try #require(envelope["body"]?.stringValue)
        #expect(String(decoding: try #require(Data(base64Encoded: base64)), as: UTF8.self) == WireSpec.body)
    }

    @Test func everyHeader() throws {
        let message = try TaskMessage.decode(WireSpec.envelope)
        // Values and order: JSONObject equality compares members in order.
        let expected: JSONObject = [
            "lang": "py",
            "task": "tasks.add",
            "id": .string(Self.taskID),
            "shadow": nil,
            "eta": nil,
            "expires": nil,
            "group": nil,
            "group_index": nil,
            "retries": 0,
            "timelimit": [nil, nil],
            "root_id": .string(Self.taskID),
            "parent_id": nil,
            "argsrepr": "(2, 3)",
            "kwargsrepr": "{}",
            "origin": "gen9847@vm",
            "ignore_result": false,
            "replaced_task_nesting": 0,
            "stamped_headers": nil,
            "stamps": [:],
        ]
        #expect(message.headers == expected)

        #expect(message.task == "tasks.add")
        #expect(message.id == Self.taskID)
        #expect(message.eta == nil)
        #expect(message.expires == nil)
        #expect(message.group == nil)
        #expect(message.groupIndex == nil)
        #expect(message.retries == 0)
        #expect(message.timeLimit == TimeLimit(hard: nil, soft: nil))
        #expect(message.rootID == Self.taskID)
        #expect(message.parentID == nil)
        #expect(message.ignoreResult == false)
    }

    @Test func everyProperty() throws {
        let message = try TaskMessage.decode(WireSpec.envelope)
        let expected: JSONObject = [
            "correlation_id": .string(Self.taskID),
            "reply_to": "ff528cc7-30ea-3603-93ee-f3c1be987a38",
            "delivery_mode": 2,
            "delivery_info": ["exchange": "", "routing_key": "celery"],
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": "71bd9770-494f-4c70-bfb9-49f9ca12a428",
        ]
        #expect(message.properties == expected)

        #expect(message.deliveryTag == "71bd9770-494f-4c70-bfb9-49f9ca12a428")
        #expect(message.priority == 0)
        #expect(message.queue == "celery")
        #expect(message.listKey == "celery")
    }

    @Test func reencodesByteForByte() throws {
        let message = try TaskMessage.decode(WireSpec.envelope)
        #expect(message.encoded() == WireSpec.envelope)
        // Decoding what we wrote gives the same message again.
        #expect(try TaskMessage.decode(message.encoded()) == message)
    }

    /// What a retry does to a message (wire spec §7): the accessors change values in place, so the
    /// header order, and every other byte, stay as Celery wrote them.
    @Test func editingHeadersKeepsTheirPlace() throws {
        var message = try TaskMessage.decode(WireSpec.envelope)
        message.retries = 1
        let eta: Date = try #require(CeleryTime.parse("2026-11-22T20:02:06.478317+00:00"))
        message.eta = eta
        message.parentID = Self.taskID
        message.deliveryTag = "00000000-0000-4000-8000-000000000000"
        let expected = WireSpec.envelope
            .replacingOccurrences(of: #""retries": 0"#, with: #""retries": 1"#)
            .replacingOccurrences(of: #""eta": null"#, with: #""eta": "2026-11-22T20:02:06.478317+00:00""#)
            .replacingOccurrences(of: #""parent_id": null"#, with: #""parent_id": "\#(Self.taskID)""#)
            .replacingOccurrences(
                of: "71bd9770-494f-4c70-bfb9-49f9ca12a428", with: "00000000-0000-4000-8000-000000000000")
        #expect(message.encoded() == expected)
    }

    /// §3.1's `send_task` variant: `"ignore_result": null` reads as false and is written back as null.
    @Test func sendTaskVariantKeepsNullIgnoreResult() throws {
        let push = try #require(CapturedTraffic.pushes.first { $0.envelope.contains(#""ignore_result": null"#) })
        let message = try TaskMessage.decode(push.envelope)
        #expect(message.headers["ignore_result"] == .null)
        #expect(message.ignoreResult == false)
        #expect(message.headers["argsrepr"] == "[2, 3]")
        #expect(message.encoded() == push.envelope)
    }

    /// §5.3: the worker's `unacked` entry holds the envelope exactly as popped.
    @Test func unackedEntryHoldsTheEnvelope() throws {
        let entry = try #require(try JSONValue.parse(WireSpec.unackedEntry).arrayValue)
        #expect(entry.count == 3)
        #expect(entry[1] == "" && entry[2] == "celery")
        let envelope = entry[0].serialized
        #expect(JSONValue.array(entry).serialized == WireSpec.unackedEntry)
        let message = try TaskMessage.decode(envelope)
        #expect(message.id == "a5dedfec-f7d2-4869-92d1-4ecb394840bd")
        #expect(message.deliveryTag == "96c56895-e616-41b5-ab0a-b00f650edaf0")
        #expect(message.encoded() == envelope)
    }

    // MARK: - Every envelope in the captures

    /// Every task envelope Celery 5.7.0 and 5.5.3 pushed in the captures (countdown, eta, expires, priorities,
    /// named queues, kwargs, time limits, shadow names, retries, groups, chords, chains, restores) decodes,
    /// re-encodes to the same bytes, and maps to the list key Celery pushed it to.
    @Test(arguments: CapturedTraffic.pushes)
    func capturedEnvelopeRoundTrips(push: CapturedPush) throws {
        let message = try TaskMessage.decode(push.envelope)
        #expect(message.encoded() == push.envelope)
        #expect(message.listKey == push.key)
        #expect(!message.deliveryTag.isEmpty)
        #expect(message.properties["body_encoding"] == "base64")
        if push.command == "RPUSH" {
            // A restore marks the message as redelivered (wire spec §5.5).
            #expect(message.headers["redelivered"] == true)
            #expect(message.properties["delivery_info"]?["redelivered"] == true)
        }
    }

    @Test func capturesCoverTheOptionsOfSection3() throws {
        let messages = try CapturedTraffic.pushes.map { try TaskMessage.decode($0.envelope) }
        #expect(messages.count == CapturedTraffic.pushes.count)
        #expect(messages.contains { $0.eta != nil })
        #expect(messages.contains { $0.expires != nil })
        #expect(messages.contains { $0.priority == 9 && $0.listKey == "celery\u{06}\u{16}9" })
        #expect(messages.contains { $0.queue == "backups" && $0.listKey == "backups" })
        #expect(messages.contains { $0.timeLimit.hard != nil || $0.timeLimit.soft != nil })
        #expect(messages.contains { $0.headers["shadow"]?.stringValue != nil })
        #expect(messages.contains { $0.group != nil && $0.groupIndex != nil })
        #expect(messages.contains { $0.retries > 0 && $0.parentID == $0.id })
        #expect(messages.contains { $0.embed["chord"]?.objectValue != nil })
        #expect(messages.contains { $0.embed["chain"]?.arrayValue?.isEmpty == false })
    }

    @Test func capturedEtaAndExpiresReadAsUTCInstants() throws {
        let countdown = try TaskMessage.decode(CapturedTraffic.pushes[2].envelope)
        #expect(countdown.headers["eta"] == "2026-11-22T19:58:45.868166+00:00")
        let eta = try #require(countdown.eta)
        #expect(CeleryTime.format(eta) == "2026-11-22T19:58:45.868166+00:00")
        #expect(abs(eta.timeIntervalSince1970 - 1_795_377_525.868166) < 0.000_001)

        let expiring = try TaskMessage.decode(CapturedTraffic.pushes[4].envelope)
        #expect(expiring.expires.map(CeleryTime.format) == "2026-11-22T19:59:35.881215+00:00")
    }
}
