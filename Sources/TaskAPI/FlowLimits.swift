import Broker

/// A rate as Celery writes it: `100/m`, `10/s`, `1000/h`, `20/10s` (20 per 10 seconds), or a bare number (per
/// second). Enforced cluster-wide at fetch as a token bucket in Redis (docs/flow-control.md).
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// How many runs each `seconds`.
    public let count: Int
    /// The period, in seconds.
    public let seconds: Int
    /// The rate as Celery and the fetch script read it, e.g. `100/60s`.
    public var description: String { "\(count)/\(seconds)s" }

    /// Reads a Celery rate string.
    /// - Throws: ``TaskRegistryError`` naming the text when it is not `N`, `N/s`, `N/m`, `N/h` or `N/Ks` with
    ///   1 ≤ N ≤ 1,000,000 and 1 ≤ K ≤ 86,400.
    public init(_ text: String) throws {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let count = Int(parts[0]), (1...1_000_000).contains(count) else {
            throw TaskRegistryError("rate limit \"\(text)\" is not written N/s, N/m, N/h or N/Ks with N from 1 to 1000000")
        }
        var seconds = 1
        if parts.count == 2 {
            var unit = parts[1]
            let multiplier: Int
            switch unit.last {
            case "s": multiplier = 1
            case "m": multiplier = 60
            case "h": multiplier = 3600
            default: throw TaskRegistryError("rate limit \"\(text)\" has no unit: write N/s, N/m, N/h or N/Ks")
            }
            unit.removeLast()
            let span = unit.isEmpty ? 1 : Int(unit)
            guard let span, (1...86_400).contains(span), multiplier == 1 || span == 1 else {
                throw TaskRegistryError("rate limit \"\(text)\": the period is N/Ks with K from 1 to 86400, or /s, /m, /h")
            }
            seconds = span * multiplier
        }
        self.count = count
        self.seconds = seconds
    }
}

/// Per-key flow limits of a task: the key comes from the message's `celerity_flow_key` header (set by
/// ``KeyedTaskParameters`` in Swift, `apply_async(headers={"celerity_flow_key": ...})` in Python).
/// Checked when the task is registered (``TaskRegistry``).
public struct FlowLimits: Sendable, Hashable {
    /// At most this many messages of one key held by processes at once, cluster-wide; `nil` = no bound.
    public var concurrency: Int?
    /// At most this rate per key (a Celery rate string, ``RateLimit``), cluster-wide; `nil` = no bound.
    public var rate: String?

    /// The message header naming a message's flow key.
    public static let keyHeader = "celerity_flow_key"

    /// Limits per flow key.
    public init(concurrency: Int? = nil, rate: String? = nil) {
        self.concurrency = concurrency
        self.rate = rate
    }

    /// The value of `celerity:flow:limits` the fetch reads: `"<concurrency> <rate>"`, either part empty.
    /// - Throws: ``TaskRegistryError`` for a concurrency out of 1…1,000,000 or a malformed rate.
    package func encoded() throws -> String {
        if let concurrency, concurrency < 1 || concurrency > 1_000_000 {
            throw TaskRegistryError("flow concurrency \(concurrency) is out of range: use 1 to 1000000")
        }
        let rate = try self.rate.map(RateLimit.init)
        return (concurrency.map(String.init) ?? "") + " " + (rate?.description ?? "")
    }
}

/// Task parameters whose messages carry a flow key (the `celerity_flow_key` header), derived from the arguments:
/// `var flowKey: String? { customer_id }`. Sent so by `CelerityClient.enqueue` and ``TaskSender``.
public protocol KeyedTaskParameters: TaskParameters {
    /// The key whose limits (``TaskDefinition/flow``) apply to this message; `nil` for none.
    var flowKey: String? { get }
}
