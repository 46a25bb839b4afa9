import Broker
import Foundation

/// What Redis knows about one entry, for `celerity schedule status`.
public struct EntryStatus: Sendable, Hashable {
    /// The entry name.
    public var name: String
    /// The task name, from the schedule file or from Redis.
    public var task: String?
    /// The last slot enqueued by any scheduler.
    public var lastSlot: Date?
    /// The task id of that message.
    public var lastTaskID: String?
    /// When that message was pushed (the scheduler's clock).
    public var enqueuedAt: Date?
    /// The next slot: computed from the schedule file when one is given, else as stored in Redis.
    public var nextSlot: Date?
    /// Whether the entry is in the given schedule file (`false`: state of a removed or renamed entry).
    public var inSchedule: Bool
}

/// Reads and shows the scheduler's state in Redis.
public enum ScheduleStatus {
    /// The state of every entry of `schedule` and every entry with state in Redis, sorted by name.
    /// - Throws: ``RedisError`` when Redis cannot be read.
    public static func fetch(redis: RedisClient, schedule: Schedule?, now: Date = Date()) async throws -> [EntryStatus] {
        let stored = try await redis.send(["SMEMBERS", ScheduleKeys.entries]).array?.compactMap(\.string) ?? []
        let names = Array(Set(stored + (schedule?.entries.map(\.name) ?? []))).sorted()
        let fields = ["last_slot", "last_task_id", "enqueued_at", "next_slot", "task"]
        let replies = try await redis.pipeline(names.map { ["HMGET", ScheduleKeys.entry($0)] + fields })
        return zip(names, replies).map { name, reply in
            let values = (reply.array ?? []).map(\.string)
            func value(_ index: Int) -> String? { index < values.count ? values[index] : nil }
            let entry = schedule?[name]
            let lastSlot = value(0).flatMap(Int64.init).map(Slot.date)
            var next = value(3).flatMap(Int64.init).map(Slot.date)
            if let entry {
                next = entry.slots.nextSlot(after: max(now, lastSlot ?? now))
            }
            return EntryStatus(
                name: name, task: entry?.task ?? value(4), lastSlot: lastSlot, lastTaskID: value(1),
                enqueuedAt: value(2).flatMap(CeleryTime.parse), nextSlot: next, inSchedule: entry != nil
            )
        }
    }

    /// A table for people: one block per entry with its last run, task id and next run, in the entry's
    /// zone (when the schedule is known) and in UTC.
    public static func format(_ statuses: [EntryStatus], schedule: Schedule?) -> String {
        guard !statuses.isEmpty else { return "no schedule state in Redis yet, and no entries in the schedule" }
        var lines: [String] = []
        for status in statuses {
            let zone = schedule?[status.name]?.timeZone ?? TimeZone(identifier: "UTC")!
            func when(_ date: Date?) -> String {
                guard let date else { return "never" }
                return TimeFormat.local(date, in: zone) + " (" + TimeFormat.utc(date) + ")"
            }
            var header = "\(status.name): \(status.task ?? "?")"
            if schedule != nil, !status.inSchedule { header += "  [not in the schedule file]" }
            lines.append(header)
            lines.append("  last run   \(when(status.lastSlot))")
            lines.append("  task id    \(status.lastTaskID ?? "-")")
            if let enqueuedAt = status.enqueuedAt { lines.append("  enqueued   \(TimeFormat.utc(enqueuedAt))") }
            lines.append("  next run   \(status.nextSlot == nil ? "-" : when(status.nextSlot))")
        }
        return lines.joined(separator: "\n")
    }
}
