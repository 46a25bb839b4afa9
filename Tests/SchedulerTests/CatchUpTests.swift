import Foundation
import Testing
@testable import Scheduler

/// Missed-slot policies: which slots one tick enqueues, given the last slot any scheduler enqueued.
@Suite struct CatchUpTests {
    let grace = Duration.seconds(10)

    func entry(_ recurrence: String, _ policy: CatchUpPolicy, zone zoneName: String = "UTC") throws -> ScheduleEntry {
        let parsed: Recurrence = recurrence.hasPrefix("every ")
            ? .every(try Interval(parsing: String(recurrence.dropFirst(6)))) : .cron(try CronExpression(recurrence))
        return ScheduleEntry(name: "e", task: "t", recurrence: parsed, timeZone: zone(zoneName), catchUp: policy)
    }

    @Test(arguments: CatchUpPolicy.allCases)
    func onTimeSlotRunsWhateverThePolicy(policy: CatchUpPolicy) throws {
        let hourly = try entry("0 * * * *", policy)
        let plan = hourly.plan(lastSlot: utc("2026-01-01T09:00:00Z"), now: utc("2026-01-01T10:00:03Z"), grace: grace)
        #expect(iso(plan.slots) == ["2026-01-01T10:00:00Z"])
        #expect(plan.skipped == 0)
    }

    @Test(arguments: CatchUpPolicy.allCases)
    func nothingDueBeforeTheSlot(policy: CatchUpPolicy) throws {
        let hourly = try entry("0 * * * *", policy)
        let plan = hourly.plan(lastSlot: utc("2026-01-01T10:00:00Z"), now: utc("2026-01-01T10:59:59Z"), grace: grace)
        #expect(plan.slots.isEmpty)
        #expect(plan.skipped == 0)
    }

    @Test func neverRunEntryStartsWithTheLatestOnTimeSlotOnly() throws {
        let hourly = try entry("0 * * * *", .all)
        #expect(hourly.plan(lastSlot: nil, now: utc("2026-01-01T10:30:00Z"), grace: grace).slots.isEmpty)
        #expect(iso(hourly.plan(lastSlot: nil, now: utc("2026-01-01T10:00:05Z"), grace: grace).slots) == ["2026-01-01T10:00:00Z"])
        let seconds = try entry("every 1s", .all)
        #expect(iso(seconds.plan(lastSlot: nil, now: utc("2026-01-01T10:00:05.5Z"), grace: grace).slots) == ["2026-01-01T10:00:05Z"])
    }

    /// Down from 06:30 to 10:30: the 07:00, 08:00, 09:00 and 10:00 slots were missed.
    @Test func skipDropsMissedSlots() throws {
        let plan = try entry("0 * * * *", .skip).plan(lastSlot: utc("2026-01-01T06:00:00Z"), now: utc("2026-01-01T10:30:00Z"), grace: grace)
        #expect(plan.slots.isEmpty)
        #expect(plan.skipped == 4)
    }

    @Test func onceRunsTheLatestMissedSlot() throws {
        let plan = try entry("0 * * * *", .once).plan(lastSlot: utc("2026-01-01T06:00:00Z"), now: utc("2026-01-01T10:30:00Z"), grace: grace)
        #expect(iso(plan.slots) == ["2026-01-01T10:00:00Z"])
        #expect(plan.skipped == 3)
    }

    @Test func onceDefersToAnOnTimeSlot() throws {
        // Back exactly at 10:00:02: the 10:00 slot runs on time, so the missed 07:00–09:00 are not also run.
        let plan = try entry("0 * * * *", .once).plan(lastSlot: utc("2026-01-01T06:00:00Z"), now: utc("2026-01-01T10:00:02Z"), grace: grace)
        #expect(iso(plan.slots) == ["2026-01-01T10:00:00Z"])
        #expect(plan.skipped == 3)
    }

    @Test func allRunsEveryMissedSlotOldestFirst() throws {
        let plan = try entry("0 * * * *", .all).plan(lastSlot: utc("2026-01-01T06:00:00Z"), now: utc("2026-01-01T10:00:02Z"), grace: grace)
        #expect(iso(plan.slots) == ["2026-01-01T07:00:00Z", "2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z"])
        #expect(plan.skipped == 0)
    }

    @Test func allIsBoundedToTheLatestHundred() throws {
        // Every minute, down for a week: 10,080 missed slots; only the latest 100 run.
        let plan = try entry("* * * * *", .all).plan(lastSlot: utc("2026-01-01T00:00:00Z"), now: utc("2026-01-08T00:00:30Z"), grace: grace)
        #expect(plan.slots.count == CatchUpPolicy.maximumSlots)
        #expect(iso([plan.slots.first!, plan.slots.last!]) == ["2026-01-07T22:21:00Z", "2026-01-08T00:00:00Z"])
        #expect(plan.skipped == 10_000 - 100)  // counted up to 10,000
        let seconds = try entry("every 1s", .all).plan(lastSlot: utc("2026-01-01T00:00:00Z"), now: utc("2026-01-02T00:00:00Z"), grace: grace)
        #expect(seconds.slots.count == 100 + 10)  // the latest 100 missed, then 10 on time
        #expect(iso([seconds.slots.last!]) == ["2026-01-02T00:00:00Z"])
    }

    @Test func slotsWithinGraceAllRunEvenWithSkip() throws {
        // A scheduler 4 s late on a one-second entry is late, not down: all four slots run.
        let plan = try entry("every 1s", .skip).plan(lastSlot: utc("2026-01-01T00:00:00Z"), now: utc("2026-01-01T00:00:04Z"), grace: grace)
        #expect(iso(plan.slots) == ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z", "2026-01-01T00:00:04Z"])
    }

    @Test func longDowntimeIsCheap() throws {
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for policy in CatchUpPolicy.allCases {
                _ = try entry("*/5 * * * *", policy, zone: "Europe/Madrid")
                    .plan(lastSlot: utc("2020-01-01T00:00:00Z"), now: utc("2026-01-01T00:00:00Z"), grace: grace)
            }
        }
        #expect(elapsed < .seconds(5))
    }

    @Test func dailyAcrossSpringForwardCatchesUpTheShiftedSlot() throws {
        // Down across 8 March 03:00 EDT (the gap run of "30 2 * * *"): `once` runs that slot.
        let plan = try entry("30 2 * * *", .once, zone: "America/New_York")
            .plan(lastSlot: utc("2026-03-07T07:30:00Z"), now: utc("2026-03-08T12:00:00Z"), grace: grace)
        #expect(iso(plan.slots) == ["2026-03-08T07:00:00Z"])
    }
}
