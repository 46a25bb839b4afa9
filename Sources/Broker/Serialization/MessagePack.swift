/// Reads a MessagePack body (Celery `task_serializer='msgpack'`, kombu's `packb(..., use_bin_type=True)`) into
/// JSON values. Every length and count is checked against the bytes left before anything is allocated, and
/// nesting is capped, so a hostile body is refused with a reason; it can never trap or allocate more than the
/// body's own size allows (the body is already capped by the maximum message size).
enum MessagePack {
    /// The deepest nesting accepted, as for JSON.
    static let maxDepth = 512

    /// The single value `bytes` holds; trailing bytes are an error.
    static func decode(_ bytes: [UInt8]) throws(BodyParseError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        let value = try reader.value(depth: 0)
        guard reader.offset == bytes.count else {
            throw reader.failure("\(bytes.count - reader.offset) bytes follow the value")
        }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        func failure(_ reason: String) -> BodyParseError {
            BodyParseError(serializer: "msgpack", reason: reason, offset: offset)
        }

        var remaining: Int { bytes.count - offset }

        mutating func byte() throws(BodyParseError) -> UInt8 {
            guard offset < bytes.count else { throw failure("the body ends inside a value") }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// A big-endian unsigned integer of `width` bytes.
        mutating func unsigned(_ width: Int) throws(BodyParseError) -> UInt64 {
            guard remaining >= width else { throw failure("the body ends inside a \(width)-byte number") }
            var result: UInt64 = 0
            for index in offset..<offset + width { result = result << 8 | UInt64(bytes[index]) }
            offset += width
            return result
        }

        /// A length or count of `width` bytes, which must fit in what is left (`minimumSize` bytes per item).
        mutating func count(_ width: Int, minimumSize: Int = 1) throws(BodyParseError) -> Int {
            // Two statements: in `checked(try unsigned(width), …)` Swift would read `self` (and so `remaining`)
            // before the argument moved `offset` on, and let a length run `width` bytes past the end.
            let count = try unsigned(width)
            return try checked(count, minimumSize: minimumSize)
        }

        func checked(_ count: UInt64, minimumSize: Int) throws(BodyParseError) -> Int {
            guard count <= UInt64(remaining / minimumSize) else {
                throw failure("a length of \(count) runs past the end of the body")
            }
            return Int(count)
        }

        mutating func value(depth: Int) throws(BodyParseError) -> JSONValue {
            let start = offset
            let marker = try byte()
            switch marker {
            case 0x00...0x7F: return .int(Int(marker))
            case 0xE0...0xFF: return .int(Int(Int8(bitPattern: marker)))
            case 0x80...0x8F: return try map(count: checked(UInt64(marker & 0x0F), minimumSize: 2), depth: depth)
            case 0x90...0x9F: return try array(count: checked(UInt64(marker & 0x0F), minimumSize: 1), depth: depth)
            case 0xA0...0xBF: return .string(try string(length: checked(UInt64(marker & 0x1F), minimumSize: 1)))
            case 0xC0: return .null
            case 0xC2: return .bool(false)
            case 0xC3: return .bool(true)
            case 0xCA:
                return try finite(Double(Float(bitPattern: UInt32(truncatingIfNeeded: try unsigned(4)))), at: start)
            case 0xCB: return try finite(Double(bitPattern: try unsigned(8)), at: start)
            case 0xCC: return .int(Int(try unsigned(1)))
            case 0xCD: return .int(Int(try unsigned(2)))
            case 0xCE: return .int(Int(try unsigned(4)))
            case 0xCF:
                let value = try unsigned(8)
                guard value <= UInt64(Int.max) else { throw failure("integer \(value) is larger than 2^63 - 1") }
                return .int(Int(value))
            case 0xD0: return .int(Int(Int8(truncatingIfNeeded: try unsigned(1))))
            case 0xD1: return .int(Int(Int16(truncatingIfNeeded: try unsigned(2))))
            case 0xD2: return .int(Int(Int32(truncatingIfNeeded: try unsigned(4))))
            case 0xD3: return .int(Int(Int64(bitPattern: try unsigned(8))))
            case 0xD9: return .string(try string(length: count(1)))
            case 0xDA: return .string(try string(length: count(2)))
            case 0xDB: return .string(try string(length: count(4)))
            case 0xDC: return try array(count: count(2), depth: depth)
            case 0xDD: return try array(count: count(4), depth: depth)
            case 0xDE: return try map(count: count(2, minimumSize: 2), depth: depth)
            case 0xDF: return try map(count: count(4, minimumSize: 2), depth: depth)
            case 0xC4...0xC6:
                offset = start
                throw failure("binary data (Python bytes) has no JSON form; send str")
            case 0xC7...0xC9, 0xD4...0xD8:
                offset = start
                throw failure("extension type 0x\(String(marker, radix: 16)) is not supported")
            default:
                offset = start
                throw failure("0x\(String(marker, radix: 16)) is not a msgpack type")
            }
        }

        func finite(_ number: Double, at start: Int) throws(BodyParseError) -> JSONValue {
            guard number.isFinite else {
                throw BodyParseError(serializer: "msgpack", reason: "\(number) has no JSON form", offset: start)
            }
            return .double(number)
        }

        mutating func string(length: Int) throws(BodyParseError) -> String {
            let slice = bytes[offset..<offset + length]
            guard let text = String(validating: slice, as: UTF8.self) else { throw failure("string is not UTF-8") }
            offset += length
            return text
        }

        mutating func array(count: Int, depth: Int) throws(BodyParseError) -> JSONValue {
            guard depth < MessagePack.maxDepth else { throw failure("nesting deeper than \(MessagePack.maxDepth) levels") }
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(depth: depth + 1)) }
            return .array(elements)
        }

        mutating func map(count: Int, depth: Int) throws(BodyParseError) -> JSONValue {
            guard depth < MessagePack.maxDepth else { throw failure("nesting deeper than \(MessagePack.maxDepth) levels") }
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(count)
            for _ in 0..<count {
                let keyStart = offset
                guard case .string(let key) = try value(depth: depth + 1) else {
                    offset = keyStart
                    throw failure("map key is not a string")
                }
                members.append((key, try value(depth: depth + 1)))
            }
            return .object(JSONObject(members))
        }
    }
}
