/// Scalars for ``SafeYAML``: plain ones resolved as PyYAML's safe loader does, quoted ones unescaped and folded.
extension YAMLReader {
    /// The scalar (or empty flow collection) at the cursor. A key ends at `": "` on its own line; a plain value
    /// continues on following lines indented more than `parentIndent`, folded as YAML does.
    mutating func scalar(parentIndent: Int, isKey: Bool) throws(BodyParseError) -> JSONValue {
        switch peek() {
        case UInt8(ascii: "'")?: return .string(try quoted(double: false))
        case UInt8(ascii: "\"")?: return .string(try quoted(double: true))
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let close: UInt8 = peek() == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
            let isArray = close == UInt8(ascii: "]")
            offset += 1
            skipSpaces()
            guard peek() == close else { throw failure("a non-empty flow collection is not supported") }
            offset += 1
            return isArray ? .array([]) : .object(JSONObject())
        default:
            let start = offset
            let text = try plain(parentIndent: parentIndent, isKey: isKey)
            let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
            guard ![".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"].contains(unsigned) else {
                offset = start
                throw failure("\(text) (infinity or NaN) has no JSON form")
            }
            return Self.resolve(text)
        }
    }

    /// The text of a plain scalar, its continuation lines folded (one break: a space; n blank lines: n breaks).
    mutating func plain(parentIndent: Int, isKey: Bool) throws(BodyParseError) -> String {
        var text: [UInt8] = []
        var pendingBreaks = -1  // -1: first line
        while true {
            let start = offset
            while let byte = peek(), byte != 0x0A, byte != 0x0D {
                if byte == UInt8(ascii: ":"), isBreakOrSpace(1) { break }
                if byte == UInt8(ascii: "#"), offset > start, bytes[offset - 1] == 0x20 { break }
                offset += 1
            }
            var end = offset
            while end > start, bytes[end - 1] == 0x20 { end -= 1 }
            if pendingBreaks > 0 {
                text += pendingBreaks == 1 ? [0x20] : Array(repeating: 0x0A, count: pendingBreaks - 1)
            }
            text += bytes[start..<end]
            guard !isKey, peek() != UInt8(ascii: ":"), peek() != UInt8(ascii: "#") else { break }
            // A continuation line: indented more than the parent and not a document marker.
            let save = (offset, lineStart)
            var breaks = 0
            while true {
                skipSpaces()
                if peek() == 0x0D { offset += 1 }
                guard peek() == 0x0A else { break }
                offset += 1
                lineStart = offset
                breaks += 1
            }
            let isMarker = column == 0 && bytes.count - offset >= 3
                && (bytes[offset..<offset + 3].elementsEqual("---".utf8) || bytes[offset..<offset + 3].elementsEqual("...".utf8))
            guard breaks > 0, !atEnd, column > parentIndent, !isMarker else {
                (offset, lineStart) = save
                break
            }
            pendingBreaks = breaks
        }
        guard let string = String(validating: text, as: UTF8.self) else { throw failure("text is not UTF-8") }
        return string
    }

