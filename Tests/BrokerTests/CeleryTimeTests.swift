import Foundation
import Testing

@testable import Broker

/// Celery's timestamps: written as UTC with six fractional digits and `+00:00`; read in every form Python writes.
@Suite struct CeleryTimeTests {
    static let instant = Date(timeIntervalSince1970: 1_795_377_525.868166)  // 2026-11-22T19:58:45.868166Z

    @Test(arguments: [
        (1_795_377_525.868166, "2026-11-22T19:58:45.868166+00:00"),
        (0, "1970-01-01T00:00:00.000000+00:00"),
        (-0.5, "1969-12-31T23:59:59.500000+00:00"),
        (1_709_208_000, "2024-02-29T12:00:00.000000+00:00"),
        (1_767_323_045.000001, "2026-01-02T03:04:05.000001+00:00"),
        (253_402_300_799, "9999-12-31T23:59:59.000000+00:00"),
        // Beyond Python's years 1-9999: the year is written as it is, zeros in front up to four characters.
        (253_402_300_800, "10000-01-01T00:00:00.000000+00:00"),
        (-62_167_219_200, "0000-01-01T00:00:00.000000+00:00"),
        (-62_198_755_200, "00-1-01-01T00:00:00.000000+00:00"),
    ])
    func format(seconds: Double, text: String) {
        #expect(CeleryTime.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test func formatRoundsToTheNearestMicrosecond() {
        #expect(CeleryTime.format(Date(timeIntervalSince1970: 1.0000004)) == "1970-01-01T00:00:01.000000+00:00")
        #expect(CeleryTime.format(Date(timeIntervalSince1970: 1.9999996)) == "1970-01-01T00:00:02.000000+00:00")
    }

    @Test(arguments: [
        "2026-11-22T19:58:45.868166+00:00",  // Celery's own form
        "2026-11-22T19:58:45.868166Z",
        "2026-11-22T19:58:45.868166z",
        "2026-11-22T19:58:45.868166",  // naive: read as UTC, Celery's default app time zone
        "2026-11-22 19:58:45.868166",  // Python's str(datetime)
        "2026-11-22T21:58:45.868166+02:00",
        "2026-11-22T14:28:45.868166-05:30",
        "2026-11-22T21:58:45.868166+0200",
        "2026-11-22T21:58:45.868166+02",
        "2026-11-22T19:58:45.8681660",  // more than six digits
        "2026-11-22T19:58:45.868166000+00:00",
    ])
    func parse(text: String) throws {
        let date = try #require(CeleryTime.parse(text))
        #expect(abs(date.timeIntervalSince(Self.instant)) < 0.000_001)
        #expect(CeleryTime.format(date) == "2026-11-22T19:58:45.868166+00:00")
    }

    @Test(arguments: [
        ("2026-11-22T19:58:45+00:00", "2026-11-22T19:58:45.000000+00:00"),
        ("2026-11-22T19:58:45.5", "2026-11-22T19:58:45.500000+00:00"),
        ("2026-11-22T19:58:45.123", "2026-11-22T19:58:45.123000+00:00"),
        ("2026-11-22T19:58", "2026-11-22T19:58:00.000000+00:00"),
        ("2026-11-22", "2026-11-22T00:00:00.000000+00:00"),
        ("2026-11-23T00:30:00+01:00", "2026-11-22T23:30:00.000000+00:00"),  // offsets cross midnight
        ("2024-02-29T23:59:59.999999-00:01", "2024-03-01T00:00:59.999999+00:00"),
    ])
    func parseOtherPrecisions(text: String, utc: String) throws {
        #expect(CeleryTime.parse(text).map(CeleryTime.format) == utc)
    }

    @Test(arguments: [
        "", "yesterday", "2026-13-01T00:00:00", "2026-00-10", "2026-11-32", "2026-11-22T24:00:00",
        "2026-11-22T19:60:00", "2026-11-22T19:58:45.", "2026-11-22T19:58:45+", "2026-11-22T19:58:45 UTC",
        "2026-11-22T19:58:45+00:00x", "26-11-22", "2026/11/22", "1795377525.868166",
    ])
    func rejects(text: String) {
        #expect(CeleryTime.parse(text) == nil)
    }

    @Test func formatAndParseRoundTrip() throws {
        for seconds in stride(from: -86_400.0 * 365, through: 86_400.0 * 365 * 80, by: 86_400.0 * 17 + 0.123457) {
            let text = CeleryTime.format(Date(timeIntervalSince1970: seconds))
            let back = try #require(CeleryTime.parse(text))
            #expect(CeleryTime.format(back) == text)
        }
    }
}
