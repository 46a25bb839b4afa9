import Support
import Foundation
import Logging
import Synchronization

/// A blocking HTTP/1.1 client over libcurl: one per worker process, reusing one connection cache.
///
/// ``send(_:deadline:)`` blocks the calling thread until the exchange ends. A worker process runs one task at a
/// time on its own thread, so a task calls it directly; calls from several threads are serialised (one libcurl
/// handle is used by one thread at a time). TLS certificates and host names are always verified. Redirects are
/// followed up to ``Configuration/maxRedirects`` times, never from https to http, and never to another host when
/// the request carries credentials. A request with a ``DestinationPolicy`` is checked (and pinned to the checked
/// addresses) on every hop. URLs appear in logs and errors only as ``RedactedURL`` (`https://host/***`).
public final class HTTPClient: Sendable {
    /// Timeouts, the size cap and redirect policy, with defaults.
    public struct Configuration: Sendable {
        /// How long connecting (TCP and TLS) may take. Default 10 s.
        public var connectTimeout: Duration = .seconds(10)
        /// How long a whole exchange may take when the request sets no timeout. Default 30 s.
        public var timeout: Duration = .seconds(30)
        /// The largest response body accepted; a larger one fails with ``HTTPError/Code/responseTooLarge``.
        /// Default 8 MiB.
        public var maxResponseBytes: Int = 8 << 20
        /// How many redirects one request may follow. Default 5.
        public var maxRedirects: Int = 5
        /// The `User-Agent` header.
        public var userAgent: String = "celerity"

        /// The defaults.
        public init() {}
    }

    /// The configuration this client was made with.
    public let configuration: Configuration
    private let logger: Logger
    private let easy: Mutex<CurlEasy?>

