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
