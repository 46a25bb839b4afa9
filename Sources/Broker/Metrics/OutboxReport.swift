#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the outbox relays last saw of `celerity_outbox` (docs/outbox.md), kept in one Redis hash so that every
/// worker node's `/metrics`, `celerity status` and the status page show it without a database connection.
/// Each relay writes `pending`, `oldest`, `failed` and `observed` after counting the table; the push script
/// increments `relayed` in the same Lua step as each push. Here, in Broker, so that the relay (which sees
/// PostgreSQL) and the metrics (which see only Redis) share the names.
public struct OutboxReport: Sendable, Hashable {
    /// The Redis hash.
    package static let key = "celerity:outbox:stats"
    /// The hash fields, in the order ``init(values:)`` reads them.
    package static let fields = ["pending", "oldest", "failed", "observed", "relayed"]

    /// Committed rows not yet sent, when last counted.
    public var pending: Int
    /// When the oldest of them was inserted; `nil` when none was pending.
    public var oldestPending: Date?
    /// Rows the relay could not turn into a message (kept, with their `error`).
    public var failed: Int
    /// When a relay last counted the table.
    public var observedAt: Date
    /// Messages pushed by relays since the hash was created (the push script counts them).
    public var relayed: Int

    /// A report as the relay writes it.
    public init(pending: Int, oldestPending: Date?, failed: Int, observedAt: Date, relayed: Int = 0) {
        self.pending = pending
        self.oldestPending = oldestPending
        self.failed = failed
        self.observedAt = observedAt
        self.relayed = relayed
    }

    /// Reads the `HMGET key fields…` reply; `nil` when no relay has reported yet.
    package init?(values: [String?]) {
        guard values.count == Self.fields.count, let observed = values[3].flatMap(Double.init) else { return nil }
        pending = values[0].flatMap(Int.init) ?? 0
        oldestPending = values[1].flatMap(Double.init).flatMap { $0 > 0 ? Date(timeIntervalSince1970: $0) : nil }
        failed = values[2].flatMap(Int.init) ?? 0
        observedAt = Date(timeIntervalSince1970: observed)
        relayed = values[4].flatMap(Int.init) ?? 0
    }

    /// The `HSET` that records a count (`relayed` is left to the push script).
    package var command: [String] {
        [
            "HSET", Self.key, "pending", String(pending), "oldest", String(oldestPending?.timeIntervalSince1970 ?? 0),
            "failed", String(failed), "observed", String(observedAt.timeIntervalSince1970),
        ]
    }

    /// Seconds the oldest pending row has waited at `now`: 0 when none was pending. While no relay counts (all
    /// stopped), this keeps growing from the last count, and ``secondsSinceObserved(now:)`` grows with it.
    public func oldestAge(now: Date) -> Double {
        oldestPending.map { max(0, now.timeIntervalSince($0)) } ?? 0
    }

    /// Seconds since a relay last counted the table.
    public func secondsSinceObserved(now: Date) -> Double {
        max(0, now.timeIntervalSince(observedAt))
    }
}
