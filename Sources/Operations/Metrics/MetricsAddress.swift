/// Where a worker node serves `/metrics`, `/healthz` and its status page: `host:port`, or disabled (`0`).
public struct MetricsAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// 0 picks a free port (tests); the chosen one is logged.
    public var port: Int

    /// celery-exporter's port, on loopback: existing scrape configs keep working, nothing is exposed.
    public static let standard = MetricsAddress(host: "127.0.0.1", port: 9808)

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`[::1]:9808` for IPv6); `nil` for `0` (disabled).
    /// - Throws: ``MetricsAddressError`` naming the text when it is neither.
    public static func parse(_ text: String) throws(MetricsAddressError) -> MetricsAddress? {
        if text == "0" { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { throw MetricsAddressError(text: text) }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw MetricsAddressError(text: text) }
        return MetricsAddress(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A metrics address that is neither `host:port` nor `0`.
public struct MetricsAddressError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "--metrics-address \(text.debugDescription) is not host:port (e.g. 127.0.0.1:9808) or 0 to disable"
    }
}

/// A metrics address that was asked for (`--metrics-address`, `CELERITY_METRICS_ADDRESS`) and cannot be served: the
/// node stops (exit 1) rather than run unobserved.
public struct MetricsBindError: Error, CustomStringConvertible {
    /// The address that could not be bound.
    public var address: MetricsAddress
    /// Why (address in use, no such host).
    public var reason: String

    public var description: String {
        "cannot serve /metrics on \(address): \(reason); stopping (free the port, pick another with --metrics-address, or 0 to disable)"
    }

    package init(address: MetricsAddress, reason: String) {
        self.address = address
        self.reason = reason
    }
}
