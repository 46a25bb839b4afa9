import Foundation
import Testing

@testable import Broker

/// The envelope around events and control messages (wire spec §9–10).
@Suite struct KombuEnvelopeTests {
    @Test func encodesInKombuOrderAndDecodes() throws {
        let body: JSONValue = ["method": "revoke", "arguments": ["task_id": "t-1", "note": "é"]]
        let raw = KombuEnvelope.encode(body: body, headers: ["hostname": "w@h"], exchange: "celery.pidbox", routingKey: "")
        let envelope = try JSONValue.parse(raw)
        #expect(envelope.objectValue?.keys == ["body", "content-encoding", "content-type", "headers", "properties"])
        // base64.b64encode(json.dumps(body).encode())
        #expect(
            envelope["body"]
                == "eyJtZXRob2QiOiAicmV2b2tlIiwgImFyZ3VtZW50cyI6IHsidGFza19pZCI6ICJ0LTEiLCAibm90ZSI6ICJcdTAwZTkifX0=")
        #expect(envelope["properties"]?.objectValue?.keys == [
            "delivery_mode", "delivery_info", "priority", "body_encoding", "delivery_tag",
        ])
        let tag = try #require(envelope["properties"]?["delivery_tag"]?.stringValue)
        #expect(UUID(uuidString: tag) != nil && tag == tag.lowercased())
        let decoded = try #require(KombuEnvelope.decode(raw))
        #expect(decoded.body == body && decoded.headers == ["hostname": "w@h"])
    }

    @Test func rejectsABodyThatIsNotBase64JSON() {
        let properties = #""properties": {"body_encoding": "base64"}"#
        #expect(KombuEnvelope.decode(#"{"body": "e30", \#(properties)}"#) == nil)  // unpadded
        #expect(KombuEnvelope.decode(#"{"body": "e30=", \#(properties)}"#)?.body == [:])
        #expect(KombuEnvelope.decode(#"{"body": "W10=", "properties": {}}"#) == nil)  // not base64: read as JSON
        #expect(KombuEnvelope.decode(#"{"body": "[]", "properties": {}}"#)?.body == [])
    }
}