    /// Creates a client; libcurl's handle is made on the first request.
    public init(configuration: Configuration = Configuration(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.easy = Mutex(nil)
    }

    /// Sends `request`, following redirects, and returns a response whose status is below 400.
    ///
    /// - Parameters:
    ///   - request: What to send. Its `timeout` (else the configuration's) bounds the whole exchange.
    ///   - deadline: When the caller must have an answer (a task's deadline); the sooner of this and the timeout wins.
    /// - Returns: The final response (2xx, or a 3xx without a `Location`).
    /// - Throws: ``HTTPError``: `.status` for 4xx/5xx (with ``HTTPError/retryAfter`` from `Retry-After`), `.timeout`,
    ///   `.connectionFailed`, `.transport`, `.tls`, `.responseTooLarge`, `.redirect`, `.invalidRequest`.
    public func send(_ request: HTTPRequest, deadline: ContinuousClock.Instant? = nil) throws(HTTPError) -> HTTPResponse
    {
        let clock = ContinuousClock()
        let started = clock.now
        var end = started.advanced(by: request.timeout ?? configuration.timeout)
        if let deadline, deadline < end { end = deadline }
        do {
            let response = try follow(request, until: end, clock: clock)
            logger.debug(
                "HTTP exchange done",
                metadata: [
                    "http.method": "\(request.method)", "http.url": "\(response.url)",
                    "http.status": "\(response.status)",
                    "http.duration_ms": "\((clock.now - started).wholeMilliseconds)",
                ]
            )
            return response
        } catch {
            logger.debug(
                "HTTP exchange failed",
                metadata: ["http.method": "\(request.method)", "http.url": "\(error.url)", "http.error": "\(error)"]
            )
            throw error
        }
    }

    private func follow(
        _ original: HTTPRequest, until end: ContinuousClock.Instant, clock: ContinuousClock
    ) throws(HTTPError) -> HTTPResponse {
        var request = original
        var redirects = 0
        while true {
            let url = RedactedURL(request.url)
            try validate(request, url: url)
            let pin = try request.destinationPolicy.flatMap { policy throws(HTTPError) in
                let target = try CurlEasy.hostAndPort(request.url, redacted: url)
                return try policy.check(scheme: url.scheme, host: target.host, port: target.port, url: url)
            }
            let remaining = end - clock.now
            guard remaining > .zero else {
                throw HTTPError(
                    code: .timeout, message: "the deadline passed before the request could be sent", url: url
                )
            }
            let exchange = try perform(request, url: url, pin: pin, remaining: remaining)
            let response = HTTPResponse(
                status: exchange.status, headers: exchange.headers, body: exchange.body, url: url)
            if [301, 302, 303, 307, 308].contains(exchange.status), let location = exchange.redirectURL {
                redirects += 1
                request = try redirect(request, from: url, to: location, status: exchange.status, count: redirects)
                continue
            }
            if exchange.status >= 400 {
                let retryAfter = response.header("retry-after").flatMap { HTTPError.parseRetryAfter($0) }
                throw HTTPError(
                    code: .status, message: Self.advice(for: exchange.status), url: url, status: exchange.status,
                    retryAfter: retryAfter
                )
            }
            return response
        }
    }

    private func perform(_ request: HTTPRequest, url: RedactedURL, pin: String?, remaining: Duration) throws(HTTPError)
        -> CurlEasy.Exchange
    {
        let result: Result<CurlEasy.Exchange, CurlEasy.Failure> = easy.withLock { easy in
            if easy == nil { easy = CurlEasy() }
            guard let handle = easy else {
                return .failure(CurlEasy.Failure(code: .transport, message: "libcurl could not create a handle"))
            }
            return Result { () throws(CurlEasy.Failure) in
                try handle.perform(
                    request, pin: pin, connectTimeout: min(configuration.connectTimeout, remaining), totalTimeout: remaining,
                    maxResponseBytes: configuration.maxResponseBytes, userAgent: configuration.userAgent
                )
            }
        }
        switch result {
        case .success(let exchange): return exchange
        case .failure(let failure): throw HTTPError(code: failure.code, message: failure.message, url: url)
        }
    }

    private func validate(_ request: HTTPRequest, url: RedactedURL) throws(HTTPError) {
        guard url.scheme == "http" || url.scheme == "https", !url.host.isEmpty else {
            throw HTTPError(code: .invalidRequest, message: "the URL must be absolute http:// or https://", url: url)
        }
        for (name, value) in request.headers {
            // Bytes, not Characters: "\r\n" is one Character and would match neither "\r" nor "\n".
            if name.isEmpty || name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 })
                || value.utf8.contains(where: { $0 == 13 || $0 == 10 })
            {
                throw HTTPError(
                    code: .invalidRequest, message: "a header name or value contains CR, LF or a colon in its name",
                    url: url
                )
            }
        }
    }

    /// The request for the next hop, or an error when the redirect must not be followed.
    private func redirect(
        _ request: HTTPRequest, from: RedactedURL, to location: String, status: Int, count: Int
    ) throws(HTTPError) -> HTTPRequest {
        let target = RedactedURL(location)
        guard count <= configuration.maxRedirects else {
            throw HTTPError(
                code: .redirect, message: "more than \(configuration.maxRedirects) redirects", url: from, status: status
            )
        }
        guard target.scheme == "http" || target.scheme == "https" else {
            throw HTTPError(code: .redirect, message: "redirect to an unsupported scheme", url: from, status: status)
        }
        if from.scheme == "https", target.scheme == "http" {
            throw HTTPError(
                code: .redirect, message: "redirect from https to plain http (\(target)) refused", url: from,
                status: status
            )
        }
        if !from.isSameOrigin(as: target), request.hasCredentials || RedactedURL.hasUserInfo(location) {
            throw HTTPError(
                code: .redirect,
                message: "redirect to another host (\(target)) refused: the request carries credentials; "
                    + "use the final URL directly",
                url: from, status: status
            )
        }
        var next = request
        next.url = location
        if status == 303 || ((status == 301 || status == 302) && request.method == .post) {
            if next.method != .head { next.method = .get }
            next.body = []
            next.headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
        }
        logger.debug(
            "HTTP redirect", metadata: ["http.status": "\(status)", "http.from": "\(from)", "http.to": "\(target)"]
        )
        return next
    }

    private static func advice(for status: Int) -> String {
        switch status {
        case 429: return "rate limited by the server; wait for Retry-After and send again"
        case 408, 500...599: return "the server failed; sending again later may succeed"
        case 401, 403: return "the server refused the credentials; check the configured URL or token"
        case 404, 410: return "the server has no such resource; check the configured URL"
        default: return "the server rejected the request; sending it again will not help"
        }
    }
}
