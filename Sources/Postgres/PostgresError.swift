import Foundation
import Support

/// A failure talking to PostgreSQL: a struct with an opaque code, the SQLSTATE and the server's message.
///
/// The description never holds a query's parameter values or the password: the server's `DETAIL` (which quotes
/// values, e.g. `Key (email)=(a@b.c) already exists`) is dropped, and a data error's quoted input is replaced by
/// `"***"`. It names the endpoint in its redacted form (`postgresql://user:***@host:port/db`).
public struct PostgresError: TransientError, Sendable, CustomStringConvertible {
    /// What kind of failure this is; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case configuration = "invalid configuration"
            case connection = "connection failed"
            case server = "server error"
            case timeout = "timeout"
            case decoding = "decoding failed"
            case invalidParameter = "invalid parameter"
            case misuse = "misuse"
        }

        fileprivate let base: Base

        /// The database URL or a setting is invalid.
        public static let configuration = Code(base: .configuration)
        /// The server cannot be reached, refused the login, or the connection broke.
        public static let connection = Code(base: .connection)
        /// The server rejected the statement; see ``PostgresError/sqlState``.
        public static let server = Code(base: .server)
        /// The statement ran past its `statement_timeout` (SQLSTATE 57014), or the deadline had passed.
        public static let timeout = Code(base: .timeout)
        /// A column could not be decoded into the asked Swift type (or was missing or NULL).
        public static let decoding = Code(base: .decoding)
        /// A parameter cannot be sent (a NUL byte in text).
        public static let invalidParameter = Code(base: .invalidParameter)
        /// The API was used in a way it does not support (a connection query inside its own transaction).
        public static let misuse = Code(base: .misuse)

        /// A short name for the code.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The five-character SQLSTATE (`23505`), when the server sent one.
    public var sqlState: String?
    /// What happened: the server's primary message (scrubbed of values), or the client's own explanation.
    public var message: String
    /// The redacted endpoint.
    public var endpoint: String

    /// Creates an error.
    public init(code: Code, sqlState: String? = nil, message: String, endpoint: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.endpoint = endpoint
    }

    /// Whether the connection is gone (reconnecting may help).
    public var isConnectionFailure: Bool { code == .connection }

    /// Whether running the same work again later may succeed (``TransientError``): connection failures and
    /// losses (also class 08 from the server), timeouts, serialization failures and deadlocks (40001, 40P01), and
    /// the server shutting down or out of resources (classes 57P, 53). Constraint violations, syntax and data
    /// errors, decoding failures and configuration errors are permanent.
    public var isTransient: Bool {
        if code == .connection || code == .timeout { return true }
        guard let sqlState else { return false }
        return sqlState == "40001" || sqlState == "40P01" || sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
            || sqlState.hasPrefix("53")
    }

    /// `PostgreSQL at postgresql://app:***@db:5432/app: server error 23505: duplicate key value violates …`.
    public var description: String {
        var text = endpoint.isEmpty ? "PostgreSQL: \(code)" : "PostgreSQL at \(endpoint): \(code)"
        if let sqlState { text += " \(sqlState)" }
        return text + ": " + message
    }

    /// The server's primary message with quoted input values hidden for data errors (class 22), where PostgreSQL
    /// quotes the offending input (`invalid input syntax for type integer: "abc"`), and any parameter text of
    /// four or more characters removed wherever else it appears.
    static func scrub(_ message: String, sqlState: String?, parameters: [String]) -> String {
        var text = message
        if sqlState?.hasPrefix("22") == true, let colon = text.range(of: ": \"", options: .backwards) {
            text = String(text[..<colon.lowerBound]) + ": \"***\""
        }
        for parameter in parameters where parameter.count >= 4 {
            text = text.replacingOccurrences(of: parameter, with: "***")
        }
        return text
    }
}
