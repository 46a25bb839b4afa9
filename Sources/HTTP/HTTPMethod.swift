/// An HTTP request method.
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The method token as sent (`GET`).
    public let rawValue: String

    /// A method by name; it is upper-cased.
    public init(_ rawValue: String) { self.rawValue = rawValue.uppercased() }

    /// A method from a literal, e.g. `"PATCH"`.
    public init(stringLiteral value: String) { self.init(value) }

    /// `GET`.
    public static let get = HTTPMethod("GET")
    /// `HEAD`.
    public static let head = HTTPMethod("HEAD")
    /// `POST`.
    public static let post = HTTPMethod("POST")
    /// `PUT`.
    public static let put = HTTPMethod("PUT")
    /// `PATCH`.
    public static let patch = HTTPMethod("PATCH")
    /// `DELETE`.
    public static let delete = HTTPMethod("DELETE")

    /// The method token.
    public var description: String { rawValue }
}
