/// Why a yaml or msgpack message body could not be read: what is wrong and where, for the dead-letter reason.
public struct BodyParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The serializer whose text or bytes were being read: `yaml` or `msgpack`.
    public var serializer: String
    /// What is wrong, e.g. `string length 4096 runs past the end of the body`.
    public var reason: String
    /// The zero-based byte offset in the decoded body where the reader stopped.
    public var offset: Int

    /// An error at byte `offset` of a `serializer` body.
    public init(serializer: String, reason: String, offset: Int) {
        self.serializer = serializer
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid \(serializer) at byte \(offset): \(reason)" }
}
