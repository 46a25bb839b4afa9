import Broker
import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) as Vixie cron reads it.
///
/// Fields accept `*`, numbers, ranges (`1-5`), lists (`1,15,30`), steps on `*` or on a range
/// (`*/15`, `8-18/2`) and, in the month and day-of-week fields, three-letter names (`jan`, `mon-fri`).
/// Day of week 0 and 7 are both Sunday. The macros `@hourly`, `@daily` (`@midnight`), `@weekly`,
/// `@monthly` and `@yearly` (`@annually`) stand for their usual expansions.
///
/// Day of month and day of week combine as in Vixie cron: when both fields are restricted (neither
/// starts with `*`), a day matches when *either* matches; otherwise both must match.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let description: String

    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    /// The day-of-month field starts with `*`.
    let dayOfMonthIsStar: Bool
    /// The day-of-week field starts with `*`.
    let dayOfWeekIsStar: Bool
    /// The minute or hour field starts with `*`: Vixie cron's "wildcard" jobs, which follow real time
    /// across DST changes, as opposed to fixed-time jobs (see `docs/scheduling.md`).
    let followsRealTime: Bool

    /// Parses an expression.
    /// - Throws: ``CronParseError`` naming the field, the offending text and its position.
    public init(_ text: String) throws(CronParseError) {
        description = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var source = text
        var baseOffset = 0
        if trimmed.hasPrefix("@") {
            guard let expansion = Self.macros[trimmed.lowercased()] else {
                throw CronParseError(
                    field: nil, offset: Self.leadingSpaces(text),
                    message: "cron macro \"\(trimmed)\" is not supported; use @hourly, @daily, @weekly, @monthly, "
                        + "@yearly or five fields"
                )
            }
            source = expansion
            baseOffset = -1  // positions inside an expansion point at the macro itself
        }
        let fields = Self.split(source)
        guard fields.count == 5 else {
            throw CronParseError(
                field: nil, offset: Self.leadingSpaces(text),
                message: "cron expression \"\(trimmed)\" has \(fields.count) field\(fields.count == 1 ? "" : "s"); "
                    + "expected 5 (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, "
                    + "@monthly, @yearly"
            )
        }
        var bits: [UInt64] = []
        for (field, (part, offset)) in zip(CronField.allCases, fields) {
            bits.append(try field.parse(part, offset: baseOffset < 0 ? Self.leadingSpaces(text) : offset))
        }
        minutes = bits[0]
        hours = bits[1]
        daysOfMonth = bits[2]
        months = bits[3]
        // Day of week 7 is Sunday, like 0.
        daysOfWeek = (bits[4] & ~(1 << 7)) | ((bits[4] >> 7) & 1)
        dayOfMonthIsStar = fields[2].text.hasPrefix("*")
        dayOfWeekIsStar = fields[4].text.hasPrefix("*")
        followsRealTime = fields[0].text.hasPrefix("*") || fields[1].text.hasPrefix("*")
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    private static func leadingSpaces(_ text: String) -> Int {
        text.prefix { $0 == " " || $0 == "\t" }.count
    }

    /// Splits on blanks, keeping each field's character offset.
    private static func split(_ text: String) -> [(text: String, offset: Int)] {
        var fields: [(String, Int)] = []
        var current = ""
        var start = 0
        for (index, character) in text.enumerated() {
            if character == " " || character == "\t" {
                if !current.isEmpty { fields.append((current, start)) }
                current = ""
            } else {
                if current.isEmpty { start = index }
                current.append(character)
            }
        }
        if !current.isEmpty { fields.append((current, start)) }
        return fields
    }

    // MARK: Matching

    /// Whether the date part of `time` matches the month, day-of-month and day-of-week fields.
    func matchesDay(_ time: CivilTime) -> Bool {
        guard months.has(Int(time.month)) else { return false }
        let dayOfMonth = daysOfMonth.has(Int(time.day))
        let dayOfWeek = daysOfWeek.has(time.weekday)
        return dayOfMonthIsStar || dayOfWeekIsStar ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek
    }

    /// Whether a wall-clock time matches (seconds must be zero).
    func matches(_ time: CivilTime) -> Bool {
        time.second == 0 && minutes.has(Int(time.minute)) && hours.has(Int(time.hour)) && matchesDay(time)
    }

    /// How far ahead ``nextMatch(after:)`` looks before deciding an expression never matches.
    static let searchYears: Int64 = 30

    /// The first matching wall time strictly after `wall` (seconds since 1970-01-01 00:00, civil), or
    /// `nil` when none occurs in the next ``searchYears`` years (e.g. `0 0 30 2 *`).
    func nextMatch(after wall: Int64) -> Int64? {
        var time = CivilTime(wall: floorDivide(wall, 60) * 60 + 60)
        let lastYear = time.year + Self.searchYears
        func nextDay(_ time: inout CivilTime) {
            let (year, month, day) = CivilDays.civil(fromDays: time.dayNumber + 1)
            time = CivilTime(year: year, month: month, day: day)
        }
        while time.year <= lastYear {
            if !months.has(Int(time.month)) {
                if let month = months.next(atOrAfter: Int(time.month) + 1), month <= 12 {
                    time = CivilTime(year: time.year, month: Int64(month), day: 1)
                } else {
                    time = CivilTime(year: time.year + 1, month: Int64(months.next(atOrAfter: 1) ?? 1), day: 1)
                }
                continue
            }
            if !matchesDay(time) {
                nextDay(&time)
                continue
            }
            guard let hour = hours.next(atOrAfter: Int(time.hour)), hour <= 23 else {
                nextDay(&time)
                continue
            }
            if hour != Int(time.hour) {
                time.hour = Int64(hour)
                time.minute = 0
            }
            guard let minute = minutes.next(atOrAfter: Int(time.minute)), minute <= 59 else {
                if time.hour == 23 {
                    nextDay(&time)
                } else {
                    time.hour += 1
                    time.minute = 0
                }
                continue
            }
            time.minute = Int64(minute)
            return time.wall
        }
        return nil
    }
}

