/// Standard base64 (RFC 4648 §4: `+` and `/`, `=` padding), as Python's `base64.b64encode` writes
/// a message body; over bytes, without going through `Data` and back.
enum Base64 {
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// The length of the base64 text of `count` bytes.
    static func encodedLength(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// `bytes` as base64 text.
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard !bytes.isEmpty else { return "" }
        let length = encodedLength(bytes.count)
        return String(unsafeUninitializedCapacity: length) { output in
            encode(bytes, into: output.baseAddress!)
            return length
        }
    }

    /// Writes the base64 text of `bytes`, ``encodedLength(_:)`` bytes, from `output` on.
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) {
        let alphabet = Self.alphabet.utf8Start
        var from = 0
        var to = 0
        while bytes.count - from >= 3 {
            let group = UInt32(bytes[from]) << 16 | UInt32(bytes[from + 1]) << 8 | UInt32(bytes[from + 2])
            output[to] = alphabet[Int(group >> 18)]
            output[to + 1] = alphabet[Int(group >> 12 & 0x3F)]
            output[to + 2] = alphabet[Int(group >> 6 & 0x3F)]
            output[to + 3] = alphabet[Int(group & 0x3F)]
            from += 3
            to += 4
        }
        let rest = bytes.count - from
        guard rest > 0 else { return }
        let group = UInt32(bytes[from]) << 16 | (rest == 2 ? UInt32(bytes[from + 1]) << 8 : 0)
        output[to] = alphabet[Int(group >> 18)]
        output[to + 1] = alphabet[Int(group >> 12 & 0x3F)]
        output[to + 2] = rest == 2 ? alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "=")
        output[to + 3] = UInt8(ascii: "=")
    }

    /// The bytes `text` encodes, or `nil` when it is not padded standard base64: the length must be a
    /// multiple of 4, with `=` only as the last one or two characters, and nothing outside the alphabet
    /// (no white space, no URL-safe `-` `_`). Unused low bits of the last character may be set, as
    /// Python and Foundation allow.
    static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { input -> [UInt8]? in
            guard input.count % 4 == 0 else { return nil }
            guard input.count > 0 else { return [] }
            let padding =
                input[input.count - 1] != UInt8(ascii: "=") ? 0 : input[input.count - 2] != UInt8(ascii: "=") ? 1 : 2
            var valid = true
            let bytes = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 - padding) { output, count in
                valid = decodingTable.withUnsafeBufferPointer { table in
                    // Every group but the last: four characters, three bytes; a character outside the alphabet has
                    // the high bit set in the table, so one test per group finds it.
                    var from = 0
                    var to = 0
                    while from + 4 < input.count {
                        let a = table[Int(input[from])], b = table[Int(input[from + 1])]
                        let c = table[Int(input[from + 2])], d = table[Int(input[from + 3])]
                        guard (a | b | c | d) & 0x80 == 0 else { return false }
                        let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                        output[to] = UInt8(truncatingIfNeeded: group >> 16)
                        output[to + 1] = UInt8(truncatingIfNeeded: group >> 8)
                        output[to + 2] = UInt8(truncatingIfNeeded: group)
                        to += 3
                        from += 4
                    }
                    // The last group, with its padding.
                    let a = table[Int(input[from])], b = table[Int(input[from + 1])]
                    let c = padding == 2 ? 0 : table[Int(input[from + 2])], d = padding >= 1 ? 0 : table[Int(input[from + 3])]
                    guard (a | b | c | d) & 0x80 == 0 else { return false }
                    let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    output[to] = UInt8(truncatingIfNeeded: group >> 16)
                    if padding < 2 { output[to + 1] = UInt8(truncatingIfNeeded: group >> 8) }
                    if padding < 1 { output[to + 2] = UInt8(truncatingIfNeeded: group) }
                    count = to + 3 - padding
                    return true
                }
                if !valid { count = 0 }
            }
            return valid ? bytes : nil
        }
    }

    /// The 6-bit value of each byte as a base64 character; 0x80 for `=` and anything outside the alphabet.
    private static let decodingTable: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt8(byte) &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt8(byte) &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return 0x80
        }
    }
}
