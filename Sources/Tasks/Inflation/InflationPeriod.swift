import Foundation

/// A month, `YYYY-MM`: the period a monthly inflation rate is published for.
struct InflationPeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    var year: Int
    var month: Int

    /// Parses `YYYY-MM` or a date `YYYY-MM-DD` (the month it falls in; sources date a month by its first or last
    /// day); `nil` for anything else.
    init?(_ text: String) {
        let parts = text.prefix(10).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0].count == 4, parts[1].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month)
        else { return nil }
        if parts.count == 3 {
            guard parts[2].count == 2, let day = Int(parts[2]), (1...31).contains(day), text.count == 10 else {
                return nil
            }
        } else if text.count != 7 {
            return nil
        }
        self.year = year
        self.month = month
    }

    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// The month `date` falls in, in Buenos Aires (where INDEC and BCRA publish).
    init(containing date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone =
            TimeZone(identifier: "America/Argentina/Buenos_Aires") ?? TimeZone(secondsFromGMT: -3 * 3600)!
        let components = calendar.dateComponents([.year, .month], from: date)
        self.init(year: components.year!, month: components.month!)
    }

    /// The month `months` later (earlier when negative).
    func adding(months: Int) -> InflationPeriod {
        let index = year * 12 + (month - 1) + months
        return InflationPeriod(year: index / 12, month: index % 12 + 1)
    }

    var description: String { String(format: "%04d-%02d", year, month) }

    static func < (lhs: InflationPeriod, rhs: InflationPeriod) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }
}