/// Why a cron expression cannot be used.
public struct CronParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field at fault (`minute`, `hour`, `day-of-month`, `month`, `day-of-week`), or `nil` when the
    /// expression as a whole is wrong.
    public var field: String?
    /// The character offset (0-based) in the expression where the offending text starts.
    public var offset: Int
    /// What is wrong, e.g. `cron minute field "61" is out of range 0-59`.
    public var message: String

    public var description: String { message }
}

/// The five fields, in order.
enum CronField: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .minute: return "minute"
        case .hour: return "hour"
        case .dayOfMonth: return "day-of-month"
        case .month: return "month"
        case .dayOfWeek: return "day-of-week"
        }
    }

    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: return 0...59
        case .hour: return 0...23
        case .dayOfMonth: return 1...31
        case .month: return 1...12
        case .dayOfWeek: return 0...7
        }
    }

    var names: [String] {
        switch self {
        case .month: return ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        case .dayOfWeek: return ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        default: return []
        }
    }

    /// The value of a number or name, e.g. `jan` → 1, `sun` → 0.
    private func value(_ text: Substring) -> Int? {
        if let number = Int(text), text.allSatisfy(\.isASCII) { return number }
        guard let index = names.firstIndex(of: text.lowercased()) else { return nil }
        return self == .month ? index + 1 : index
    }

    /// Parses one field into a bit set.
    func parse(_ text: String, offset: Int) throws(CronParseError) -> UInt64 {
        var bits: UInt64 = 0
        var itemOffset = offset
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            defer { itemOffset += item.count + 1 }
            func fail(_ problem: String) -> CronParseError {
                let subject = item == Substring(text) ? "\"\(text)\"" : "\"\(text)\": \"\(item)\""
                return CronParseError(field: name, offset: itemOffset, message: "cron \(name) field \(subject) \(problem)")
            }
            guard !item.isEmpty else {
                throw CronParseError(
                    field: name, offset: itemOffset, message: "cron \(name) field \"\(text)\" has an empty list item"
                )
            }
            var rangePart = item
            var step = 1
            if let slash = item.firstIndex(of: "/") {
                rangePart = item[..<slash]
                let stepText = item[item.index(after: slash)...]
                guard let parsed = Int(stepText), stepText.allSatisfy(\.isASCII) else {
                    throw fail("has step \"\(stepText)\", which is not a number")
                }
                guard parsed >= 1 else { throw fail("has step \(parsed); a step must be 1 or more") }
                step = parsed
            }
            let lower: Int
            let upper: Int
            if rangePart == "*" {
                lower = bounds.lowerBound
                upper = self == .dayOfWeek ? 6 : bounds.upperBound
            } else if let dash = rangePart.firstIndex(of: "-") {
                let startText = rangePart[..<dash]
                let endText = rangePart[rangePart.index(after: dash)...]
                guard let start = value(startText) else { throw fail(notAValue(startText)) }
                guard let end = value(endText) else { throw fail(notAValue(endText)) }
                guard bounds.contains(start) else { throw fail("is out of range \(bounds.lowerBound)-\(bounds.upperBound)") }
                guard bounds.contains(end) else { throw fail("is out of range \(bounds.lowerBound)-\(bounds.upperBound)") }
                guard start <= end else { throw fail("is a reversed range; write \(end)-\(start) or a list") }
                lower = start
                upper = end
            } else {
                guard let single = value(rangePart) else { throw fail(notAValue(rangePart)) }
                guard bounds.contains(single) else {
                    throw fail("is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
                }
                if step != 1 || item.contains("/") {
                    throw fail(
                        "has a step on a single value; write \"\(rangePart)-\(bounds.upperBound)/\(step)\" or "
                            + "\"*/\(step)\""
                    )
                }
                lower = single
                upper = single
            }
            for value in stride(from: lower, through: upper, by: step) { bits |= 1 << UInt64(value) }
        }
        return bits
    }

    private func notAValue(_ text: Substring) -> String {
        switch self {
        case .month: return "has \"\(text)\", which is not a number or month name (jan-dec)"
        case .dayOfWeek: return "has \"\(text)\", which is not a number or day name (sun-sat)"
        default: return "has \"\(text)\", which is not a number"
        }
    }
}

extension UInt64 {
    func has(_ bit: Int) -> Bool { bit >= 0 && bit < 64 && self & (1 << UInt64(bit)) != 0 }

    /// The lowest set bit at or above `bit`.
    func next(atOrAfter bit: Int) -> Int? {
        guard bit < 64 else { return nil }
        let masked = (self >> UInt64(bit)) << UInt64(bit)
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }
}
