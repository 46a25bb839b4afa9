/// Celery's `global_keyprefix`: a text put in front of every Redis key and pub/sub channel, so several
/// applications (tenants) share one Redis database without seeing one another.
///
/// Celery spells it twice, and Celerity takes one value for both, applied where kombu and Celery's backend apply
/// theirs:
/// - `broker_transport_options={"global_keyprefix": P}`: kombu prefixes every key and channel it uses with `P`
///   as it is (queues and their priority buckets, `_kombu.binding.*`, `unacked`, the `/{db}.celery.pidbox` and
///   `/{db}.celeryev/…` channels, pidbox reply queues).
/// - `result_backend_transport_options={"global_keyprefix": P}`: Celery's result backend prefixes its three
///   kinds of keys (`celery-task-meta-`, `celery-taskset-meta-` with the chord join's `.j .t .s .d .c`,
///   `chord-unlock-`) and the result channels (named as the key), adding `_` to `P` unless it already ends
///   in `:`, `_`, `-` or `.`.
///
/// Celerity's own keys (`celerity:*`) take `P` as kombu's do. The prefix is applied at one seam,
/// ``RedisConnection``: every command (``command(_:)``), every Lua script (``script(_:)``, which wraps
/// `redis.call`), the keys a `SCAN` returns and the channels of pushed messages (``reply(_:to:)``,
/// ``push(_:)``). Code above the connection names keys without the prefix and never sees it.
public struct GlobalKeyPrefix: Sendable, Hashable, CustomStringConvertible {
    /// The prefix of broker keys and channels, as given.
    public let brokerPrefix: String
    /// The prefix of result-backend keys and channels: ``brokerPrefix``, plus `_` when it does not end in
    /// `:`, `_`, `-` or `.` (Celery's `BaseKeyValueStoreBackend._add_global_keyprefix`).
    public let resultPrefix: String

    /// The longest prefix accepted, in bytes.
    public static let maximumLength = 128

    /// The key names of Celery's result backend, which take ``resultPrefix`` instead of ``brokerPrefix``.
    public static let resultKeyStarts = ["celery-task-meta-", "celery-taskset-meta-", "chord-unlock-"]

    /// Validates a prefix given on the command line or in `CELERITY_GLOBAL_KEYPREFIX`.
    ///
    /// A prefix is 1 to ``maximumLength`` printable ASCII characters without spaces, quotes (`'` `"`) or
    /// backslashes: it is written into Lua source and `SCAN` patterns, and names keys on both sides.
    /// - Throws: ``GlobalKeyPrefixError`` saying what is wrong.
    public init(_ text: String) throws(GlobalKeyPrefixError) {
        guard !text.isEmpty else { throw GlobalKeyPrefixError(reason: "it is empty; leave the option out for no prefix") }
        guard text.utf8.count <= Self.maximumLength else {
            throw GlobalKeyPrefixError(
                reason: "it is \(text.utf8.count) bytes long; at most \(Self.maximumLength) are allowed"
            )
        }
        if let bad = text.unicodeScalars.first(where: { !Self.isAllowed($0) }) {
            let printable = bad.value > 0x20 && bad.value < 0x7F
            let shown = printable ? "\"\(bad)\"" : "U+\(String(bad.value, radix: 16, uppercase: true))"
            throw GlobalKeyPrefixError(
                reason: "it contains \(shown); use printable ASCII without spaces, quotes or backslashes, e.g. \"tenant1:\""
            )
        }
        brokerPrefix = text
        resultPrefix = text.last.map { ":_-.".contains($0) } == true ? text : text + "_"
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F && scalar != "'" && scalar != "\"" && scalar != "\\"
    }

    public var description: String { brokerPrefix }

    /// The stored name of `key` (or of a channel): ``resultPrefix`` before a result-backend name, ``brokerPrefix``
    /// before any other.
    public func key(_ key: String) -> String {
        Self.resultKeyStarts.contains(where: key.hasPrefix) ? resultPrefix + key : brokerPrefix + key
    }

    /// `stored` without the prefix ``key(_:)`` gave it, or `nil` when it has none (another tenant's key).
    public func unprefixed(_ stored: String) -> String? {
        if stored.hasPrefix(resultPrefix), resultPrefix != brokerPrefix {
            let name = String(stored.dropFirst(resultPrefix.count))
            if Self.resultKeyStarts.contains(where: name.hasPrefix) { return name }
        }
        guard stored.hasPrefix(brokerPrefix) else { return nil }
        return String(stored.dropFirst(brokerPrefix.count))
    }
}

/// A `--global-keyprefix` / `CELERITY_GLOBAL_KEYPREFIX` that cannot be used, and why.
public struct GlobalKeyPrefixError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the prefix.
    public var reason: String
    public var description: String { "invalid global key prefix: \(reason)" }
}
