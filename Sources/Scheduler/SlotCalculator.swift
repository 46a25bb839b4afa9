import Foundation

/// When an entry runs: a cron expression read in the entry's time zone, or a fixed interval.
public enum Recurrence: Sendable, Hashable, CustomStringConvertible {
    /// Runs whenever the wall clock of the entry's time zone matches the expression.
    case cron(CronExpression)
    /// Runs at every whole multiple of the interval since 1970-01-01 00:00:00 UTC.
    case every(Interval)

    /// `cron "0 2 * * *"` or `every 5m`.
    public var description: String {
        switch self {
        case .cron(let expression): return "cron \"\(expression)\""
        case .every(let interval): return "every \(interval)"
        }
    }
}

/// The pure slot math of one entry: which instants ("slots") a recurrence fires at in a time zone.
///
/// Slots are whole seconds. Cron wall times are mapped to instants as Vixie cron (and cronie) do
/// across daylight-saving changes:
/// - A fixed-time expression (neither the minute nor the hour field starts with `*`, e.g. `30 2 * * *`)
///   runs once per matching wall time: a wall time that does not exist (skipped by a spring-forward
///   change) runs at the first instant after the gap (03:00 local); a wall time that happens twice
///   (fall-back) runs at its first occurrence only.
/// - A wildcard expression (`*/5 * * * *`, `15 * * * *`) follows real time: it runs at every instant
///   whose local wall time matches, so nothing runs for skipped wall times and a repeated hour runs twice.
///
/// Interval slots ignore the time zone: they are the multiples of the interval since the Unix epoch.
public struct SlotCalculator: Sendable {
    /// The recurrence.
    public let recurrence: Recurrence
    /// The zone cron expressions are read in.
    public let timeZone: TimeZone
    private let rules: ZoneRules

    /// A calculator for `recurrence` read in `timeZone`.
    public init(recurrence: Recurrence, timeZone: TimeZone) {
        self.recurrence = recurrence
        self.timeZone = timeZone
        self.rules = ZoneRules(zone: timeZone)
    }

    /// The first slot strictly after `date`, or `nil` when the expression never matches again.
    public func nextSlot(after date: Date) -> Date? {
        next(after: Slot.seconds(date)).map(Slot.date)
    }

    /// The next `count` slots strictly after `date`.
    public func nextSlots(after date: Date, count: Int) -> [Date] {
        var result: [Date] = []
        var cursor = Slot.seconds(date)
        while result.count < count, let slot = next(after: cursor) {
            result.append(Slot.date(slot))
            cursor = slot
        }
        return result
    }

    // MARK: Seconds-based core

    /// The first slot strictly after `t` (Unix seconds).
    func next(after t: Int64) -> Int64? {
        switch recurrence {
        case .every(let interval):
            return (floorDivide(t, interval.seconds) + 1) * interval.seconds
        case .cron(let expression):
            return expression.followsRealTime
                ? nextRealTime(expression, after: t) : nextFixedTime(expression, after: t)
        }
    }

    /// Slots in `(lower, upper]`, at most `limit` of them, oldest first.
    func slots(after lower: Int64, through upper: Int64, limit: Int) -> [Int64] {
        var result: [Int64] = []
        var cursor = lower
        while result.count < limit, let slot = next(after: cursor), slot <= upper {
            result.append(slot)
            cursor = slot
        }
        return result
    }

    /// The number of slots in `(lower, upper]`, counting no further than `cap`.
    func count(after lower: Int64, through upper: Int64, cap: Int) -> Int {
        guard upper > lower else { return 0 }
        if case .every(let interval) = recurrence {
            let count = floorDivide(upper, interval.seconds) - floorDivide(lower, interval.seconds)
            return Int(min(count, Int64(cap)))
        }
        return slots(after: lower, through: upper, limit: cap).count
    }

