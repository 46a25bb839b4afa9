/// A whole number of seconds written with units, as in `30s`, `5m`, `1h`, `1h30m` or `2d`.
///
/// Used for `every:` (how often an entry runs) and `expires:` (how long after its slot a message
/// may still run). Units go from largest to smallest, each at most once: `d`, `h`, `m`, `s`.
public struct Interval: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in seconds, always at least 1.
    public let seconds: Int64

    /// An interval of `seconds` seconds.
    /// - Precondition: `seconds >= 1`.
    public init(seconds: Int64) {
        precondition(seconds >= 1, "an interval is at least one second")
        self.seconds = seconds
    }

    /// Parses `30s`, `5m`, `1h30m`, `2d`, …
    /// - Throws: ``IntervalParseError`` saying what is wrong and showing the accepted form.
    public init(parsing text: String) throws(IntervalParseError) {
        let units: [(Character, Int64)] = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        func fail(_ problem: String) -> IntervalParseError {
            IntervalParseError(
                message: "\"\(text)\" \(problem); write a number and a unit, e.g. 30s, 5m, 1h, 1h30m or 2d"
            )
        }
        guard !text.isEmpty else { throw fail("is empty") }
        var total: Int64 = 0
        var digits = ""
        var nextUnit = 0
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let unitIndex = units.firstIndex(where: { $0.0 == character }) else {
                throw fail("has \"\(character)\", which is not a unit (d, h, m, s)")
            }
            guard !digits.isEmpty else { throw fail("has a unit \"\(character)\" without a number before it") }
            guard unitIndex >= nextUnit else { throw fail("has units out of order or repeated") }
            guard let value = Int64(digits) else { throw fail("is too large") }
            let (product, overflow) = value.multipliedReportingOverflow(by: units[unitIndex].1)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow, !overflow2, sum <= 100 * 366 * 86400 else { throw fail("is too large") }
            total = sum
            digits = ""
            nextUnit = unitIndex + 1
        }
        guard digits.isEmpty else { throw fail("ends in a number without a unit") }
        guard total >= 1 else { throw fail("is zero") }
        seconds = total
    }

    /// The canonical spelling, e.g. `1h30m`.
    public var description: String {
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    /// The interval as a `Duration`.
    public var duration: Duration { .seconds(seconds) }

    public static func < (lhs: Interval, rhs: Interval) -> Bool { lhs.seconds < rhs.seconds }
}

/// Why an interval such as `every: 5x` cannot be used.
public struct IntervalParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, quoting the text.
    public var message: String
    public var description: String { message }
}
