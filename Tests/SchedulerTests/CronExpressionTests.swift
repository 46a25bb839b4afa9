import Foundation
import Testing
@testable import Scheduler

@Suite struct CronExpressionTests {
    @Test func everyMinuteInUTC() throws {
        let calculator = try cron("* * * * *")
        #expect(iso(calculator.nextSlots(after: utc("2026-01-01T00:00:30Z"), count: 3))
            == ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z"])
    }

    @Test func nextIsStrictlyAfter() throws {
        let calculator = try cron("0 2 * * *")
        #expect(iso([calculator.nextSlot(after: utc("2026-01-01T02:00:00Z"))!]) == ["2026-01-02T02:00:00Z"])
        #expect(iso([calculator.nextSlot(after: utc("2026-01-01T01:59:59Z"))!]) == ["2026-01-01T02:00:00Z"])
    }

    @Test func rangesListsAndSteps() throws {
        let calculator = try cron("0,30 8-10/2 * * *")
        #expect(iso(calculator.nextSlots(after: utc("2026-01-01T00:00:00Z"), count: 5)) == [
            "2026-01-01T08:00:00Z", "2026-01-01T08:30:00Z", "2026-01-01T10:00:00Z", "2026-01-01T10:30:00Z",
            "2026-01-02T08:00:00Z",
        ])
        let quarter = try cron("*/15 * * * *")
        #expect(iso(quarter.nextSlots(after: utc("2026-01-01T00:07:00Z"), count: 3))
            == ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"])
    }

    @Test func monthAndDayNames() throws {
        // Weekdays at 09:00 in January and July; 2026-01-01 is a Thursday.
        let calculator = try cron("0 9 * JAN,jul mon-FRI")
        #expect(iso(calculator.nextSlots(after: utc("2026-01-01T10:00:00Z"), count: 2))
            == ["2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z"])
        #expect(iso([calculator.nextSlot(after: utc("2026-01-31T10:00:00Z"))!]) == ["2026-07-01T09:00:00Z"])
    }

    @Test func sundayIsZeroAndSeven() throws {
        let zero = try cron("0 3 * * 0")
        let seven = try cron("0 3 * * 7")
        let name = try cron("0 3 * * sun")
        let after = utc("2026-01-01T00:00:00Z")
        let expected = ["2026-01-04T03:00:00Z", "2026-01-11T03:00:00Z"]
        #expect(iso(zero.nextSlots(after: after, count: 2)) == expected)
        #expect(iso(seven.nextSlots(after: after, count: 2)) == expected)
        #expect(iso(name.nextSlots(after: after, count: 2)) == expected)
        let weekend = try cron("0 3 * * 6-7")
        #expect(iso(weekend.nextSlots(after: after, count: 2)) == ["2026-01-03T03:00:00Z", "2026-01-04T03:00:00Z"])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // Vixie: the 13th OR any Friday.
        let calculator = try cron("0 0 13 * fri")
        #expect(iso(calculator.nextSlots(after: utc("2026-02-01T00:00:00Z"), count: 4)) == [
            "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z", "2026-02-27T00:00:00Z",
        ])
        #expect(iso(calculator.nextSlots(after: utc("2026-03-01T00:00:00Z"), count: 3))
            == ["2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z"])
    }

    @Test func dayOfMonthAndDayOfWeekWhenOneIsStar() throws {
        // Day-of-week starts with "*": both must match (Vixie's DOW_STAR rule), so odd days that are Mondays.
        let calculator = try cron("0 0 * * mon")
        #expect(iso([calculator.nextSlot(after: utc("2026-01-01T00:00:00Z"))!]) == ["2026-01-05T00:00:00Z"])
        // "*/2" in day-of-week (Sun, Tue, Thu, Sat) starts with "*": AND, so odd days that are one of those.
        let stepped = try cron("0 0 1-31/2 * */2")
        #expect(iso(stepped.nextSlots(after: utc("2026-01-01T00:00:00Z"), count: 2))
            == ["2026-01-03T00:00:00Z", "2026-01-11T00:00:00Z"])
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@DAILY", "0 0 * * *"),
    ])
    func macros(macro: String, expansion: String) throws {
        let after = utc("2026-05-17T13:21:00Z")
        #expect(try cron(macro).nextSlots(after: after, count: 3) == cron(expansion).nextSlots(after: after, count: 3))
    }

    @Test func leapDay() throws {
        let calculator = try cron("0 12 29 feb *")
        #expect(iso(calculator.nextSlots(after: utc("2026-01-01T00:00:00Z"), count: 2))
            == ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"])
    }

    @Test func impossibleDateNeverMatches() throws {
        #expect(try cron("0 0 30 2 *").nextSlot(after: utc("2026-01-01T00:00:00Z")) == nil)
        #expect(try cron("0 0 31 apr,jun *").nextSlot(after: utc("2026-01-01T00:00:00Z")) == nil)
    }

    @Test(arguments: [
        ("61 2 * * *", "cron minute field \"61\" is out of range 0-59", 0),
        ("0 24 * * *", "cron hour field \"24\" is out of range 0-23", 2),
        ("0 0 0 * *", "cron day-of-month field \"0\" is out of range 1-31", 4),
        ("0 0 * 13 *", "cron month field \"13\" is out of range 1-12", 6),
        ("0 0 * * 8", "cron day-of-week field \"8\" is out of range 0-7", 8),
        ("0 1,2,99 * * *", "cron hour field \"1,2,99\": \"99\" is out of range 0-23", 6),
        ("0 0 * jnu *", "cron month field \"jnu\" has \"jnu\", which is not a number or month name (jan-dec)", 6),
        ("0 0 * * mon-xyz", "cron day-of-week field \"mon-xyz\" has \"xyz\", which is not a number or day name (sun-sat)", 8),
        ("*/0 * * * *", "cron minute field \"*/0\" has step 0; a step must be 1 or more", 0),
        ("5/10 * * * *", "cron minute field \"5/10\" has a step on a single value; write \"5-59/10\" or \"*/10\"", 0),
        ("0 10-5 * * *", "cron hour field \"10-5\" is a reversed range; write 5-10 or a list", 2),
        ("0 1,,2 * * *", "cron hour field \"1,,2\" has an empty list item", 4),
        ("*/x * * * *", "cron minute field \"*/x\" has step \"x\", which is not a number", 0),
    ])
    func fieldErrors(expression: String, message: String, offset: Int) {
        #expect(throws: CronParseError.self) { try CronExpression(expression) }
        do {
            _ = try CronExpression(expression)
        } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test func wrongFieldCountAndMacros() {
        #expect(throws: CronParseError.self) { try CronExpression("0 2 * *") }
        do { _ = try CronExpression("0 2 * *") } catch {
            #expect(error.message.hasPrefix("cron expression \"0 2 * *\" has 4 fields; expected 5"))
        }
        do { _ = try CronExpression("@reboot") } catch {
            #expect(error.message.hasPrefix("cron macro \"@reboot\" is not supported"))
        }
        #expect(throws: CronParseError.self) { try CronExpression("0 0 * * * *") }
        #expect(throws: CronParseError.self) { try CronExpression("") }
    }

    @Test func wildcardClassification() throws {
        #expect(try CronExpression("*/5 * * * *").followsRealTime)
        #expect(try CronExpression("15 * * * *").followsRealTime)
        #expect(try CronExpression("@hourly").followsRealTime)
        #expect(try !CronExpression("30 2 * * *").followsRealTime)
        #expect(try !CronExpression("0-59 0-23 * * *").followsRealTime)
        #expect(try !CronExpression("@daily").followsRealTime)
    }
}

