import Foundation

/// A URL reduced to what may be shown: `scheme://host:port/***`.
///
/// Webhook URLs (Slack's above all) carry their secret in the path or query, and any URL may carry a password in
/// its user part, so every log line and error of this module shows URLs only through this type: the user part,
/// the path, the query and the fragment are never kept.
public struct RedactedURL: Sendable, Hashable, CustomStringConvertible {
    /// The scheme, lower-cased (`https`), or an empty string when the URL has none.
    public let scheme: String
    /// The host, lower-cased, without brackets or port (`hooks.slack.com`), or an empty string when unparsable.
    public let host: String
    /// The port written in the URL, if any.
    public let port: Int?
    /// Whether anything (a path other than `/`, a query, a fragment) was hidden.
    public let hidesSomething: Bool

    /// Redacts `url`; never fails (an unparsable URL becomes `<invalid URL>`).
    public init(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else {
            scheme = ""
            host = ""
            port = nil
            hidesSomething = !url.isEmpty
            return
        }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let tail = rest[authorityEnd...]
        hidesSomething = !(tail.isEmpty || tail == "/")
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close].lowercased()
            let afterBracket = authority[authority.index(after: close)...]
            port = afterBracket.hasPrefix(":") ? Int(afterBracket.dropFirst()) : nil
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon].lowercased()
            port = Int(authority[authority.index(after: colon)...])
        } else {
            host = authority.lowercased()
            port = nil
        }
    }

    /// Whether the URL had a user part (`user:password@`), which counts as credentials.
    static func hasUserInfo(_ url: String) -> Bool {
        guard let schemeEnd = url.range(of: "://") else { return false }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return rest[..<authorityEnd].contains("@")
    }

    /// The port, or the scheme's default port (80 for http, 443 for https).
    var effectivePort: Int? { port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil) }

    /// Whether two URLs have the same scheme, host and port (a redirect between them stays on one server).
    func isSameOrigin(as other: RedactedURL) -> Bool {
        scheme == other.scheme && host == other.host && effectivePort == other.effectivePort
    }

    /// `scheme://host:port/***` (the `/***` only when something was hidden), or `<invalid URL>`.
    public var description: String {
        guard !scheme.isEmpty, !host.isEmpty else { return "<invalid URL>" }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let shownPort = port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(shownHost)\(shownPort)" + (hidesSomething ? "/***" : "")
    }
}
