/// A JSON value that keeps what Celery's Python side puts on the wire: object key order,
/// the difference between integers and floats, and unknown fields, so a message can be
/// decoded and re-encoded without changing a byte that matters.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object whose keys keep their insertion order, as Python's `dict` does.
public struct JSONObject: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    /// The members in order.
    public private(set) var members: [Member]

    /// One key and its value.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// An empty object.
    public init() {
        self.members = []
    }

    /// An object with these members, in this order; a repeated key keeps its first position and takes
    /// the last value, as in a Python `dict` literal.
    public init(_ members: [(String, JSONValue)]) {
        var builder = Builder(capacity: members.count)
        for (key, value) in members { builder.add(key, value) }
        self = builder.object
    }

    /// Builds an object member by member, as a Python `dict` literal or `json.loads` does: a repeated
    /// key keeps its first position and takes the last value. It remembers a 128-bit filter of the keys it has
    /// seen (by length and last byte), so a key that is new to the filter is appended without searching the
    /// members for it; a message's 19 header keys then search 3 times (by length alone: 6).
    struct Builder {
        private(set) var object = JSONObject()
        private var seen: (low: UInt64, high: UInt64) = (0, 0)

        init(capacity: Int) {
            object.members.reserveCapacity(capacity)
        }

        mutating func add(_ key: consuming String, _ value: consuming JSONValue) {
            let utf8 = key.utf8
            let last = utf8.withContiguousStorageIfAvailable { $0.last ?? 0 } ?? utf8.last ?? 0
            let slot = (utf8.count &* 31 &+ Int(last)) & 127
            let bit: UInt64 = 1 << (slot & 63)
            let known = slot < 64 ? seen.low & bit != 0 : seen.high & bit != 0
            if known, let index = object.position(of: key) {
                object.members[index].value = value
                return
            }
            if slot < 64 { seen.low |= bit } else { seen.high |= bit }
            // Past 8 members (a message's headers have 19), one step to 32 rather than two doublings.
            if object.members.count == 8, object.members.capacity == 8 { object.members.reserveCapacity(32) }
            object.members.append(Member(key: key, value: value))
        }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The value for `key` (compared by code points, as Python does), or `nil`. Setting a new key appends it;
    /// setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let index = position(of: key) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Where `key` is. Keys are equal when their code points are, as in a Python `dict` (Swift's `==` would
    /// also merge canonically equivalent keys such as "é" and "e\u{301}", which Python keeps apart), so their
    /// UTF-8 bytes are compared, those of the same length only: keys mostly differ in length.
    private func position(of key: String) -> Int? {
        let length = key.utf8.count
        return members.withUnsafeBufferPointer { members in
            for index in members.indices where members[index].key.utf8.count == length {
                if Self.sameBytes(members[index].key, key) { return index }
            }
            return nil
        }
    }

    /// Whether two strings have the same UTF-8 bytes (read in place, eight at a time).
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        let same = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in Words.equal(a, b) }
        }
        return (same ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an integer (or a float with no fractional part).
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object, or `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}
