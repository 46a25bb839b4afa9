import Broker
import Foundation

/// Times and durations for people: `3s`, `1m 2s`, `2h 5m`, `3d 4h`; UTC stamps.
enum TimeText {
    static func duration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86400 { return "\(total / 3600)h \(total % 3600 / 60)m" }
        return "\(total / 86400)d \(total % 86400 / 3600)h"
    }

    static func relative(_ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        return delta >= 0 ? "in \(duration(delta))" : "\(duration(-delta)) ago"
    }

    static func utc(_ date: Date) -> String {
        CeleryTime.format(date).prefix(19).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
}
