import Support

/// One HTTP request: method, URL, headers, body and an optional total timeout.
public struct HTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The absolute `http://` or `https://` URL. It is treated as a secret: logs and errors show it redacted.
    public var url: String
    /// Header fields in order. Names and values must not contain CR or LF.
    public var headers: [(name: String, value: String)]
    /// The body bytes (empty for none).
    public var body: [UInt8]
    /// The longest the whole exchange (all redirects included) may take; the client's default when `nil`.
    /// A deadline passed to ``HTTPClient/send(_:deadline:)`` wins when it is sooner.
    public var timeout: Duration?
    /// Marks the request as carrying credentials beyond the ones recognised automatically (an `Authorization`,
    /// `Proxy-Authorization`, `Cookie` or `X-Api-Key` header, or a user part in the URL): such a request is never
    /// redirected to another host.
    public var carriesCredentials: Bool
    /// Checks the destination of every hop (for URLs that came from outside, such as a webhook's `callback_url`);
    /// `nil` for URLs from the configuration, which go anywhere.
    public var destinationPolicy: DestinationPolicy?

    /// Creates a request.
    public init(
        method: HTTPMethod = .get, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration? = nil, carriesCredentials: Bool = false, destinationPolicy: DestinationPolicy? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.carriesCredentials = carriesCredentials
        self.destinationPolicy = destinationPolicy
    }

    /// A request whose body is `json` serialised, with `Content-Type: application/json`.
    public static func json(
        _ method: HTTPMethod = .post, url: String, body json: JSONValue, headers: [(name: String, value: String)] = [],
        timeout: Duration? = nil
    ) -> HTTPRequest {
        HTTPRequest(
            method: method, url: url, headers: [("Content-Type", "application/json")] + headers,
            body: Array(json.serialized.utf8), timeout: timeout
        )
    }

    /// The value of the first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    private static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "x-api-key"]

    /// Whether a redirect to another host must be refused.
    var hasCredentials: Bool {
        carriesCredentials || RedactedURL.hasUserInfo(url)
            || headers.contains { Self.credentialHeaders.contains($0.name.lowercased()) }
    }
}
