import Foundation
import Testing
@testable import Scheduler

/// Daylight-saving behaviour (see docs/scheduling.md, "Time zones and DST").
///
/// 2026 changes: New York springs forward on 8 March at 02:00 EST (07:00 UTC) and falls back on
/// 1 November at 02:00 EDT (06:00 UTC; 01:00–02:00 repeats). Madrid springs forward on 29 March at
/// 02:00 CET (01:00 UTC) and falls back on 25 October at 03:00 CEST (01:00 UTC; 02:00–03:00 repeats).
@Suite struct TimeZoneTests {
    /// The local dates of `runs` in `zoneName`, to check one run per day.
    func localDays(_ runs: [Date], _ zoneName: String) -> [String] {
        runs.map { String(TimeFormat.local($0, in: zone(zoneName)).prefix(10)) }
    }

    @Test func newYorkDaily0230AcrossSpringForward() throws {
        let runs = slots(try cron("30 2 * * *", "America/New_York"), from: utc("2026-03-06T12:00:00Z"), to: utc("2026-03-11T00:00:00Z"))
        // 8 March: 02:30 does not exist; the job runs once, at 03:00 EDT, the first instant after the gap.
        #expect(iso(runs) == [
            "2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z",
        ])
        #expect(localDays(runs, "America/New_York") == ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"])
        #expect(TimeFormat.local(runs[1], in: zone("America/New_York")) == "2026-03-08 03:00:00 -04:00 Sun")
    }

    @Test func newYorkDaily0230AcrossFallBack() throws {
        // 02:30 is not repeated in New York (01:00–02:00 is); one run a day, always at 02:30 local.
        let runs = slots(try cron("30 2 * * *", "America/New_York"), from: utc("2026-10-31T00:00:00Z"), to: utc("2026-11-03T00:00:00Z"))
        #expect(iso(runs) == ["2026-10-31T06:30:00Z", "2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"])
    }

    @Test func newYorkDaily0130RunsOnceWhenTheHourRepeats() throws {
        let runs = slots(try cron("30 1 * * *", "America/New_York"), from: utc("2026-10-31T00:00:00Z"), to: utc("2026-11-03T00:00:00Z"))
        // 1 November: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST); it runs at the first only.
        #expect(iso(runs) == ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        #expect(localDays(runs, "America/New_York") == ["2026-10-31", "2026-11-01", "2026-11-02"])
    }

    @Test func newYorkRepeatedHourSkippedEvenWhenSearchStartsInside() throws {
        // Starting the search during the second 01:00–02:00, the 01:30 job must not run again that day.
        let calculator = try cron("30 1 * * *", "America/New_York")
        #expect(iso([calculator.nextSlot(after: utc("2026-11-01T06:10:00Z"))!]) == ["2026-11-02T06:30:00Z"])
        #expect(iso([calculator.nextSlot(after: utc("2026-11-01T05:10:00Z"))!]) == ["2026-11-01T05:30:00Z"])
    }

    @Test func madridDaily0230AcrossSpringForward() throws {
        let runs = slots(try cron("30 2 * * *", "Europe/Madrid"), from: utc("2026-03-27T12:00:00Z"), to: utc("2026-04-01T00:00:00Z"))
        #expect(iso(runs) == [
            "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z",
        ])
        #expect(TimeFormat.local(runs[1], in: zone("Europe/Madrid")) == "2026-03-29 03:00:00 +02:00 Sun")
        #expect(localDays(runs, "Europe/Madrid") == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"])
    }

    @Test func madridDaily0230AcrossFallBack() throws {
        // 25 October: 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET); it runs at the first only.
        let runs = slots(try cron("30 2 * * *", "Europe/Madrid"), from: utc("2026-10-23T12:00:00Z"), to: utc("2026-10-28T00:00:00Z"))
        #expect(iso(runs) == [
            "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z",
        ])
        #expect(localDays(runs, "Europe/Madrid") == ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"])
    }

    @Test(arguments: ["America/New_York", "Europe/Madrid"])
    func dailyJobsRunOncePerLocalDayAllYear(zoneName: String) throws {
        for expression in ["30 2 * * *", "30 1 * * *", "0 2 * * *", "0 3 * * *", "59 2 * * *"] {
            let runs = slots(try cron(expression, zoneName), from: utc("2026-01-01T12:00:00Z"), to: utc("2027-01-01T12:00:00Z"))
            let days = localDays(runs, zoneName)
            #expect(runs.count == 365, "\(expression) in \(zoneName)")
            #expect(Set(days).count == days.count, "\(expression) in \(zoneName) ran twice on a day")
        }
    }

    @Test func gapTimesCollapseIntoOneRun() throws {
        // Every quarter hour of 02:00–02:59 does not exist on 8 March; all of them together run once at 03:00.
        let runs = slots(try cron("0,15,30,45 2,3 * * *", "America/New_York"), from: utc("2026-03-08T05:00:00Z"), to: utc("2026-03-08T09:00:00Z"))
        #expect(iso(runs) == ["2026-03-08T07:00:00Z", "2026-03-08T07:15:00Z", "2026-03-08T07:30:00Z", "2026-03-08T07:45:00Z"])
    }

    @Test func wildcardJobsFollowRealTime() throws {
        // "30 * * * *" runs every real hour: skipped 02:30 is not made up, and repeated 01:30 runs twice.
        let calculator = try cron("30 * * * *", "America/New_York")
        let spring = slots(calculator, from: utc("2026-03-08T05:00:00Z"), to: utc("2026-03-08T09:00:00Z"))
        #expect(iso(spring) == ["2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z"])
        let fall = slots(calculator, from: utc("2026-11-01T04:00:00Z"), to: utc("2026-11-01T08:00:00Z"))
        #expect(iso(fall) == ["2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"])
        let everyFive = try cron("*/5 * * * *", "Europe/Madrid")
        let gaps = zip(
            slots(everyFive, from: utc("2026-10-24T22:00:00Z"), to: utc("2026-10-25T04:00:00Z")),
            slots(everyFive, from: utc("2026-10-24T22:00:00Z"), to: utc("2026-10-25T04:00:00Z")).dropFirst()
        ).map { $1.timeIntervalSince($0) }
        #expect(Set(gaps) == [300])
    }

    @Test func buenosAiresHasNoDSTAndIsThreeHoursBehind() throws {
        let calculator = try cron("0 2 * * *", "America/Argentina/Buenos_Aires")
        #expect(iso(calculator.nextSlots(after: utc("2026-06-30T12:00:00Z"), count: 2))
            == ["2026-07-01T05:00:00Z", "2026-07-02T05:00:00Z"])
        #expect(iso(calculator.nextSlots(after: utc("2026-12-30T12:00:00Z"), count: 2))
            == ["2026-12-31T05:00:00Z", "2027-01-01T05:00:00Z"])
        let sundays = try cron("0 3 * * sun", "America/Argentina/Buenos_Aires")
        let next = try #require(sundays.nextSlot(after: utc("2026-11-23T00:00:00Z")))
        #expect(TimeFormat.local(next, in: zone("America/Argentina/Buenos_Aires")) == "2026-11-29 03:00:00 -03:00 Sun")
        #expect(iso([next]) == ["2026-11-29T06:00:00Z"])
    }

    @Test func monthlyAcrossDSTChanges() throws {
        // 1st of the month 06:00 local keeps its wall time whatever the offset.
        let runs = try cron("0 6 1 * *", "Europe/Madrid").nextSlots(after: utc("2026-02-15T00:00:00Z"), count: 9)
        #expect(runs.map { TimeFormat.local($0, in: zone("Europe/Madrid")).dropFirst(8).prefix(11) }.allSatisfy { $0 == "01 06:00:00" })
    }

    @Test func samoaSkippedADay() throws {
        // Pacific/Apia jumped from 29 to 31 December 2011 (UTC-10 → UTC+14): all of the 30th is a gap, so
        // its 12:00 run happens at the first instant after the gap, 00:00 on the 31st; nothing is lost.
        let runs = slots(try cron("0 12 * * *", "Pacific/Apia"), from: utc("2011-12-28T00:00:00Z"), to: utc("2011-12-31T23:00:00Z"))
        let local = runs.map { String(TimeFormat.local($0, in: zone("Pacific/Apia")).prefix(16)) }
        #expect(local == ["2011-12-28 12:00", "2011-12-29 12:00", "2011-12-31 00:00", "2011-12-31 12:00", "2012-01-01 12:00"])
    }
}
