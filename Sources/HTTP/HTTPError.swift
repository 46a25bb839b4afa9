import Support
import Foundation

/// A failed HTTP exchange, saying whether trying again later may succeed.
///
/// Transient: timeouts, refused or broken connections, 5xx, 408 and 429 (with its `Retry-After`). Permanent:
/// every other 4xx, an invalid request, a TLS verification failure, an oversize response, a refused redirect, a
/// destination refused by policy.
/// It is a ``TransientError``: a task's retry policy is then one line, `retryIf: RetryPolicy.isTransient`.
/// The description names the redacted URL (`https://host/***`) and never a header value or a body.
public struct HTTPError: TransientError, Sendable, CustomStringConvertible {
    /// What kind of failure this is; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidRequest = "invalid request"
            case connectionFailed = "connection failed"
            case timeout
            case transport
            case tls = "TLS verification failed"
            case status = "error status"
            case responseTooLarge = "response too large"
            case redirect = "redirect refused"
            case invalidResponse = "invalid response"
            case refusedByPolicy = "refused by policy"
        }

        fileprivate let base: Base

        /// The request cannot be sent (bad URL, unsupported scheme, CR/LF in a header).
        public static let invalidRequest = Code(base: .invalidRequest)
        /// The server could not be reached (refused, unresolvable host).
        public static let connectionFailed = Code(base: .connectionFailed)
        /// The exchange did not finish before the timeout or deadline.
        public static let timeout = Code(base: .timeout)
        /// The connection broke mid-exchange.
        public static let transport = Code(base: .transport)
        /// The server's certificate could not be verified.
        public static let tls = Code(base: .tls)
        /// The server answered with a 4xx or 5xx status; see ``HTTPError/status``.
        public static let status = Code(base: .status)
        /// The response body exceeded the client's size cap.
        public static let responseTooLarge = Code(base: .responseTooLarge)
        /// A redirect was not followed: too many, to another scheme, or to another host with credentials.
        public static let redirect = Code(base: .redirect)
        /// The response could not be decoded as the caller asked.
        public static let invalidResponse = Code(base: .invalidResponse)
        /// The destination is not allowed by the request's ``DestinationPolicy`` (an internal address, plain http).
        public static let refusedByPolicy = Code(base: .refusedByPolicy)

        /// A short name for the code.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do; never a URL path, query, header value or body.
    public var message: String
    /// The URL of the failed request, redacted.
    public var url: RedactedURL
    /// The response status, for ``Code/status`` and decoding errors.
    public var status: Int?
    /// How long the server asked the client to wait (`Retry-After` on 429 or 503).
    public var retryAfter: Duration?

    /// Creates an error.
    public init(code: Code, message: String, url: RedactedURL, status: Int? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.url = url
        self.status = status
        self.retryAfter = retryAfter
    }

    /// Whether the same request may succeed later (retry it); `false` means retrying cannot help (``TransientError``).
    public var isTransient: Bool {
        switch code.base {
        case .connectionFailed, .timeout, .transport: return true
        case .status:
            guard let status else { return false }
            return status >= 500 || status == 429 || status == 408
        case .invalidRequest, .tls, .responseTooLarge, .redirect, .invalidResponse, .refusedByPolicy: return false
        }
    }

    /// `HTTP POST to https://hooks.slack.com/***: error status 503 (transient; retry after 2 s): …`.
    public var description: String {
        var text = "HTTP request to \(url) failed: \(code)"
        if let status { text += " \(status)" }
        text += isTransient ? " (transient" : " (permanent"
        if let retryAfter { text += "; retry after \(retryAfter.seconds) s" }
        text += "): \(message)"
        return text
    }

    /// Parses a `Retry-After` value: delay-seconds (`"120"`) or an HTTP date, relative to `now`.
    static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        // A date from outside: clamped to 0…10⁷ s before the conversion, so year 999999999 cannot trap.
        let seconds = min(max(0, date.timeIntervalSince(now)), 10_000_000)
        return .milliseconds(seconds.isFinite ? Int64((seconds * 1000).rounded(.up)) : 0)
    }
}
