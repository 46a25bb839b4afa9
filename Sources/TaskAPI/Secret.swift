/// A configuration value that must not be printed: its description is `***`. Use ``value`` where the secret
/// is needed (a connection string, a signing key), never in a log line or an error.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself.
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "***" }
    public var debugDescription: String { "***" }
}
