import Foundation

/// Where and how to connect to PostgreSQL, read from a `postgresql://` URL.
///
/// Accepted forms (`postgres://` too):
/// - `postgresql://user:password@host:port/db?sslmode=require&connect_timeout=5`
/// - `postgresql:///db?host=/var/run/postgresql` and `postgresql://user@%2Fvar%2Frun%2Fpostgresql/db` (unix socket
///   directory)
///
/// Query parameters: `sslmode` (disable, allow, prefer, require, verify-ca, verify-full), `connect_timeout`
/// (seconds), `host`, `port`, `application_name`, `user`, `password`. Anything else is an error naming it.
/// The password is never printed: ``description`` and every error show `postgresql://user:***@host:port/db`.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// A host name, an IP address, or a unix-socket directory (starting with `/`); `nil` uses libpq's default.
    public var host: String?
    /// The port. Default 5432.
    public var port: Int = 5432
    /// The role to log in as; `nil` uses libpq's default (the OS user).
    public var user: String?
    /// The password; never printed.
    public var password: String?
    /// The database; `nil` uses libpq's default (the user name).
    public var database: String?
    /// libpq's `sslmode`. Default `prefer`.
    public var sslMode: String = "prefer"
    /// How long connecting may take. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// The `application_name` shown in `pg_stat_activity`. Default `celerity`.
    public var applicationName: String = "celerity"

    private static let sslModes: Set<String> = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// Parses a `postgresql://` URL.
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/configuration``, naming the defect (never the
    ///   password).
    public init(url: String) throws(PostgresError) {
        let shown = Self.redact(url)
        func invalid(_ reason: String) -> PostgresError {
            PostgresError(code: .configuration, message: "invalid database URL: \(reason)", endpoint: shown)
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw invalid("expected postgresql://user:password@host:port/database")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgresql" || scheme == "postgres" else {
            throw invalid("the scheme must be postgresql:// (got \(scheme)://)")
        }
        var rest = url[schemeEnd.upperBound...]
        var queryText = ""
        if let mark = rest.firstIndex(of: "?") {
            queryText = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        let path = rest[slash...].dropFirst()
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], what: "user", invalid)
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], what: "password", invalid)
            } else {
                user = try Self.decode(userInfo, what: "user", invalid)
            }
        }
        if !authority.isEmpty {
            var hostPart = authority
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                hostPart = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") { port = try Self.parsePort(after.dropFirst(), invalid) }
            } else if let colon = authority.lastIndex(of: ":") {
                hostPart = authority[..<colon]
                port = try Self.parsePort(authority[authority.index(after: colon)...], invalid)
            }
            host = try Self.decode(hostPart, what: "host", invalid)
        }
        if !path.isEmpty { database = try Self.decode(path, what: "database", invalid) }
        for pair in queryText.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", what: name, invalid)
            switch name {
            case "sslmode":
                guard Self.sslModes.contains(value) else {
                    throw invalid("sslmode must be one of \(Self.sslModes.sorted().joined(separator: ", "))")
                }
                sslMode = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw invalid("connect_timeout must be a positive number of seconds")
                }
                connectTimeout = .seconds(seconds)
            case "host": host = value
            case "port": port = try Self.parsePort(value[...], invalid)
            case "application_name": applicationName = value
            case "user": user = value
            case "password": password = value
            default: throw invalid("unknown parameter \"\(name)\"")
            }
        }
    }

    /// `postgresql://user:***@host:port/db` (the password, if any, as `***`).
    public var description: String {
        let credentials = (user ?? "") + (password == nil ? "" : ":***")
        let at = credentials.isEmpty ? "" : credentials + "@"
        let shownHost: String
        if let host, host.hasPrefix("/") {
            shownHost = host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host
        } else if let host, host.contains(":") {
            shownHost = "[\(host)]"
        } else {
            shownHost = host ?? ""
        }
        return "postgresql://\(at)\(shownHost):\(port)/\(database ?? "")"
    }

    /// libpq's keyword/value pairs; passed to `PQconnectdbParams` as arrays (never assembled into a string).
    var connectionParameters: [(String, String)] {
        var pairs: [(String, String)] = [
            ("port", String(port)), ("sslmode", sslMode),
            ("connect_timeout", String(max(1, connectTimeout.components.seconds))),
            ("application_name", applicationName),
            // Text results in a fixed shape: ISO dates in UTC, hex bytea.
            ("options", "-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex"),
            ("client_encoding", "UTF8"),
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ]
        if let host { pairs.append(("host", host)) }
        if let user { pairs.append(("user", user)) }
        if let password { pairs.append(("password", password)) }
        if let database { pairs.append(("dbname", database)) }
        return pairs
    }

    /// A URL with its password (in the user part or the query) replaced, for errors about the URL itself.
    static func redact(_ url: String) -> String {
        guard url.contains("://") else { return "(a URL without a scheme)" }
        var text = url
        if let schemeEnd = text.range(of: "://") {
            let rest = text[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"),
                let colon = rest[..<at].firstIndex(of: ":")
            {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        if let range = text.range(of: "password=") {
            let end = text[range.upperBound...].firstIndex(of: "&") ?? text.endIndex
            text.replaceSubrange(range.upperBound..<end, with: "***")
        }
        return text
    }

    private static func decode(
        _ text: Substring, what: String, _ invalid: (String) -> PostgresError
    ) throws(PostgresError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw invalid("the \(what) has an invalid percent escape")
        }
        return decoded
    }

    private static func parsePort(_ text: Substring, _ invalid: (String) -> PostgresError) throws(PostgresError) -> Int
    {
        guard let port = Int(text), (1...65535).contains(port) else { throw invalid("the port must be 1-65535") }
        return port
    }
}
