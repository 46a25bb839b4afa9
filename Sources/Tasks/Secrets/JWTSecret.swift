import Crypto
import Foundation

/// New secret values, their fingerprints, and the HS256 sign-and-verify health check.
enum JWTSecret {
    /// 256 bits from the system CSPRNG (`getrandom`), URL-safe base64 without padding (43 characters).
    static func generate() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { base64URL(Data($0)) }
    }

    /// The first 12 hex digits of the value's SHA-256: enough to tell values apart in the rotation log and in
    /// Slack, useless for recovering the value.
    static func fingerprint(_ value: String) -> String {
        String(SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined().prefix(12))
    }

    /// Signs an HS256 JWT with `signingSecret` and verifies it with `verifyingSecret` (the value read back from the
    /// env file), as a service would: true when the service will accept tokens signed with the new value.
    static func signAndVerify(signingSecret: String, verifyingSecret: String, now: Date) -> Bool {
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = base64URL(
            Data(#"{"sub":"celerity-rotation-check","iat":\#(Int(now.timeIntervalSince1970))}"#.utf8))
        let signingInput = Data("\(header).\(payload)".utf8)
        let signature = HMAC<SHA256>.authenticationCode(
            for: signingInput, using: SymmetricKey(data: Data(signingSecret.utf8))
        )
        let token = "\(header).\(payload).\(base64URL(Data(signature)))"
        let parts = token.split(separator: ".")
        guard parts.count == 3, let received = decodeBase64URL(String(parts[2])) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            received, authenticating: Data("\(parts[0]).\(parts[1])".utf8),
            using: SymmetricKey(data: Data(verifyingSecret.utf8))
        )
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
