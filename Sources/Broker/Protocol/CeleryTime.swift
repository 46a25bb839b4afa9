#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Celery's timestamps: ISO-8601 with microseconds and `+00:00` (`2026-11-22T19:58:45.868166+00:00`).
public enum CeleryTime {
    /// The range `format` converts (about ±285,000 years: the microsecond count fits an `Int64`). A date outside
    /// it (one read from Redis may be anything) is clamped to it, never converted unchecked.
    static let formattableSeconds: ClosedRange<Double> = -9e12...9e12

    /// Formats a date as Celery does: UTC, six fractional digits, `+00:00`.
    public static func format(_ date: Date) -> String {
        let since1970 = date.timeIntervalSince1970
        let clamped = since1970.isNaN ? 0 : min(max(since1970, formattableSeconds.lowerBound), formattableSeconds.upperBound)
        let totalMicros = (clamped * 1_000_000).rounded()
        var seconds = Int64((totalMicros / 1_000_000).rounded(.down))
        var micros = Int64(totalMicros) - seconds * 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = CivilDays.civil(fromDays: days)
        var text = TextBuffer(capacity: 32)
        text.appendDecimal(Int(year), width: 4)
        text.append(UInt8(ascii: "-"))
        text.appendDecimal(Int(month), width: 2)
        text.append(UInt8(ascii: "-"))
        text.appendDecimal(Int(day), width: 2)
        text.append(UInt8(ascii: "T"))
        text.appendDecimal(Int(secondOfDay / 3600), width: 2)
        text.append(UInt8(ascii: ":"))
        text.appendDecimal(Int(secondOfDay % 3600 / 60), width: 2)
        text.append(UInt8(ascii: ":"))
        text.appendDecimal(Int(secondOfDay % 60), width: 2)
        text.append(UInt8(ascii: "."))
        text.appendDecimal(Int(micros), width: 6)
        text.append("+00:00")
        return text.text
    }

    /// Parses ISO-8601 date-times as Python writes them: optional fraction (up to microseconds and
    /// beyond), `Z` or `±HH:MM` offset; a naive time is read as UTC (Celery's default app time zone).
    /// Also accepts a space instead of `T`.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour: Int64 = 0
        var minute: Int64 = 0
        var second: Int64 = 0
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") {
            index += 1
            guard let h = number(2), expect(UInt8(ascii: ":")), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = number(2) else { return nil }
                second = s
                if expect(UInt8(ascii: ".")) {
                    var scale = 0.1
                    var digits = 0
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        fraction += Double(bytes[index] - 48) * scale
                        scale /= 10
                        index += 1
                        digits += 1
                    }
                    if digits == 0 { return nil }
                }
            }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count {
            if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
                offsetSeconds = 0
            } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let oh = number(2) else { return nil }
                _ = expect(UInt8(ascii: ":"))
                let om = number(2) ?? 0
                offsetSeconds = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard index == bytes.count, hour < 24, minute < 60, second < 61 else { return nil }
        let days = CivilDays.days(fromCivil: year, month, day)
        let epoch = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(epoch) + fraction)
    }


}

/// Calendar arithmetic without Foundation's calendars (Howard Hinnant's `days_from_civil` /
/// `civil_from_days`): fast and exact for UTC timestamps and local wall-clock times alike.
package enum CivilDays {
    /// Days since 1970-01-01 of a proleptic Gregorian date.
    package static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The (year, month, day) of a day number since 1970-01-01.
    package static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
