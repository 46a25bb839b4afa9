import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The on-call view: queues (depth by priority, oldest age, in and out rates), worker nodes, dead letters by
/// reason, the ETA set, schedules and the job families' last outcomes. Rendered as text (`celerity
/// status`), JSON (`--json`) and HTML (the status page at `/` on the metrics port).
public struct StatusReport: Sendable {
    public var snapshot: ClusterSnapshot
    /// Dead letters by reason (``DeadLetterReason`` raw values), over the newest ``deadLetterSample`` entries.
    public var deadLettersByReason: [String: Int]
    /// Per queue, messages per second in and out since the previous report (`nil` for the first).
    public var queueRates: [String: QueueRate]?
    /// Tasks finished per second by all live nodes since the previous report.
    public var processedRate: Double?

    /// One queue's traffic over the interval between two reports, in messages per second.
    public struct QueueRate: Sendable, Hashable {
        /// Taken by Celerity workers: the growth of the queue's pop counters (``QueueArrivals``).
        public var out: Double
        /// Arrived: `out` plus the change in ready messages (at least 0: a purge is not negative traffic).
        public var `in`: Double
        /// The change in ready messages.
        public var change: Double
    }

    /// The newest dead-letter entries classified by reason (the queue is capped at 10,000 by default).
    package static let deadLetterSample = 1000
    /// The reason class of a dead letter stored before `celerity:dlq:reasons` existed (its envelope is never read).
    package static let unindexedReason = "unknown"

    /// Reads a report: the snapshot (one pipelined round trip) and the newest dead letters' reasons.
    /// - Parameter previous: the last report, for rates.
    /// - Throws: ``RedisError`` when Redis cannot be read.
    package static func read(
        scrape: ClusterScrape, on connection: RedisConnection, previous: StatusReport? = nil
    ) throws(RedisError) -> StatusReport {
        let snapshot = try scrape.read()
        var reasons: [String: Int] = [:]
        if snapshot.deadLetters > 0 {
            let ids = (try connection.send(["ZREVRANGE", WorkerKeys.deadLetterIndex, "0", String(deadLetterSample - 1)]).array ?? [])
                .compactMap(\.string)
            if !ids.isEmpty {
                // The reasons alone (`celerity:dlq:reasons`), never the envelopes: a dead letter may be megabytes. An
                // entry written before the reason index existed counts as `unknown` (its envelope is never read).
                for reason in try connection.send(["HMGET", WorkerKeys.deadLetterReasons] + ids).array ?? [] {
                    reasons[reason.string.map { DeadLetterReason(describing: $0).rawValue } ?? unindexedReason, default: 0] += 1
                }
            }
        }
        var report = StatusReport(snapshot: snapshot, deadLettersByReason: reasons, queueRates: nil, processedRate: nil)
        if let previous {
            let elapsed = snapshot.time.timeIntervalSince(previous.snapshot.time)
            if elapsed > 0 {
                let before = Dictionary(previous.snapshot.queues.map { ($0.name, $0) }) { a, _ in a }
                report.queueRates = Dictionary(
                    snapshot.queues.compactMap { queue in
                        before[queue.name].map { old in (queue.name, QueueRate(queue, since: old, seconds: elapsed)) }
                    }
                ) { a, _ in a }
                let processed = { (s: ClusterSnapshot) in s.nodes.filter(\.up).reduce(0) { $0 + ($1.info?.processed ?? 0) } }
                report.processedRate = max(0, Double(processed(snapshot) - processed(previous.snapshot)) / elapsed)
            }
        }
        return report
    }

    // MARK: - Text

