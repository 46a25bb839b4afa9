/// A Lua script run with EVALSHA (and loaded on demand) by ``RedisConnection/evaluate(_:keys:arguments:)``.
public struct RedisScript: Sendable, Hashable {
    /// A short name used in error messages.
    public var name: String
    /// The Lua source.
    public var source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}
