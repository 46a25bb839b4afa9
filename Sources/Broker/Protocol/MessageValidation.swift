#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The limits every decoded message is held to (docs/reliability.md, "Limits"). A value from outside is
/// checked here, once, before any handler, script, channel or metric sees it.
public enum MessageLimits {
    /// The largest envelope decoded by default: 16 MiB (`CELERITY_MAX_MESSAGE_BYTES`).
    public static let defaultMaxBytes = 16 << 20
    /// The longest task, root, parent or group id, in UTF-8 bytes.
    public static let maxIDBytes = 255
    /// The longest queue name (routing key), in UTF-8 bytes.
    public static let maxQueueBytes = 255
    /// How far in the past or future an `eta` or `expires` may be: 100 years.
    public static let maxDateOffset: TimeInterval = 100 * 365.25 * 86400
    /// The largest `retries` count: a non-negative 32-bit integer.
    public static let maxRetries = Int(Int32.max)
    /// Key prefixes a routing key must not start with: Celerity's own keys, results, kombu's bindings.
    public static let reservedKeyPrefixes = ["celerity:", "celery-task-meta-", "celery-taskset-meta-", "_kombu.", "unacked"]
    /// How long `argsrepr` / `kwargsrepr` may be, in characters, as Celery truncates them.
    public static let maxReprCharacters = 1024
    /// How much of an oversized envelope the dead-letter queue keeps.
    public static let excerptBytes = 2048

    /// Why `text` is not an acceptable id, or `nil` when it is: 1–255 bytes, no control characters.
    public static func idProblem(_ text: String) -> String? {
        if text.isEmpty { return "is empty" }
        if text.utf8.count > maxIDBytes { return "is \(text.utf8.count) bytes long; at most \(maxIDBytes) are accepted" }
        if !isPrintableASCII(text), text.unicodeScalars.contains(where: isControl) { return "contains a control character" }
        return nil
    }

    /// Why `queue` cannot be a routing key, or `nil`: it must not name one of Celerity's or kombu's own keys.
    public static func queueProblem(_ queue: String) -> String? {
        if queue.isEmpty { return "is empty" }
        if queue.utf8.count > maxQueueBytes { return "is \(queue.utf8.count) bytes long; at most \(maxQueueBytes) are accepted" }
        if !isPrintableASCII(queue), queue.unicodeScalars.contains(where: { isControl($0) && $0 != "\u{06}" && $0 != "\u{16}" }) {
            return "contains a control character"
        }
        if let prefix = reservedKeyPrefixes.first(where: { queue.hasPrefix($0) }) {
            return "names a Redis key that is not a queue (prefix \(prefix))"
        }
        return nil
    }

    /// Up to ``excerptBytes`` of an oversized envelope, from its headers when they are in its last 64 KiB (kombu
    /// writes the body first), else from its start; never the whole message.
    public static func excerpt(of raw: String) -> String {
        let bytes = Array(raw.utf8)
        let marker = Array("\"headers\"".utf8)
        var start = 0
        // Only the last 64 KiB are searched: kombu writes the headers after the body, and a message over the cap
        // must not cost a scan of all its bytes.
        if bytes.count >= marker.count {
            let lowest = max(0, bytes.count - 65_536)
            for at in stride(from: bytes.count - marker.count, through: lowest, by: -1)
            where bytes[at] == marker[0] && bytes[at..<at + marker.count].elementsEqual(marker) {
                start = at
                break
            }
        }
        let end = min(bytes.count, start + excerptBytes)
        return String(decoding: bytes[start..<end], as: UTF8.self) + (end == bytes.count ? "" : "…")
    }

    /// Whether every byte of `text` is printable ASCII (0x20–0x7E), so it has no control character: the ids of
    /// nearly every message, checked without decoding scalars.
    static func isPrintableASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}

extension TaskMessage {
    /// Checks every header and property a worker acts on; the first problem found, naming its field, or `nil`.
    static func validationProblem(headers: JSONObject, properties: JSONObject, now: Date) -> (field: String, problem: String)? {
        for field in ["id", "root_id", "parent_id", "group"] {
            switch headers[field] {
            case nil, .null?: if field == "id" { return ("headers.id", "is missing") }
            case .string(let text)?: if let problem = MessageLimits.idProblem(text) { return ("headers.\(field)", problem) }
            case let other?: return ("headers.\(field)", "is \(other.kind), not a string")
            }
        }
        if let problem = timeLimitProblem(headers["timelimit"]) { return ("headers.timelimit", problem) }
        for field in ["eta", "expires"] {
            switch headers[field] {
            case nil, .null?: break
            case .string(let text)?:
                guard let date = CeleryTime.parse(text) else { return ("headers.\(field)", "\"\(text.prefix(64))\" is not an ISO-8601 time") }
                if abs(date.timeIntervalSince(now)) > MessageLimits.maxDateOffset {
                    return ("headers.\(field)", "\(text.prefix(64)) is more than 100 years from now")
                }
            case let other?: return ("headers.\(field)", "is \(other.kind), not a time")
            }
        }
        switch headers["retries"] {
        case nil, .null?: break
        case .int(let count)? where (0...MessageLimits.maxRetries).contains(count): break
        case let other?: return ("headers.retries", "is \(other.serialized.prefix(64)); must be an integer in 0…\(MessageLimits.maxRetries)")
        }
        if case .string(let queue)? = properties["delivery_info"]?["routing_key"], let problem = MessageLimits.queueProblem(queue) {
            return ("properties.delivery_info.routing_key", problem)
        }
        return nil
    }

    /// `timelimit` is `null` or `[hard, soft]`, each `null`, 0 (Celery's "not set") or a number of seconds in (0, 10⁷].
    private static func timeLimitProblem(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: return nil
        case .array(let pair)? where pair.count <= 2:
            for (index, member) in pair.enumerated() {
                let name = index == 0 ? "hard" : "soft"
                switch member {
                case .null: continue
                case .int(let seconds) where seconds == 0 || (1...Int(MessageLimits.longestSeconds)).contains(seconds): continue
                case .double(let seconds) where seconds == 0 || (seconds > 0 && Duration(checkedSeconds: seconds) != nil): continue
                default:
                    return "\(name) limit \(member.serialized.prefix(64)) is not a number of seconds in (0, \(Int(MessageLimits.longestSeconds))]"
                }
            }
            return nil
        case let other?: return "is \(other.serialized.prefix(64)); expected [hard, soft]"
        }
    }
}

extension MessageLimits {
    /// The longest time limit accepted, in seconds (10⁷).
    public static let longestSeconds = Duration.longestAcceptedSeconds
}

extension JSONValue {
    /// The JSON type's name, for error messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
