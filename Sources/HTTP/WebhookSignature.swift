import Crypto
import Foundation

/// The signature a ``WebhookSender`` puts on each delivery (scheme version 2), and its check.
///
/// - The signed text is `timestamp + "." + event + "." + delivery_id + "." + body` (the exact body bytes), so a
///   receiver that acts on the event or deduplicates on the delivery id acts on signed values only.
/// - The key is per receiver: ``receiverKey(secret:origin:)``, the lower-case hex HMAC-SHA256 of the callback's
///   origin (`https://host:443`) under `CELERITY_WEBHOOK_SECRET`. Each receiver is given only its own key, so one
///   receiver cannot sign deliveries another would accept.
/// - The signature header carries `sha256=` and the lower-case hex HMAC-SHA256 of the signed text under that key;
///   ``versionHeader`` says `2`.
public enum WebhookSignature {
    /// The header carrying the Unix time (seconds) at which the delivery attempt was signed.
    public static let timestampHeader = "X-Celerity-Timestamp"
    /// The header carrying `sha256=<hex HMAC-SHA256 of "timestamp.event.delivery_id.body">`.
    public static let signatureHeader = "X-Celerity-Signature"
    /// The header naming the signature scheme's version (`2`).
    public static let versionHeader = "X-Celerity-Signature-Version"
    /// The version this code signs with.
    public static let version = "2"
    /// The header naming the event (`invoice.paid`).
    public static let eventHeader = "X-Celerity-Event"
    /// The header carrying the delivery id, the same on every retry (receivers deduplicate on it).
    public static let deliveryHeader = "X-Celerity-Delivery"
    /// How far a timestamp may be from the receiver's clock by default (5 minutes).
    public static let defaultTolerance: Duration = .seconds(300)

    /// `scheme://host:port` of `url` (lower-case, the scheme's default port written out, IPv6 in brackets): what
    /// ``receiverKey(secret:origin:)`` is derived from.
    public static func origin(of url: String) -> String {
        let parsed = RedactedURL(url)
        let host = parsed.host.contains(":") ? "[\(parsed.host)]" : parsed.host
        return "\(parsed.scheme)://\(host):\(parsed.effectivePort ?? 0)"
    }

    /// The key a receiver at `origin` verifies with: lower-case hex HMAC-SHA256(secret, origin).
    public static func receiverKey(secret: String, origin: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(origin.utf8), using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// The signature header's value for one delivery attempt under `key` (a ``receiverKey(secret:origin:)``).
    public static func sign(body: [UInt8], timestamp: Int, event: String, deliveryID: String, key: String) -> String {
        var message = Array("\(timestamp).\(event).\(deliveryID).".utf8)
        message.append(contentsOf: body)
        return "sha256=" + hex(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8))))
    }

    /// Whether `signature` is right for this delivery under `key` (compared in constant time) and `timestamp` is
    /// within `tolerance` of `now` (an older one is a replay).
    public static func isValid(
        signature: String, body: [UInt8], timestamp: Int, event: String, deliveryID: String, key: String,
        now: Date = Date(), tolerance: Duration = defaultTolerance
    ) -> Bool {
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= Double(tolerance.components.seconds) else {
            return false
        }
        let expected = Array(sign(body: body, timestamp: timestamp, event: event, deliveryID: deliveryID, key: key).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func hex(_ code: some Sequence<UInt8>) -> String {
        code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
