/// A failure talking to Redis. Transport failures (the connection is gone: reconnect and retry)
/// are kept apart from error replies (Redis answered, and said no) and from configuration errors
/// (Redis refuses this client's settings: retrying cannot help, the command should stop).
public struct RedisError: TransientError, Sendable, CustomStringConvertible {
    /// What kind of failure this is; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable { case transport, reply, protocolViolation, timeout, configuration }
        fileprivate let base: Base

        /// The connection could not be made, or broke; the command may or may not have run.
        public static let transport = Code(base: .transport)
        /// Redis answered with an error reply.
        public static let reply = Code(base: .reply)
        /// Redis answered with something this client did not expect.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// Nothing arrived within the allowed time.
        public static let timeout = Code(base: .timeout)
        /// Redis refuses the configuration itself: a wrong or missing password, a database index out of
        /// range, a Unix socket path that does not exist. Fatal: stop and fix the URL.
        public static let configuration = Code(base: .configuration)

        public var description: String {
            switch base {
            case .transport: return "transport"
            case .reply: return "reply"
            case .protocolViolation: return "protocol"
            case .timeout: return "timeout"
            case .configuration: return "configuration"
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

    /// Whether the configuration is wrong, so that no retry can succeed and the command should stop.
    public var isFatal: Bool { code == .configuration }

    /// Whether running the same work again later may succeed: a transport failure or timeout, or an error reply
    /// that names a passing state of the server (`transientReplyCodes`: a replica after a failover, a server
    /// still loading or out of memory, a busy script). Other error replies, protocol violations and
    /// configuration errors are permanent.
    public var isTransient: Bool {
        switch code.base {
        case .transport, .timeout: return true
        case .reply: return replyCode.map(Self.transientReplyCodes.contains) ?? false
        case .protocolViolation, .configuration: return false
        }
    }

    /// Error-reply codes of a state that passes: `READONLY` (the server became a replica), `LOADING` (the
    /// dataset is still loading), `OOM` (over `maxmemory`), `BUSY` (a script is running), `MASTERDOWN`
    /// (a replica lost its primary), `TRYAGAIN` and `CLUSTERDOWN` (a cluster is resharding or failing over).
    static let transientReplyCodes: Set<String> = [
        "READONLY", "LOADING", "OOM", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
    ]

    /// The code of an error reply (`OOM` in `script enqueue: OOM command not allowed …`): its first word in
    /// capital letters, which Redis puts first and this client prefixes only with lower-case context.
    var replyCode: String? {
        message.split(separator: " ").lazy.map { $0.hasSuffix(":") ? $0.dropLast() : $0 }
            .first { $0.count >= 2 && $0.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } }
            .map(String.init)
    }

    public var description: String {
        switch code.base {
        case .transport: return "cannot talk to Redis at \(endpoint): \(message)"
        case .timeout: return "Redis at \(endpoint) did not answer in time: \(message)"
        case .reply: return "Redis at \(endpoint) replied with an error: \(message)"
        case .protocolViolation: return "unexpected reply from Redis at \(endpoint): \(message)"
        case .configuration:
            return "Redis at \(endpoint) cannot be used as configured: \(message); fix --redis-url or CELERITY_REDIS_URL"
        }
    }
}

extension RedisError {
    /// Why a refused AUTH, SELECT or PING fails: `LOADING` is a Redis not ready yet (transport, retried); the
    /// configuration (a wrong or missing password, a database out of range) is fatal; anything else is an
    /// ordinary error reply.
    static func setupRefusal(command: String, message: String, endpoint: String) -> RedisError {
        let code = message.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        if code == "LOADING" {
            return RedisError(code: .transport, message: "Redis is still loading its dataset: \(message)", endpoint: endpoint)
        }
        let advice: String?
        switch (command, code) {
        case ("AUTH", _), (_, "WRONGPASS"): advice = "the user name or password is wrong"
        case (_, "NOAUTH"): advice = "Redis requires a password and the URL has none"
        case (_, "NOPERM"): advice = "the user may not run \(command)"
        case ("SELECT", _): advice = "this Redis has fewer databases: see its `databases` setting"
        default: advice = nil
        }
        guard let advice else { return RedisError(code: .reply, message: "\(command) failed: \(message)", endpoint: endpoint) }
        return RedisError(code: .configuration, message: "\(command) failed: \(message) (\(advice))", endpoint: endpoint)
    }
}