@Suite struct IntervalTests {
    @Test(arguments: [("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("2d", 172_800), ("1d2h3m4s", 93784)])
    func parses(text: String, seconds: Int64) throws {
        let interval = try Interval(parsing: text)
        #expect(interval.seconds == seconds)
        #expect(interval.description == text)
    }

    @Test func canonicalSpelling() throws {
        #expect(try Interval(parsing: "90m").description == "1h30m")
        #expect(try Interval(parsing: "3600s").description == "1h")
    }

    @Test(arguments: ["", "30", "0s", "5x", "m", "1m1h", "1h1h", "1.5h", "-5m", "5 m"])
    func rejects(text: String) {
        #expect(throws: IntervalParseError.self) { try Interval(parsing: text) }
    }

    @Test func errorSaysWhatToWrite() {
        do { _ = try Interval(parsing: "5x") } catch {
            #expect(error.message == "\"5x\" has \"x\", which is not a unit (d, h, m, s); write a number and a unit, "
                + "e.g. 30s, 5m, 1h, 1h30m or 2d")
        }
    }

    @Test func slotsAreEpochAligned() {
        let calculator = SlotCalculator(recurrence: .every(try! Interval(parsing: "6h")), timeZone: zone("America/Argentina/Buenos_Aires"))
        #expect(iso(calculator.nextSlots(after: utc("2026-01-01T05:00:00Z"), count: 3))
            == ["2026-01-01T06:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T18:00:00Z"])
        let seconds = SlotCalculator(recurrence: .every(Interval(seconds: 1)), timeZone: zone("UTC"))
        #expect(iso(seconds.nextSlots(after: utc("2026-01-01T00:00:00.5Z"), count: 2))
            == ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"])
    }
}
