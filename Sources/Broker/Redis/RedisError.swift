/// A failure talking to Redis. Transport failures (the connection is gone: reconnect and retry)
/// are kept apart from error replies (Redis answered, and said no).
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable { case transport, reply, protocolViolation, timeout }
        fileprivate let base: Base

        /// The connection could not be made, or broke; the command may or may not have run.
        public static let transport = Code(base: .transport)
        /// Redis answered with an error reply.
        public static let reply = Code(base: .reply)
        /// Redis answered with something this client did not expect.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// Nothing arrived within the allowed time.
        public static let timeout = Code(base: .timeout)

        public var description: String {
            switch base {
            case .transport: return "transport"
            case .reply: return "reply"
            case .protocolViolation: return "protocol"
            case .timeout: return "timeout"
            }
        }
    }

    public var code: Code
    /// What happened, never containing a password.
    public var message: String
    /// The redacted endpoint (`redis://:***@host:port/db`).
    public var endpoint: String

    public init(code: Code, message: String, endpoint: String) {
        self.code = code
        self.message = message
        self.endpoint = endpoint
    }

    /// Whether reconnecting may help.
    public var isTransport: Bool { code == .transport || code == .timeout }

    public var description: String {
        switch code.base {
        case .transport: return "cannot talk to Redis at \(endpoint): \(message)"
        case .timeout: return "Redis at \(endpoint) did not answer in time: \(message)"
        case .reply: return "Redis at \(endpoint) replied with an error: \(message)"
        case .protocolViolation: return "unexpected reply from Redis at \(endpoint): \(message)"
        }
    }
}
