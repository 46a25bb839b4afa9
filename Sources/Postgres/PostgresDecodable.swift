import Support
import Foundation

/// A Swift type a column's text value decodes into: `Int`, `Int64`, `Int32`, `String`, `Bool`, `Double`,
/// `Decimal`, `Date`, `[UInt8]` (bytea), `JSONValue` (json, jsonb).
public protocol PostgresDecodable: Sendable {
    /// Decodes the text form of a non-NULL value; `nil` when it does not fit.
    static func decode(postgresText text: String) -> Self?
}

extension Int: PostgresDecodable {
    /// Decodes `int2`, `int4`, `int8` (and any integer text).
    public static func decode(postgresText text: String) -> Int? { Int(text) }
}

extension Int64: PostgresDecodable {
    /// Decodes `int8`.
    public static func decode(postgresText text: String) -> Int64? { Int64(text) }
}

extension Int32: PostgresDecodable {
    /// Decodes `int4`.
    public static func decode(postgresText text: String) -> Int32? { Int32(text) }
}

extension String: PostgresDecodable {
    /// Any column's text form, unchanged (exact for `numeric`).
    public static func decode(postgresText text: String) -> String? { text }
}

extension Bool: PostgresDecodable {
    /// Decodes `bool` (`t`/`f`).
    public static func decode(postgresText text: String) -> Bool? {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }
}

extension Double: PostgresDecodable {
    /// Decodes `float4`, `float8` (and `numeric`, inexactly).
    public static func decode(postgresText text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }
}

extension Decimal: PostgresDecodable {
    /// Decodes `numeric` exactly (up to 38 significant digits; use `String` beyond).
    public static func decode(postgresText text: String) -> Decimal? {
        guard text != "NaN", let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            return nil
        }
        return value
    }
}

extension Date: PostgresDecodable {
    /// Decodes `timestamptz`, `timestamp` (taken as UTC) and `date` (midnight UTC).
    public static func decode(postgresText text: String) -> Date? { PostgresTime.parse(text) }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// Decodes `bytea` in hex form (`\x0102…`).
    public static func decode(postgresText text: String) -> [UInt8]? {
        let hex = Array(text.utf8)
        guard hex.count >= 2, hex[0] == 92, hex[1] == 120, hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((hex.count - 2) / 2)
        var index = 2
        while index < hex.count {
            guard let high = nibble(hex[index]), let low = nibble(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
}

extension JSONValue: PostgresDecodable {
    /// Decodes `json` and `jsonb`.
    public static func decode(postgresText text: String) -> JSONValue? { try? JSONValue.parse(text) }
}