    /// A single- or double-quoted scalar's text, escapes undone and line breaks folded.
    mutating func quoted(double: Bool) throws(BodyParseError) -> String {
        let quote = bytes[offset]
        offset += 1
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw failure("a quoted scalar is not closed") }
            switch byte {
            case quote where !double && peek(1) == quote:
                text.append(quote)
                offset += 2
            case quote:
                offset += 1
                guard let string = String(validating: text, as: UTF8.self) else { throw failure("text is not UTF-8") }
                return string
            case UInt8(ascii: "\\") where double:
                if peek(1) == 0x0A || peek(1) == 0x0D {  // an escaped line break: joined without a space
                    offset += 1
                    _ = foldBreaks()
                    while peek() == 0x20 || peek() == 0x09 { offset += 1 }
                } else {
                    try escape(into: &text)
                }
            case 0x0A, 0x0D, 0x20, 0x09:
                let start = offset
                while peek() == 0x20 || peek() == 0x09 { offset += 1 }
                guard peek() == 0x0A || peek() == 0x0D else {
                    text += bytes[start..<offset]
                    continue
                }
                let breaks = foldBreaks()
                while peek() == 0x20 || peek() == 0x09 { offset += 1 }
                text += breaks == 1 ? [0x20] : Array(repeating: 0x0A, count: breaks - 1)
            default:
                text.append(byte)
                offset += 1
            }
        }
    }

    /// Consumes the line break at the cursor (LF, CRLF or a lone CR) and any blank lines after it; the number of
    /// breaks, at least 1.
    private mutating func foldBreaks() -> Int {
        var breaks = 0
        while true {
            if peek() == 0x0D {
                offset += peek(1) == 0x0A ? 2 : 1
            } else if peek() == 0x0A {
                offset += 1
            } else {
                return max(breaks, 1)
            }
            lineStart = offset
            breaks += 1
            let save = offset
            while peek() == 0x20 || peek() == 0x09 { offset += 1 }
            if peek() != 0x0A && peek() != 0x0D { offset = save; return breaks }
        }
    }

    /// A double-quoted scalar's escape at the cursor (`\n`, `\xE9`, `\u00e9`, …), appended as UTF-8.
    private mutating func escape(into text: inout [UInt8]) throws(BodyParseError) {
        guard let code = peek(1) else { throw failure("a quoted scalar is not closed") }
        offset += 2
        let simple: [UInt8: UInt32] = [
            UInt8(ascii: "0"): 0, UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "t"): 9, 0x09: 9,
            UInt8(ascii: "n"): 10, UInt8(ascii: "v"): 11, UInt8(ascii: "f"): 12, UInt8(ascii: "r"): 13,
            UInt8(ascii: "e"): 27, 0x20: 0x20, UInt8(ascii: "\""): 0x22, UInt8(ascii: "/"): 0x2F,
            UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "N"): 0x85, UInt8(ascii: "_"): 0xA0, UInt8(ascii: "L"): 0x2028,
            UInt8(ascii: "P"): 0x2029,
        ]
        let hexDigits: [UInt8: Int] = [UInt8(ascii: "x"): 2, UInt8(ascii: "u"): 4, UInt8(ascii: "U"): 8]
        var scalarValue: UInt32
        if let value = simple[code] {
            scalarValue = value
        } else if let count = hexDigits[code] {
            guard bytes.count - offset >= count else { throw failure("a \\\(Character(Unicode.Scalar(code))) escape is cut short") }
            guard let value = UInt32(String(decoding: bytes[offset..<offset + count], as: UTF8.self), radix: 16) else {
                throw failure("a \\\(Character(Unicode.Scalar(code))) escape has a non-hex digit")
            }
            scalarValue = value
            offset += count
        } else {
            offset -= 1
            throw failure("unknown escape \\\(Character(Unicode.Scalar(code)))")
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw failure("escape U+\(String(scalarValue, radix: 16)) is not a character") }
        text += Array(String(Character(scalar)).utf8)
    }

    /// A plain scalar's value under PyYAML's safe resolver: null, bool, int, float, else the string.
    static func resolve(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        default: break
        }
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        if let integer = resolveInteger(digits.filter { $0 != "_" }[...], negative: negative), digits.first != "_" {
            return .int(integer)
        }
        if isFloat(digits), let number = Double(text.filter { $0 != "_" }), number.isFinite {
            return .double(number)
        }
        return .string(text)
    }

    private static func resolveInteger(_ digits: Substring, negative: Bool) -> Int? {
        let radix: Int
        let body: Substring
        if digits.hasPrefix("0x") { (radix, body) = (16, digits.dropFirst(2)) }
        else if digits.hasPrefix("0b") { (radix, body) = (2, digits.dropFirst(2)) }
        else if digits.hasPrefix("0o") { (radix, body) = (8, digits.dropFirst(2)) }
        else if digits.count > 1, digits.hasPrefix("0") { (radix, body) = (8, digits.dropFirst()) }
        else { (radix, body) = (10, digits) }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        return Int(negative ? "-" + body : String(body), radix: radix)
    }

    /// PyYAML's float pattern: `[0-9][0-9_]*.[0-9_]*([eE][-+][0-9]+)?` or `.[0-9_]+(...)`, after the sign.
    private static func isFloat(_ text: Substring) -> Bool {
        guard let dot = text.firstIndex(of: ".") else { return false }
        let whole = text[..<dot]
        var fraction = text[text.index(after: dot)...]
        if let e = fraction.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let exponent = fraction[fraction.index(after: e)...]
            guard let sign = exponent.first, sign == "-" || sign == "+", exponent.count > 1,
                exponent.dropFirst().allSatisfy(\.isWholeNumber)
            else { return false }
            fraction = fraction[..<e]
        }
        let digitsOrUnderscore: (Character) -> Bool = { $0 == "_" || ($0.isASCII && $0.isWholeNumber) }
        if whole.isEmpty { return !fraction.isEmpty && fraction.allSatisfy(digitsOrUnderscore) }
        return whole.first!.isWholeNumber && whole.allSatisfy(digitsOrUnderscore) && fraction.allSatisfy(digitsOrUnderscore)
    }
}
