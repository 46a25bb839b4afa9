/// Where and how to reach Redis, parsed from a URL:
/// `redis://[user:password@]host[:port][/db]`, `unix:///path/to/redis.sock[?db=N&password=P]`, or
/// `redis+sentinel://[user:password@]host1:port1,host2:port2/master-name[/db]` (Redis Sentinel: the
/// sentinels are asked for the master's address, again after every reconnection; see docs/reliability.md).
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// A TCP host and port, a Unix socket path, or the sentinels that know where the master named `master` is.
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
        case sentinel(sentinels: [HostAndPort], master: String)
    }

    /// A TCP host and port.
    public struct HostAndPort: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with brackets around an IPv6 address.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var endpoint: Endpoint
    /// The ACL user name for `AUTH`, if any.
    public var username: String?
    /// The password for `AUTH`, if any. Never printed: see ``redactedURL``.
    public var password: String?
    /// The database selected after connecting.
    public var database: Int
    /// How long a connection attempt may take.
    public var connectTimeout: Duration = .seconds(5)
    /// How long a command may wait for its reply (blocking commands add their own wait to this).
    public var commandTimeout: Duration = .seconds(10)
    /// The first wait after a failed reconnection attempt; it doubles up to ``reconnectBackoffCap``.
    public var reconnectBackoff: Duration = .milliseconds(50)
    /// The longest wait between two reconnection attempts.
    public var reconnectBackoffCap: Duration = .seconds(2)
    /// How long to keep trying to reconnect before a command fails with a transport error.
    public var reconnectTimeout: Duration = .seconds(30)
    /// Celery's `global_keyprefix`, put in front of every key and channel this configuration's connections use
    /// (``GlobalKeyPrefix``); `nil` for none.
    public var globalKeyPrefix: GlobalKeyPrefix?

    /// The default, `redis://127.0.0.1:6379/0`.
    public static let localDefault = RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 6379), database: 0)

    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a Redis URL.
    /// - Throws: ``RedisURLError`` saying which part is wrong; the error never repeats the password.
    public init(url: String) throws(RedisURLError) {
        let text = url.trimmingWhitespace()
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw RedisURLError(reason: "missing scheme; expected redis://host:port/db or unix:///path")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        var rest = String(text[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let questionMark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: questionMark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[String(parts[0])] = parts.count > 1 ? Self.percentDecoded(String(parts[1])) : ""
            }
            rest = String(rest[..<questionMark])
        }
        if let unknown = query.keys.sorted().first(where: { !Self.queryOptions.contains($0) }) {
            throw RedisURLError(reason: "unknown option \"\(unknown)\"; the options are \(Self.queryOptions.sorted().joined(separator: ", "))")
        }
        var username: String?
        var password: String? = query["password"]
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = String(rest[rest.index(after: at)...])
            if let colon = userInfo.firstIndex(of: ":") {
                let user = String(userInfo[..<colon])
                username = user.isEmpty ? nil : Self.percentDecoded(user)
                password = Self.percentDecoded(String(userInfo[userInfo.index(after: colon)...]))
            } else if !userInfo.isEmpty {
                // `redis://secret@host` is how redis-py reads a bare password.
                password = Self.percentDecoded(String(userInfo))
            }
        }
        var database = 0
        if let db = query["db"] {
            guard let number = Int(db), number >= 0 else { throw RedisURLError(reason: "db \"\(db)\" is not a number") }
            database = number
        }
        switch scheme {
        case "redis":
            var hostPort = rest
            if let slash = rest.firstIndex(of: "/") {
                hostPort = String(rest[..<slash])
                let path = rest[rest.index(after: slash)...]
                if !path.isEmpty { database = try Self.database(path) }
            }
            let address = try Self.hostAndPort(Substring(hostPort), defaultPort: 6379)
            self.init(endpoint: .tcp(host: address.host, port: address.port), username: username, password: password, database: database)
        case "redis+sentinel", "sentinel":
            let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts[1].isEmpty else {
                throw RedisURLError(reason: "a sentinel URL names its master: redis+sentinel://host1:26379,host2:26379/master-name/db")
            }
            guard parts.count <= 3 else { throw RedisURLError(reason: "unexpected \"/\" after the database in a sentinel URL") }
            if parts.count == 3, !parts[2].isEmpty { database = try Self.database(parts[2]) }
            let sentinels = try parts[0].split(separator: ",", omittingEmptySubsequences: false).map { text throws(RedisURLError) in
                guard !text.isEmpty else { throw RedisURLError(reason: "empty sentinel address in \"\(parts[0])\"") }
                return try Self.hostAndPort(Substring(text), defaultPort: 26379)
            }
            self.init(
                endpoint: .sentinel(sentinels: sentinels, master: Self.percentDecoded(String(parts[1]))), username: username,
                password: password, database: database
            )
        case "unix", "redis+unix", "redis+socket":
            guard rest.hasPrefix("/") else { throw RedisURLError(reason: "unix socket path must be absolute: unix:///path/to/redis.sock") }
            self.init(endpoint: .unix(path: rest), username: username, password: password, database: database)
        case "rediss":
            throw RedisURLError(reason: "TLS (rediss://) is not supported; use redis:// on a trusted network or a local TLS proxy")
        default:
            throw RedisURLError(reason: "unknown scheme \"\(scheme)\"; expected redis://, unix:// or redis+sentinel://")
        }
    }

    private static func database(_ text: Substring) throws(RedisURLError) -> Int {
        guard let number = Int(text), number >= 0 else { throw RedisURLError(reason: "database \"\(text)\" is not a number") }
        return number
    }

    /// `host`, `host:port` or `[v6]:port`; an empty host is the loopback address.
    private static func hostAndPort(_ text: Substring, defaultPort: Int) throws(RedisURLError) -> HostAndPort {
        var host = String(text)
        var port = defaultPort
        if text.hasPrefix("[") {  // [::1]:6379
            guard let close = text.firstIndex(of: "]") else { throw RedisURLError(reason: "unclosed \"[\" in host") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()), (1...65535).contains(number) else {
                    throw RedisURLError(reason: "port \"\(after.dropFirst())\" is not a port number")
                }
                port = number
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            let portText = text[text.index(after: colon)...]
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw RedisURLError(reason: "port \"\(portText)\" is not a port number")
            }
            port = number
        }
        return HostAndPort(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }

    /// The options a URL may carry after `?`.
    private static let queryOptions: Set<String> = ["db", "password"]

    /// The URL with the password replaced by `***`, safe for logs, errors and `status` output.
    public var redactedURL: String {
        var userInfo = ""
        if password != nil {
            userInfo = "\(username ?? ""):***@"
        } else if let username {
            userInfo = "\(username)@"
        }
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "redis://\(userInfo)\(shownHost):\(port)/\(database)"
        case .unix(let path):
            return "unix://\(userInfo)\(path)?db=\(database)"
        case .sentinel(let sentinels, let master):
            return "redis+sentinel://\(userInfo)\(sentinels.map(\.description).joined(separator: ","))/\(master)/\(database)"
        }
    }

    /// `host:port` or the socket path, without credentials.
    public var address: String {
        switch endpoint {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return path
        case .sentinel(let sentinels, let master): return "\(master) via \(sentinels.map(\.description).joined(separator: ","))"
        }
    }

    public var description: String { redactedURL }

    /// The text with `%XX` escapes decoded; the text as it is when an escape is malformed or the bytes are not UTF-8.
    private static func percentDecoded(_ text: String) -> String {
        func hexValue(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return text }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self) ?? text
    }
}

/// A Redis URL that cannot be used, and why. The message never contains the password.
public struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid Redis URL: \(reason)" }
}