    /// One screen for a terminal.
    public func text() -> String {
        var lines: [String] = []
        let now = snapshot.time
        lines.append(
            "Celerity status at \(TimeText.utc(now))  (Redis read in \(TimeText.milliseconds(snapshot.roundTrip)))"
                + (processedRate.map { ", " + TimeText.fixed($0, decimals: 1) + " tasks/s" } ?? "")
        )
        lines.append("")
        lines.append(row(["QUEUE", "READY", "P0", "P3", "P6", "P9", "OLDEST", "WORKERS", "PROCS", "IN/S", "OUT/S", "CHANGE/S"], widths: queueWidths))
        if snapshot.queues.isEmpty { lines.append("  (no queues)") }
        for queue in snapshot.queues {
            lines.append(
                row(
                    [
                        queue.name, String(queue.length), String(queue.buckets[0] ?? 0), String(queue.buckets[3] ?? 0),
                        String(queue.buckets[6] ?? 0), String(queue.buckets[9] ?? 0), queue.oldestAge.map(TimeText.duration) ?? "-",
                        String(queue.workers), String(queue.processes),
                        queueRates?[queue.name].map { TimeText.fixed($0.in, decimals: 1) } ?? "-",
                        queueRates?[queue.name].map { TimeText.fixed($0.out, decimals: 1) } ?? "-",
                        queueRates?[queue.name].map { TimeText.fixed($0.change, decimals: 1, sign: true) } ?? "-",
                    ],
                    widths: queueWidths
                )
            )
        }
        lines.append("")
        lines.append(row(["WORKER", "STATE", "BUSY/PROCS", "PROCESSED", "RESTARTS", "HEARTBEAT"], widths: workerWidths))
        if snapshot.nodes.isEmpty { lines.append("  (no worker nodes)") }
        for node in snapshot.nodes {
            lines.append(
                row(
                    [
                        node.name, node.up ? "up" : "DOWN", "\(node.busy)/\(node.up ? node.info?.concurrency ?? 0 : 0)",
                        String(node.info?.processed ?? 0), String(node.info?.restarts ?? 0),
                        TimeText.duration(now.timeIntervalSince(node.lastSeen)) + " ago",
                    ],
                    widths: workerWidths
                )
            )
        }
        lines.append("")
        let reasons = deadLettersByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("DEAD LETTERS  \(snapshot.deadLetters)" + (reasons.isEmpty ? "" : "  (\(reasons))"))
        lines.append(
            "ETA SET       \(snapshot.etaMessages) waiting"
                + (snapshot.etaNextDue.map { ", next due \(TimeText.relative($0, now: now))" } ?? "")
        )
        if let outbox = outboxLine() { lines.append("OUTBOX        " + outbox) }
        lines += snapshot.flow?.lines() ?? []  // flow hook
        lines.append("")
        lines.append(row(["SCHEDULE", "TASK", "LAST RUN", "NEXT RUN", "LAG"], widths: scheduleWidths))
        if snapshot.schedule.isEmpty { lines.append("  (no schedule state in Redis)") }
        for entry in snapshot.schedule {
            lines.append(
                row(
                    [
                        entry.name, entry.task ?? "-", entry.lastSlot.map { TimeText.relative($0, now: now) } ?? "never",
                        entry.nextSlot.map { TimeText.relative($0, now: now) } ?? "-", entry.lag.map(TimeText.duration) ?? "-",
                    ],
                    widths: scheduleWidths
                )
            )
        }
        lines.append("")
        lines.append("JOB FAMILIES")
        let families = jobFamilyLines()
        lines += families.isEmpty ? ["  (nothing recorded yet)"] : families.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    private let queueWidths = [22, 7, 6, 6, 6, 6, 10, 8, 6, 9, 9, 9]
    private let workerWidths = [34, 6, 11, 10, 9, 12]
    private let scheduleWidths = [24, 26, 16, 16, 8]

    private func row(_ cells: [String], widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { index, pair in
            let (cell, width) = pair
            let padding = String(repeating: " ", count: max(1, width - cell.count))
            return index == 0 ? cell + padding : padding + cell
        }.joined()
    }

    /// The job families' gauges as sentences.
    package func jobFamilyLines() -> [String] {
        let now = snapshot.time
        var lines: [String] = []
        for (series, value) in snapshot.jobGauges.sorted(by: { $0.key.field < $1.key.field }) {
            let label = series.labels.map(\.1).joined(separator: " ")
            let when = TimeText.relative(Date(timeIntervalSince1970: value), now: now)
            switch series.name {
            case "celerity_backup_last_success_timestamp_seconds": lines.append("backup \(label): last success \(when)")
            case "celerity_backup_last_verification_timestamp_seconds": lines.append("backup \(label): restore verified \(when)")
            case "celerity_inflation_rate_applied_ratio": lines.append("inflation: rate " + TimeText.fixed(value, decimals: 4) + " applied")
            case "celerity_inflation_rate_updated_timestamp_seconds": lines.append("inflation: updated \(when)")
            case "celerity_secret_rotation_last_status": lines.append("secret rotation: last \(value == 1 ? "succeeded" : "FAILED")")
            case "celerity_secret_rotation_last_run_timestamp_seconds": lines.append("secret rotation: last run \(when)")
            default: break
            }
        }
        return lines
    }

    /// The outbox relays' last count as one sentence; `nil` when no relay has reported.
    package func outboxLine() -> String? {
        guard let outbox = snapshot.outbox else { return nil }
        let now = snapshot.time
        return "\(outbox.pending) pending" + (outbox.pending > 0 ? ", oldest " + TimeText.duration(outbox.oldestAge(now: now)) : "")
            + (outbox.failed > 0 ? ", \(outbox.failed) FAILED" : "") + ", \(outbox.relayed) relayed, counted "
            + TimeText.relative(outbox.observedAt, now: now)
    }

    // MARK: - JSON

    /// The same data for scripts.
    public func json() -> JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .double($0.timeIntervalSince1970) } ?? .null }
        let queues: [JSONValue] = snapshot.queues.map { queue in
            [
                "name": .string(queue.name), "ready": .int(queue.length),
                "by_priority": .object(JSONObject(queue.buckets.sorted { $0.key < $1.key }.map { (String($0.key), JSONValue.int($0.value)) })),
                "oldest_age_seconds": queue.oldestAge.map(JSONValue.double) ?? .null, "workers": .int(queue.workers),
                "processes": .int(queue.processes), "popped": .int(queue.popped),
                "in_per_second": queueRates?[queue.name].map { .double($0.in) } ?? .null,
                "out_per_second": queueRates?[queue.name].map { .double($0.out) } ?? .null,
                "change_per_second": queueRates?[queue.name].map { .double($0.change) } ?? .null,
            ]
        }
        let workers: [JSONValue] = snapshot.nodes.map { node in
            [
                "name": .string(node.name), "up": .bool(node.up), "busy": .int(node.busy),
                "processes": .int(node.up ? node.info?.concurrency ?? 0 : 0), "processed": .int(node.info?.processed ?? 0),
                "restarts": .int(node.info?.restarts ?? 0), "last_heartbeat": time(node.lastSeen),
                "queues": .array((node.info?.queues ?? []).map(JSONValue.string)),
            ]
        }
        let schedule: [JSONValue] = snapshot.schedule.map { entry in
            [
                "name": .string(entry.name), "task": entry.task.map(JSONValue.string) ?? .null, "last_run": time(entry.lastSlot),
                "next_run": time(entry.nextSlot), "lag_seconds": entry.lag.map(JSONValue.double) ?? .null,
            ]
        }
        let families: [JSONValue] = snapshot.jobGauges.sorted(by: { $0.key.field < $1.key.field }).map { series, value in
            [
                "metric": .string(series.name),
                "labels": .object(JSONObject(series.labels.map { ($0.0, JSONValue.string($0.1)) })), "value": .double(value),
            ]
        }
        return [
            "time": time(snapshot.time), "redis_round_trip_seconds": .double(snapshot.roundTrip),
            "processed_per_second": processedRate.map(JSONValue.double) ?? .null, "queues": .array(queues),
            "workers": .array(workers),
            "dead_letters": [
                "total": .int(snapshot.deadLetters),
                "by_reason": .object(JSONObject(deadLettersByReason.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) })),
            ],
            "eta": ["waiting": .int(snapshot.etaMessages), "next_due": time(snapshot.etaNextDue)],
            "schedules": .array(schedule), "job_families": .array(families),
            "flow": snapshot.flow.map { $0.json() } ?? .null,
            "outbox": snapshot.outbox.map { outbox in
                [
                    "pending": .int(outbox.pending), "oldest_age_seconds": .double(outbox.oldestAge(now: snapshot.time)),
                    "failed": .int(outbox.failed), "relayed": .int(outbox.relayed), "counted_at": time(outbox.observedAt),
                ]
            } ?? .null,
        ]
    }
}

extension StatusReport.QueueRate {
    /// The rates of `queue` since `old`, `seconds` earlier. Pops that went down (Redis restarted empty) count as 0.
    package init(_ queue: ClusterSnapshot.Queue, since old: ClusterSnapshot.Queue, seconds: Double) {
        let out = Double(max(0, queue.popped - old.popped)) / seconds
        let change = Double(queue.length - old.length) / seconds
        self.init(out: out, in: max(0, out + change), change: change)
    }
}