    /// The latest `count` slots in `(lower, upper]`, oldest first. Looks back in growing windows, so
    /// a long gap costs about as much as a short one.
    func latest(_ count: Int, after lower: Int64, through upper: Int64) -> [Int64] {
        guard count > 0, upper > lower else { return [] }
        if case .every(let interval) = recurrence {
            let last = floorDivide(upper, interval.seconds)
            let first = max(floorDivide(lower, interval.seconds) + 1, last - Int64(count) + 1)
            guard first <= last else { return [] }
            return (first...last).map { $0 * interval.seconds }
        }
        var window: Int64 = 3600
        while true {
            let start = max(lower, upper - window)
            // Enumerate the window, keeping only the last `count`.
            var kept: [Int64] = []
            var cursor = start
            while let slot = next(after: cursor), slot <= upper {
                kept.append(slot)
                if kept.count > count { kept.removeFirst(kept.count - count) }
                cursor = slot
            }
            if kept.count >= count || start == lower { return kept }
            window *= 4
        }
    }

    // MARK: Cron across offset changes

    /// The most segments (stretches of constant UTC offset) one search may cross.
    private static let maximumSegments = 500

    /// Wildcard jobs: every instant whose local wall time matches.
    private func nextRealTime(_ expression: CronExpression, after t: Int64) -> Int64? {
        var lower = t
        for _ in 0..<Self.maximumSegments {
            // Instants in (lower, end) all have the offset of lower + 1.
            let offset = rules.offset(at: lower + 1)
            let end = rules.nextTransition(after: lower + 1)
            guard let wall = expression.nextMatch(after: lower + offset) else { return nil }
            let candidate = wall - offset
            if end == nil || candidate < end! { return candidate }
            lower = end! - 1
        }
        return nil
    }

    /// Fixed-time jobs: each matching wall time once, at its first occurrence, or just after the gap
    /// when it does not exist.
    private func nextFixedTime(_ expression: CronExpression, after t: Int64) -> Int64? {
        var lower = t
        // The segment containing lower + 1 may have begun with a fall-back change; its repeated wall
        // times were already run in the previous segment.
        var segmentStart = rules.mostRecentTransition(atOrBefore: lower + 1)
        var previousOffset = segmentStart.map { rules.offset(at: $0 - 1) }
        for _ in 0..<Self.maximumSegments {
            let offset = rules.offset(at: lower + 1)
            let end = rules.nextTransition(after: lower + 1)
            var from = lower + offset
            if let start = segmentStart, let previous = previousOffset, previous > offset {
                from = max(from, start + previous - 1)
            }
            let wall = expression.nextMatch(after: from)
            if let wall {
                let candidate = wall - offset
                if end == nil || candidate < end! { return candidate }
            }
            guard let end else { return nil }
            // A spring-forward gap: wall times in [end + offset, end + newOffset) do not exist, and
            // any of them that matches runs at the first instant after the gap.
            let newOffset = rules.offset(at: end)
            if newOffset > offset, let skipped = expression.nextMatch(after: end + offset - 1), skipped < end + newOffset {
                return end
            }
            if wall == nil, end - t > CronExpression.searchYears * 366 * 86400 { return nil }
            segmentStart = end
            previousOffset = offset
            lower = end - 1
        }
        return nil
    }
}

/// Unix-seconds helpers; slots are whole seconds.
enum Slot {
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: Double(seconds)) }
}

/// A time zone's UTC offsets and offset changes, in Unix seconds.
struct ZoneRules: Sendable {
    let zone: TimeZone

    /// Seconds east of UTC at instant `t`.
    func offset(at t: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Slot.date(t)))
    }

    /// The first offset change strictly after `t`, or `nil` when the zone has no more changes.
    func nextTransition(after t: Int64) -> Int64? {
        guard let date = zone.nextDaylightSavingTimeTransition(after: Slot.date(t)) else { return nil }
        let seconds = Int64(date.timeIntervalSince1970.rounded())
        return seconds > t ? seconds : nextTransition(after: t + 1)
    }

    /// The latest offset change at or before `t`, looking back 36 hours.
    func mostRecentTransition(atOrBefore t: Int64) -> Int64? {
        var found: Int64?
        var cursor = t - 36 * 3600
        while let transition = nextTransition(after: cursor), transition <= t {
            found = transition
            cursor = transition
        }
        return found
    }

    /// The wall-clock time at instant `t`.
    func wall(at t: Int64) -> CivilTime { CivilTime(wall: t + offset(at: t)) }
}
