/// A Redis reply, copied out of hiredis into Swift memory.
public enum RedisReply: Sendable, Hashable {
    /// A status reply such as `OK` or `QUEUED`.
    case status(String)
    /// An error reply such as `WRONGTYPE Operation against a key holding the wrong kind of value`.
    case error(String)
    case integer(Int)
    /// A bulk string (binary safe).
    case bulk([UInt8])
    /// A nil bulk or nil array.
    case null
    case array([RedisReply])
}

extension RedisReply {
    /// The text of a bulk or status reply.
    public var string: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    /// The value of an integer reply, or of a bulk reply holding a decimal number.
    public var integer: Int? {
        switch self {
        case .integer(let value): return value
        case .bulk(let bytes): return Int(String(decoding: bytes, as: UTF8.self))
        default: return nil
        }
    }

    /// The elements of an array reply (an empty array for `null`).
    public var array: [RedisReply]? {
        switch self {
        case .array(let elements): return elements
        case .null: return []
        default: return nil
        }
    }

    /// Whether this is a nil reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
