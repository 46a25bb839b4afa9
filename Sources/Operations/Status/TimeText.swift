import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Times and durations for people: `3s`, `1m 2s`, `2h 5m`, `3d 4h`; UTC stamps.
package enum TimeText {
    package static func duration(_ seconds: Double) -> String {
        // Times read from Redis may be anything: clamp before converting (10¹² s is 31,000 years).
        let total = seconds.isFinite ? Int(min(max(0, seconds), 1e12).rounded()) : 0
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86400 { return "\(total / 3600)h \(total % 3600 / 60)m" }
        return "\(total / 86400)d \(total % 86400 / 3600)h"
    }

    package static func relative(_ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        return delta >= 0 ? "in \(duration(delta))" : "\(duration(-delta)) ago"
    }

    package static func utc(_ date: Date) -> String {
        CeleryTime.format(date).prefix(19).replacing("T", with: " ") + " UTC"
    }

    package static func milliseconds(_ seconds: Double) -> String { fixed(seconds * 1000, decimals: 1) + " ms" }

    /// `value` with `decimals` places, halves rounded away from zero, `+` in front with `sign` (like `%+.Nf`).
    /// Not Foundation's `String(format:)`: one `import Foundation` in this module loads libFoundation and ICU
    /// into every worker process (6 MiB of RSS each).
    package static func fixed(_ value: Double, decimals: Int, sign: Bool = false) -> String {
        guard value.isFinite, value.magnitude < 1e12 else { return "\(value)" }
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let units = Int((value.magnitude * Double(scale)).rounded())
        let prefix = value < 0 && units != 0 ? "-" : (sign ? "+" : "")
        guard decimals > 0 else { return prefix + "\(units)" }
        let fraction = String(units % scale)
        return prefix + "\(units / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
