#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The envelope kombu wraps around every non-task message on Redis (events, control commands and
/// their replies, wire spec §9–10): a base64 JSON body plus headers and AMQP-style properties.
package enum KombuEnvelope {
    /// Encodes `body` in an envelope routed to `exchange`/`routingKey`.
    package static func encode(
        body: JSONValue, headers: JSONObject, exchange: String, routingKey: String, deliveryMode: Int = 1
    ) -> String {
        var bodyJSON = TextBuffer(capacity: 256)
        bodyJSON.writeJSON(body)
        let envelope: JSONObject = [
            "body": .string(bodyJSON.withBytes(Base64.encode)),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": .object(headers),
            "properties": [
                "delivery_mode": .int(deliveryMode),
                "delivery_info": ["exchange": .string(exchange), "routing_key": .string(routingKey)],
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": .string(RandomID.uuidString()),
            ],
        ]
        return JSONValue.object(envelope).serialized
    }

    /// The decoded body and the headers of an envelope, or `nil` when it is not one.
    package static func decode(_ raw: String) -> (body: JSONValue, headers: JSONObject)? {
        guard let envelope = try? JSONValue.parse(raw), let bodyText = envelope["body"]?.stringValue else { return nil }
        let headers = envelope["headers"]?.objectValue ?? [:]
        if envelope["properties"]?["body_encoding"]?.stringValue == "base64" {
            guard let bytes = Base64.decode(bodyText), let body = try? JSONValue.parse(bytes: bytes) else { return nil }
            return (body, headers)
        }
        guard let body = try? JSONValue.parse(bodyText) else { return nil }
        return (body, headers)
    }
}
