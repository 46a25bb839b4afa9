/// Where and how to reach Redis, parsed from a URL:
/// `redis://[user:password@]host[:port][/db]` or `unix:///path/to/redis.sock[?db=N&password=P]`.
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// A TCP host and port, or a Unix socket path.
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
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
                if !path.isEmpty {
                    guard let number = Int(path), number >= 0 else {
                        throw RedisURLError(reason: "database \"\(path)\" is not a number")
                    }
                    database = number
                }
            }
            var host = hostPort
            var port = 6379
            if hostPort.hasPrefix("[") {  // [::1]:6379
                guard let close = hostPort.firstIndex(of: "]") else { throw RedisURLError(reason: "unclosed \"[\" in host") }
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let number = Int(after.dropFirst()), (1...65535).contains(number) else {
                        throw RedisURLError(reason: "port \"\(after.dropFirst())\" is not a port number")
                    }
                    port = number
                }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = String(hostPort[..<colon])
                let portText = hostPort[hostPort.index(after: colon)...]
                guard let number = Int(portText), (1...65535).contains(number) else {
                    throw RedisURLError(reason: "port \"\(portText)\" is not a port number")
                }
                port = number
            }
            if host.isEmpty { host = "127.0.0.1" }
            self.init(endpoint: .tcp(host: host, port: port), username: username, password: password, database: database)
        case "unix", "redis+unix", "redis+socket":
            guard rest.hasPrefix("/") else { throw RedisURLError(reason: "unix socket path must be absolute: unix:///path/to/redis.sock") }
            self.init(endpoint: .unix(path: rest), username: username, password: password, database: database)
        case "rediss":
            throw RedisURLError(reason: "TLS (rediss://) is not supported; use redis:// on a trusted network or a local TLS proxy")
        default:
            throw RedisURLError(reason: "unknown scheme \"\(scheme)\"; expected redis:// or unix://")
        }
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
        }
    }

    /// `host:port` or the socket path, without credentials.
    public var address: String {
        switch endpoint {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return path
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
