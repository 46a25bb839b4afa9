import Foundation

/// A reply from Redis in the RESP2 protocol, as read by the harness's own minimal client.
///
/// Bulk strings are decoded as UTF-8 (invalid bytes become U+FFFD), which suits the JSON that Celery stores.
public enum RESPValue: Sendable, Hashable, CustomStringConvertible {
    /// A simple string such as `OK` or `PONG`.
    case simple(String)
    /// An error reply such as `ERR unknown command`.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string.
    case bulk(String)
    /// A null bulk string or null array (a missing key, a timed-out blocking pop).
    case null
    /// An array reply.
    case array([RESPValue])

    /// The text of a simple or bulk string; `nil` for any other reply.
    public var string: String? {
        switch self {
        case .simple(let text), .bulk(let text): text
        default: nil
        }
    }

    /// The value of an integer reply, or of a simple or bulk string holding an integer.
    public var integer: Int? {
        switch self {
        case .integer(let value): value
        case .simple(let text), .bulk(let text): Int(text)
        default: nil
        }
    }

    /// The elements of an array reply; `nil` for any other reply.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The elements of an array reply as strings (`nil` elements for anything that is not a string).
    public var strings: [String?]? { array?.map(\.string) }

    /// Whether this is the null reply.
    public var isNull: Bool { self == .null }

    /// A plain rendering: integers as digits, strings as themselves, `(nil)` for null, `(error) …` for errors,
    /// array elements one per line.
    public var description: String {
        switch self {
        case .simple(let text), .bulk(let text): text
        case .error(let text): "(error) \(text)"
        case .integer(let value): String(value)
        case .null: "(nil)"
        case .array(let elements): elements.map(\.description).joined(separator: "\n")
        }
    }
}

/// A minimal synchronous RESP2 client: one connection per command, independent of the code under test.
enum RESPClient {
    /// Where a Redis server listens.
    enum Endpoint {
        case tcp(port: Int)
        case unix(path: String)
    }

    /// Sends one command and reads its reply.
    static func command(_ arguments: [String], to endpoint: Endpoint, timeout: Duration) throws -> RESPValue {
        let socket: BlockingSocket
        switch endpoint {
        case .tcp(let port): socket = try BlockingSocket(port: port, timeout: timeout)
        case .unix(let path): socket = try BlockingSocket(unixPath: path, timeout: timeout)
        }
        try socket.write(encode(arguments))
        return try read(from: socket)
    }

    /// Encodes a command as a RESP array of bulk strings.
    static func encode(_ arguments: [String]) -> [UInt8] {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let utf8 = Array(argument.utf8)
            bytes += Array("$\(utf8.count)\r\n".utf8) + utf8 + [13, 10]
        }
        return bytes
    }

    /// Reads one RESP2 value.
    static func read(from socket: BlockingSocket) throws -> RESPValue {
        let line = try socket.readLine()
        guard let kind = line.first else { throw HarnessError(.protocolViolation, "empty RESP line") }
        let text = String(decoding: line.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "+"):
            return .simple(text)
        case UInt8(ascii: "-"):
            return .error(text)
        case UInt8(ascii: ":"):
            guard let value = Int(text) else { throw HarnessError(.protocolViolation, "bad integer: \(text)") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(text) else { throw HarnessError(.protocolViolation, "bad bulk length: \(text)") }
            if length < 0 { return .null }
            let body = try socket.read(count: length + 2)
            return .bulk(String(decoding: body.dropLast(2), as: UTF8.self))
        case UInt8(ascii: "*"):
            guard let count = Int(text) else { throw HarnessError(.protocolViolation, "bad array length: \(text)") }
            if count < 0 { return .null }
            var elements: [RESPValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try read(from: socket)) }
            return .array(elements)
        default:
            let shown = String(decoding: line, as: UTF8.self)
            throw HarnessError(.protocolViolation, "unexpected RESP reply: \(shown)")
        }
    }
}
