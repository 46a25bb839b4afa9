/// Python `repr()` of JSON values, for Celery's display-only `argsrepr` / `kwargsrepr` headers
/// and for exception text shown by Python clients.
public enum PythonRepr {
    package static func args(_ args: [JSONValue]) -> String {
        repr(.array(args))
    }

    package static func kwargs(_ kwargs: JSONObject) -> String {
        repr(.object(kwargs))
    }

    public static func repr(_ value: JSONValue) -> String {
        var text = TextBuffer(capacity: 64)
        text.writeRepr(value)
        return text.text
    }
}

extension TextBuffer {
    /// Appends `value` as Python's `repr()` writes it.
    mutating func writeRepr(_ value: JSONValue) {
        switch value {
        case .null: append("None")
        case .bool(let flag): flag ? append("True") : append("False")
        case .int(let number): appendDecimal(number)
        case .double(let number):
            if number.isNaN {
                append("nan")
            } else if number.isInfinite {
                number < 0 ? append("-inf") : append("inf")
            } else {
                append(contentsOf: number.description)
            }
        case .string(let text): writeRepr(string: text)
        case .array(let elements):
            append(UInt8(ascii: "["))
            for index in elements.indices {
                if index > 0 { append(", ") }
                writeRepr(elements[index])
            }
            append(UInt8(ascii: "]"))
        case .object(let object):
            append(UInt8(ascii: "{"))
            let members = object.members
            for index in members.indices {
                if index > 0 { append(", ") }
                writeRepr(string: members[index].key)
                append(": ")
                writeRepr(members[index].value)
            }
            append(UInt8(ascii: "}"))
        }
    }

    /// A Python string literal: single quotes unless the text holds a single quote and no double quote.
    /// Backslash, `\n`, `\r`, `\t` and the quote are escaped, one character (grapheme) at a time, so a
    /// CR LF pair, or a quote or backslash carrying a combining mark, stays as it is.
    private mutating func writeRepr(string text: String) {
        var text = text
        let written = text.withUTF8 { utf8 in
            guard utf8.allSatisfy({ $0 < 0x80 }) else { return false }
            writeASCIIRepr(utf8)
            return true
        }
        guard !written else { return }
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        append(contentsOf: String(quote))
        for character in text {
            switch character {
            case "\\": append(#"\\"#)
            case "\n": append(#"\n"#)
            case "\r": append(#"\r"#)
            case "\t": append(#"\t"#)
            case quote: quote == "'" ? append(#"\'"#) : append(#"\""#)
            default: append(contentsOf: String(character))
            }
        }
        append(contentsOf: String(quote))
    }

    /// The same for ASCII text, byte by byte: its only character of two bytes is CR LF.
    private mutating func writeASCIIRepr(_ utf8: UnsafeBufferPointer<UInt8>) {
        let quote =
            utf8.contains(UInt8(ascii: "'")) && !utf8.contains(UInt8(ascii: "\"")) ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        append(quote)
        var plain = 0  // start of the run of bytes not yet appended
        var index = 0
        func flush(_ end: Int) {
            append(UnsafeBufferPointer(rebasing: utf8[plain..<end]))
        }
        while index < utf8.count {
            let byte = utf8[index]
            let escape: StaticString
            switch byte {
            case UInt8(ascii: "\\"): escape = #"\\"#
            case UInt8(ascii: "\n"): escape = #"\n"#
            case UInt8(ascii: "\r"):
                if index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "\n") {
                    index += 2  // CR LF is one character, which is none of the escaped ones
                    continue
                }
                escape = #"\r"#
            case UInt8(ascii: "\t"): escape = #"\t"#
            case quote: escape = quote == UInt8(ascii: "'") ? #"\'"# : #"\""#
            default:
                index += 1
                continue
            }
            flush(index)
            append(escape)
            index += 1
            plain = index
        }
        flush(utf8.count)
        append(quote)
    }
}
