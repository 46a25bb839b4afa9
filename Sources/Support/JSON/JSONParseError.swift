/// Why a byte string is not valid JSON, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `unexpected character "}"`.
    public var reason: String
    /// The zero-based byte offset where the parser stopped.
    public var offset: Int

    /// An error at byte `offset`; the parser's, and tests' expected values.
    package init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
