/// JSON text in Python's `json.dumps` style; the output is always ASCII.
extension TextBuffer {
    /// Appends `value` as JSON.
    package mutating func writeJSON(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): flag ? append("true") : append("false")
        case .int(let number): appendDecimal(number)
        case .double(let number): append(contentsOf: Self.formatJSON(number))
        case .string(let string): writeJSON(string)
        case .array(let elements): writeJSON(elements)
        case .object(let object): writeJSON(object)
        }
    }

    package mutating func writeJSON(_ elements: [JSONValue]) {
        append(UInt8(ascii: "["))
        for index in elements.indices {
            if index > 0 { append(", ") }
            writeJSON(elements[index])
        }
        append(UInt8(ascii: "]"))
    }

    package mutating func writeJSON(_ object: JSONObject) {
        append(UInt8(ascii: "{"))
        let members = object.members
        for index in members.indices {
            if index > 0 { append(", ") }
            writeJSON(members[index].key)
            append(": ")
            writeJSON(members[index].value)
        }
        append(UInt8(ascii: "}"))
    }

    /// Python's `repr(float)`: shortest round trip, `1.0` for integral values, `NaN`/`Infinity`.
    private static func formatJSON(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        return number.description
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// A quoted string; printable ASCII is copied as is, everything else escaped (`ensure_ascii`).
    package mutating func writeJSON(_ string: String) {
        append(UInt8(ascii: "\""))
        var string = string
        let copied = string.withUTF8 { utf8 in
            guard !Words.anyNeedsEscaping(utf8) else { return false }
            append(utf8)
            return true
        }
        if !copied {
            for unit in string.utf16 {
                switch unit {
                case 0x22: append("\\\"")
                case 0x5C: append("\\\\")
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                case 0x08: append("\\b")
                case 0x0C: append("\\f")
                case 0x20..<0x7F: append(UInt8(unit))
                default:
                    append("\\u")
                    let hex = Self.hexDigits.utf8Start
                    append(length: 4) { start in
                        for position in 0..<4 { start[position] = hex[Int(unit >> (12 - 4 * position)) & 0xF] }
                    }
                }
            }
        }
        append(UInt8(ascii: "\""))
    }
}
