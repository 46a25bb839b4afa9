import Crypto

/// The signature a ``WebhookSender`` puts on each delivery, and its check.
///
/// The signed text is the timestamp header's value, a dot, and the exact body bytes: `"1764369000." + body`.
/// The signature header carries `sha256=` and the lower-case hex HMAC-SHA256 of that text under the shared secret.
public enum WebhookSignature {
    /// The header carrying the Unix time (seconds) at which the delivery attempt was signed.
    public static let timestampHeader = "X-Celerity-Timestamp"
    /// The header carrying `sha256=<hex HMAC-SHA256 of "timestamp.body">`.
    public static let signatureHeader = "X-Celerity-Signature"
    /// The header naming the event (`invoice.paid`).
    public static let eventHeader = "X-Celerity-Event"
    /// The header carrying the delivery id, the same on every retry (receivers deduplicate on it).
    public static let deliveryHeader = "X-Celerity-Delivery"

    /// The signature header's value for `body` sent at `timestamp` under `secret`.
    public static func sign(body: [UInt8], timestamp: Int, secret: String) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256="
            + code.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }

    /// Whether `signature` is the right one for `body` at `timestamp` (compared in constant time).
    public static func isValid(signature: String, body: [UInt8], timestamp: Int, secret: String) -> Bool {
        let expected = Array(sign(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
