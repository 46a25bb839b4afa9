import Support
import Foundation

/// A query parameter. Sent separately from the SQL (`PQexecParams`), never spliced into it.
///
/// `nil` in a parameter array is SQL `NULL`. Literals work: `["alice", 42, true, nil]`.
public enum PostgresValue: Sendable, Hashable {
    /// Text (no NUL characters: PostgreSQL text cannot hold them; use ``bytes(_:)``).
    case text(String)
    /// An integer (`int2`, `int4`, `int8`).
    case int(Int)
    /// A floating-point number (`float8`).
    case double(Double)
    /// An exact number (`numeric`).
    case decimal(Decimal)
    /// A boolean.
    case bool(Bool)
    /// An instant (`timestamptz`), sent in UTC with microseconds.
    case timestamp(Date)
    /// Raw bytes (`bytea`), sent in binary.
    case bytes([UInt8])
    /// A JSON document (`json`, `jsonb`).
    case json(JSONValue)

    /// The text form sent to the server, or `nil` for ``bytes(_:)`` (sent in binary).
    var text: String? {
        switch self {
        case .text(let value): return value
        case .int(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
            return "\(value)"
        case .decimal(let value): return value.description
        case .bool(let value): return value ? "true" : "false"
        case .timestamp(let value): return PostgresTime.format(value)
        case .bytes: return nil
        case .json(let value): return value.serialized
        }
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral
{
    /// A text parameter from a literal.
    public init(stringLiteral value: String) { self = .text(value) }
    /// An integer parameter from a literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A boolean parameter from a literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A floating-point parameter from a literal.
    public init(floatLiteral value: Double) { self = .double(value) }
}
