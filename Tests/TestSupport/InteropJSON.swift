import Foundation

/// A JSON value exchanged with the Python Celery tools: task arguments going in, results coming out.
///
/// Literals make test code short: `let args: [InteropJSON] = [2, 3]`, `#expect(outcome.result == 5)`.
public enum InteropJSON: Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without a fraction that fits in `Int`.
    case int(Int)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([InteropJSON])
    /// An object.
    case object([String: InteropJSON])

    /// Creates `null`.
    public init(nilLiteral: ()) { self = .null }
    /// Creates a boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates an integer.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// Creates a floating-point number.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates an array.
    public init(arrayLiteral elements: InteropJSON...) { self = .array(elements) }
    /// Creates an object.
    public init(dictionaryLiteral elements: (String, InteropJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([InteropJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: InteropJSON].self))
        }
    }

    /// Encodes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object; `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> InteropJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> InteropJSON? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The value as compact JSON text with sorted keys.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses JSON text.
    /// - Throws: `DecodingError` when the text is not JSON.
    public init(parsing text: String) throws {
        self = try JSONDecoder().decode(InteropJSON.self, from: Data(text.utf8))
    }

    /// The JSON text.
    public var description: String { jsonText }
}

/// What `send.py wait` reports about a task's result, as seen by real Python Celery.
public struct CeleryOutcome: Sendable, Hashable, Decodable {
    /// The task id.
    public var taskID: String
    /// The task state: `SUCCESS`, `FAILURE`, `PENDING`, `STARTED`, `RETRY`, `REVOKED`.
    public var status: String?
    /// The task's return value, or the exception's message for a failure.
    public var result: InteropJSON
    /// The exception's class name for a failure (`ValueError`), else `nil`.
    public var excType: String?
    /// The exception's message for a failure, else `nil`.
    public var excMessage: String?
    /// Whether the result did not arrive before the timeout; ``status`` is then the state seen last.
    public var timedOut: Bool

    private enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case status, result
        case excType = "exc_type"
        case excMessage = "exc_message"
        case timedOut = "timed_out"
    }
}
