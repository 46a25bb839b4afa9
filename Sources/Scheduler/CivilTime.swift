import Broker

/// Calendar arithmetic on wall-clock ("civil") times, with no time zone involved: a wall time is
/// counted in seconds since 1970-01-01 00:00 of the proleptic Gregorian calendar, as if it were UTC.
///
/// Cron fields are matched against wall times; `ZoneRules` maps wall times to instants.
struct CivilTime: Sendable, Hashable, Comparable {
    var year: Int64
    var month: Int64  // 1...12
    var day: Int64  // 1...31
    var hour: Int64
    var minute: Int64
    var second: Int64

    init(year: Int64, month: Int64, day: Int64, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The civil time `wall` seconds after 1970-01-01 00:00.
    init(wall: Int64) {
        let days = wall >= 0 ? wall / 86400 : (wall - 86399) / 86400
        let secondOfDay = wall - days * 86400
        let (year, month, day) = CivilDays.civil(fromDays: days)
        self.init(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60
        )
    }

    /// Seconds since 1970-01-01 00:00 of this civil time.
    var wall: Int64 {
        CivilDays.days(fromCivil: year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    }

    /// Days since 1970-01-01 of the date part.
    var dayNumber: Int64 { CivilDays.days(fromCivil: year, month, day) }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    var weekday: Int {
        let days = dayNumber
        return Int(((days % 7) + 7 + 4) % 7)
    }

    static func < (lhs: CivilTime, rhs: CivilTime) -> Bool { lhs.wall < rhs.wall }

    static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Floor division, rounding towards negative infinity.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
}
