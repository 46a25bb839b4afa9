import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a request whose URL came from outside (a task argument such as `callback_url`) may go.
///
/// The host is resolved once; when any of its addresses is loopback, private (RFC 1918), link-local (169.254/16,
/// where cloud metadata lives), CGNAT (100.64/10), unique-local (fc00::/7), unspecified, multicast, broadcast or
/// reserved — or an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 form of one of those — the request is refused with
/// ``HTTPError/Code/refusedByPolicy``. Otherwise the connection is pinned to the checked addresses
/// (`CURLOPT_RESOLVE`), so a second DNS answer (rebinding) cannot send it elsewhere, and it bypasses any proxy.
/// Every redirect hop is checked again. A host in ``allowedHosts`` skips the address check (test stand-ins on
/// loopback, an internal receiver the operator trusts). Plain `http://` is refused unless ``allowsPlainHTTP``.
public struct DestinationPolicy: Sendable, Hashable {
    /// Host names (lower-case, IPv6 without brackets) whose addresses are not checked
    /// (`CELERITY_WEBHOOK_ALLOWED_HOSTS`).
    public var allowedHosts: Set<String>
    /// Whether `http://` URLs may be used (`CELERITY_WEBHOOK_ALLOW_HTTP=1`); default `false`.
    public var allowsPlainHTTP: Bool

    /// A policy allowing `allowedHosts` whatever their addresses, and `http://` only when `allowsPlainHTTP`.
    public init(allowedHosts: Set<String> = [], allowsPlainHTTP: Bool = false) {
        self.allowedHosts = Set(allowedHosts.map(Self.normalized))
        self.allowsPlainHTTP = allowsPlainHTTP
    }

    /// Reads `CELERITY_WEBHOOK_ALLOWED_HOSTS` (comma-separated host names) and `CELERITY_WEBHOOK_ALLOW_HTTP` (`1`,
    /// `true`, `yes`) through `setting`.
    public static func fromSettings(_ setting: (String) -> String?) -> DestinationPolicy {
        let hosts = (setting("CELERITY_WEBHOOK_ALLOWED_HOSTS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let http = ["1", "true", "yes"].contains((setting("CELERITY_WEBHOOK_ALLOW_HTTP") ?? "").lowercased())
        return DestinationPolicy(allowedHosts: Set(hosts), allowsPlainHTTP: http)
    }

    /// The `CURLOPT_RESOLVE` entry pinning `host:port` to its checked addresses; `nil` when the host is an IP
    /// literal or allowed without a check.
    /// - Throws: ``HTTPError`` `.refusedByPolicy` for a forbidden scheme or address, `.connectionFailed` when the
    ///   host does not resolve.
    func check(scheme: String, host: String, port: Int, url: RedactedURL) throws(HTTPError) -> String? {
        if scheme == "http", !allowsPlainHTTP {
            throw HTTPError(
                code: .refusedByPolicy,
                message: "plain http:// callbacks are refused; use https:// (or set CELERITY_WEBHOOK_ALLOW_HTTP=1)",
                url: url)
        }
        let bare = Self.normalized(host)
        if allowedHosts.contains(bare) { return nil }
        let addresses = try Self.resolve(bare, url: url)
        for address in addresses {
            if let reason = NetworkAddress.forbiddenReason(address) {
                throw HTTPError(
                    code: .refusedByPolicy,
                    message: "the host resolves to \(reason) (\(NetworkAddress.text(address))); add it to "
                        + "CELERITY_WEBHOOK_ALLOWED_HOSTS if it is meant to be reached",
                    url: url)
            }
        }
        if host.hasPrefix("[") || addresses.count == 1 && NetworkAddress.text(addresses[0]) == bare { return nil }
        let list = addresses.map { $0.count == 16 ? "[\(NetworkAddress.text($0))]" : NetworkAddress.text($0) }
        return "\(host):\(port):\(list.joined(separator: ","))"
    }

    /// Lower-case, without IPv6 brackets.
    static func normalized(_ host: String) -> String {
        var text = host.lowercased()
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        return text
    }

    /// The addresses of `host` (4 or 16 bytes each), resolved once with `getaddrinfo`.
    private static func resolve(_ host: String, url: RedactedURL) throws(HTTPError) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else {
            throw HTTPError(
                code: .connectionFailed, message: "cannot resolve the host: \(String(cString: gai_strerror(status)))",
                url: url)
        }
        var addresses: [[UInt8]] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET {
                    let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                    }
                    addresses.append(bytes)
                } else if current.pointee.ai_family == AF_INET6 {
                    let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    addresses.append(bytes)
                }
            }
            entry = current.pointee.ai_next
        }
        var unique: [[UInt8]] = []
        for address in addresses where !unique.contains(address) { unique.append(address) }
        guard !unique.isEmpty else {
            throw HTTPError(code: .connectionFailed, message: "the host has no IPv4 or IPv6 address", url: url)
        }
        return unique
    }
}
