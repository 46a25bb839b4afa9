import Broker
import Foundation
@testable import Scheduler

/// `2026-03-08T07:00:00Z` → Date; crashes on a typo (tests only).
func utc(_ text: String) -> Date {
    guard let date = CeleryTime.parse(text) else { fatalError("bad test date \(text)") }
    return date
}

func zone(_ name: String) -> TimeZone {
    guard let zone = TimeZone(identifier: name) else { fatalError("unknown zone \(name)") }
    return zone
}

func cron(_ text: String, _ zoneName: String = "UTC") throws -> SlotCalculator {
    SlotCalculator(recurrence: .cron(try CronExpression(text)), timeZone: zone(zoneName))
}

/// ISO UTC text of each date, for readable expectations.
func iso(_ dates: [Date]) -> [String] {
    dates.map { TimeFormat.stamp(CivilTime(wall: Slot.seconds($0))).replacingOccurrences(of: " ", with: "T") + "Z" }
}

/// Every slot in [from, to).
func slots(_ calculator: SlotCalculator, from: Date, to: Date) -> [Date] {
    var result: [Date] = []
    var cursor = from.addingTimeInterval(-1)
    while let next = calculator.nextSlot(after: cursor), next < to {
        result.append(next)
        cursor = next
    }
    return result
}
