import Broker

/// Numbers from flags and `CELERITY_*` variables, range-checked before any conversion: NaN, ±∞, `1e300` or a
/// negative number stops the command with one line naming the setting and the range it allows, never a trap.
package enum CheckedOption {
    /// `seconds` as a `Duration`.
    /// - Parameters:
    ///   - name: the flag or variable, as the user wrote it (`--lease-timeout`, `CELERITY_OUTBOX_RETENTION`).
    ///   - range: the seconds the setting allows.
    /// - Throws: ``CommandError`` naming `name` and `range` when `seconds` is not a finite number in `range`.
    package static func seconds(_ seconds: Double, name: String, in range: ClosedRange<Double>) throws(CommandError) -> Duration {
        guard let duration = Duration(checkedSeconds: seconds, in: range) else {
            throw CommandError("\(name) must be a number of seconds from \(text(range.lowerBound)) to \(text(range.upperBound)) (got \(seconds))")
        }
        return duration
    }

    /// `value` if it lies in `range`.
    /// - Throws: ``CommandError`` naming `name` and `range` otherwise.
    package static func whole(_ value: Int, name: String, in range: ClosedRange<Int>) throws(CommandError) -> Int {
        guard range.contains(value) else {
            throw CommandError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// A whole number from a `CELERITY_*` variable's text, if it lies in `range`.
    /// - Throws: ``CommandError`` naming `name` and `range` when the text is not such a number.
    package static func whole(_ text: String, name: String, in range: ClosedRange<Int>) throws(CommandError) -> Int {
        guard let value = Int(text.trimmingWhitespace()), range.contains(value) else {
            throw CommandError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \(text.debugDescription))")
        }
        return value
    }

    /// A bound as people write it: `86400`, not `86400.0`.
    private static func text(_ bound: Double) -> String {
        bound == bound.rounded() && abs(bound) < 1e15 ? String(Int64(bound)) : String(bound)
    }
}

/// The ranges of the worker's numeric options (docs/reliability.md lists them).
package enum WorkerOptionRanges {
    /// `--shutdown-timeout`: up to a day.
    package static let shutdownTimeout: ClosedRange<Double> = 0...86_400
    /// `--lease-timeout`: half a second to an hour.
    package static let leaseTimeout: ClosedRange<Double> = 0.5...3600
    /// `--reap-interval`: a tenth of a second to an hour.
    package static let reapInterval: ClosedRange<Double> = 0.1...3600
    /// `--result-expires`: 0 (forever) to ten years.
    package static let resultExpires: ClosedRange<Double> = 0...315_360_000
    /// `--batch-hold`: a microsecond to an hour.
    package static let batchHold: ClosedRange<Double> = 0.000_001...3600
    /// `--idle-poll-interval` / `CELERITY_IDLE_POLL_INTERVAL`: a millisecond (`BLMOVE`'s resolution; 0 would
    /// block forever) to a minute.
    package static let idlePollInterval: ClosedRange<Double> = 0.001...60
    /// `--eta-poll-interval` / `CELERITY_ETA_POLL_INTERVAL`: 10 ms to a minute.
    package static let etaPollInterval: ClosedRange<Double> = 0.01...60
    /// `--max-deliveries`.
    package static let maxDeliveries: ClosedRange<Int> = 1...1000
    /// `--prefetch-batch` / `CELERITY_PREFETCH_BATCH`.
    package static let prefetchBatch: ClosedRange<Int> = 1...1000
    /// `--max-message-bytes` / `CELERITY_MAX_MESSAGE_BYTES`: 1 KiB to 512 MiB (Redis's largest string).
    package static let maxMessageBytes: ClosedRange<Int> = 1024...536_870_912
    /// `--max-tasks-per-child` / `CELERITY_MAX_TASKS_PER_CHILD`.
    package static let maxTasksPerChild: ClosedRange<Int> = 1...10_000_000
    /// `--max-memory-per-child`, `--task-memory-limit` (and their variables): MiB, 16 MiB to 1 TiB.
    package static let mebibytes: ClosedRange<Int> = 16...1_048_576
}
