import Support

/// A response: status, headers and body.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields with lower-cased names; a repeated field's values are joined with `, `.
    public var headers: [String: String]
    /// The body bytes, at most the client's ``HTTPClient/Configuration/maxResponseBytes``.
    public var body: [UInt8]
    /// The URL that answered (after redirects), redacted.
    public var url: RedactedURL

    /// Creates a response.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], url: RedactedURL) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// The value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    /// - Throws: ``HTTPError`` with code ``HTTPError/Code/invalidResponse`` when it is not JSON.
    public func json() throws(HTTPError) -> JSONValue {
        do {
            return try JSONValue.parse(bytes: body)
        } catch {
            throw HTTPError(
                code: .invalidResponse, message: "the body is not JSON (\(error))", url: url, status: status)
        }
    }
}
