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
        let (year, month, day) = Self.civil(fromDays: days)
        self.init(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60
        )
    }

    /// Seconds since 1970-01-01 00:00 of this civil time.
    var wall: Int64 {
        Self.days(fromCivil: year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    }

    /// Days since 1970-01-01 of the date part.
    var dayNumber: Int64 { Self.days(fromCivil: year, month, day) }

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

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
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

/// Floor division, rounding towards negative infinity.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
}
