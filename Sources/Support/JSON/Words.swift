/// Tests on eight bytes at once, for the long runs of plain text in a message. Each answers exactly
/// whether any of the eight bytes qualifies (the classic "has a zero byte" forms; a borrow can only
/// spread above a byte that qualifies itself).
enum Words {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Eight bytes from `offset`, which must leave eight bytes to read.
    static func load(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64 {
        UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self)
    }

    static func any(_ word: UInt64, lessThan limit: UInt8) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highBits != 0
    }

    static func any(_ word: UInt64, equalTo byte: UInt8) -> Bool {
        any(word ^ (ones &* UInt64(byte)), lessThan: 1)
    }

    /// Whether a byte is a quote, a backslash or a control character: where a string's plain text stops.
    static func anyEndsPlainText(_ word: UInt64) -> Bool {
        any(word, lessThan: 0x20) || any(word, equalTo: UInt8(ascii: "\"")) || any(word, equalTo: UInt8(ascii: "\\"))
    }

    /// Whether a string with these UTF-8 bytes has a byte that `json.dumps` escapes: a quote, a backslash,
    /// a control character, DEL or any non-ASCII byte.
    static func anyNeedsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index + 8 <= bytes.count {
            let word = load(bytes, at: index)
            if word & highBits != 0 || anyEndsPlainText(word) || any(word, equalTo: 0x7F) { return true }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return true }
            index += 1
        }
        return false
    }

    /// Whether two byte strings are the same, compared eight bytes at a time.
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var index = 0
        while index + 8 <= a.count {
            if load(a, at: index) != load(b, at: index) { return false }
            index += 8
        }
        while index < a.count {
            if a[index] != b[index] { return false }
            index += 1
        }
        return true
    }
}
