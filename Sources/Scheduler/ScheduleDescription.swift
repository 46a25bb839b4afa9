import Broker
import Foundation

extension Schedule {
    /// What `celerity schedule check` prints: each entry with its next `count` run times, in its own
    /// zone and in UTC.
    public func describeNextRuns(count: Int = 3, now: Date = Date()) -> String {
        let zoneName = timeZone.identifier == "GMT" ? "UTC" : timeZone.identifier
        var lines = [
            "\(path): \(entries.count) entr\(entries.count == 1 ? "y" : "ies"), valid; default time zone \(zoneName)"
        ]
        for entry in entries {
            lines.append("")
            lines.append(entry.summary)
            let runs = entry.slots.nextSlots(after: now, count: count)
            for run in runs {
                lines.append("  " + TimeFormat.local(run, in: entry.timeZone) + "   " + TimeFormat.utc(run))
            }
            if runs.isEmpty { lines.append("  (no further runs)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension ScheduleEntry {
    /// `pg-backup: backups.postgres, cron "0 2 * * *" in America/Argentina/Buenos_Aires, queue celery, …`
    public var summary: String {
        var parts = ["\(name): \(task)", "\(recurrence) in \(TimeFormat.zoneName(timeZone))", "queue \(queue)"]
        if priority != 0 { parts.append("priority \(priority)") }
        if let expires { parts.append("expires \(expires) after the slot") }
        parts.append("catch_up \(catchUp.rawValue)")
        if !args.isEmpty { parts.append("args \(JSONValueText.array(args))") }
        if !kwargs.isEmpty { parts.append("kwargs \(JSONValueText.object(kwargs))") }
        return parts.joined(separator: ", ")
    }
}

/// Times for people, without `DateFormatter` (whose locale and thread-safety vary by platform).
public enum TimeFormat {
    /// `2026-11-24 02:00:00 -03:00 Tue` in `zone`.
    public static func local(_ date: Date, in zone: TimeZone) -> String {
        let seconds = Slot.seconds(date)
        let offset = Int64(zone.secondsFromGMT(for: date))
        let civil = CivilTime(wall: seconds + offset)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][civil.weekday]
        return stamp(civil) + " \(sign)\(pad(magnitude / 3600)):\(pad(magnitude % 3600 / 60)) \(weekday)"
    }

    /// `2026-11-24 05:00:00 UTC`.
    public static func utc(_ date: Date) -> String {
        stamp(CivilTime(wall: Slot.seconds(date))) + " UTC"
    }

    /// The zone's IANA name, `UTC` for UTC.
    public static func zoneName(_ zone: TimeZone) -> String {
        zone.identifier == "GMT" ? "UTC" : zone.identifier
    }

    static func stamp(_ civil: CivilTime) -> String {
        "\(civil.year)-\(pad(civil.month))-\(pad(civil.day)) \(pad(civil.hour)):\(pad(civil.minute)):\(pad(civil.second))"
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

enum JSONValueText {
    static func array(_ values: [JSONValue]) -> String { JSONValue.array(values).serialized }
    static func object(_ object: JSONObject) -> String { JSONValue.object(object).serialized }
}
