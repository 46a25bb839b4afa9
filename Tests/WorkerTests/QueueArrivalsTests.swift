import Testing
@testable import Operations
@testable import Worker

/// The arrival-counting estimate of queue wait (pure logic; the Redis side is in OperationsTests).
@Suite("queue arrivals")
struct QueueArrivalsTests {
    typealias Record = QueueArrivals.Record

    /// Records as Redis returns them, newest first.
    static func history(_ records: [Record]) -> QueueArrivals.History {
        var history = QueueArrivals.History()
        history.merge(newestFirst: records.reversed())
        return history
    }

    @Test("a pop inside a bracket is placed evenly in it; the error is the bracket")
    func interpolates() {
        let history = Self.history([Record(count: 10, first: 100, last: 104), Record(count: 14, first: 106, last: 110)])
        // Pops 11…14 arrived between 104 and 106: at 104.25, 104.75, 105.25, 105.75.
        #expect(history.arrival(ofPop: 11, started: 200) == .arrived(time: 104.25, error: 2))
        #expect(history.arrival(ofPop: 14, started: 200) == .arrived(time: 105.75, error: 2))
        // Started before the next sighting: the bracket ends at the start.
        #expect(history.arrival(ofPop: 12, started: 105) == .arrived(time: 104.375, error: 1))
    }

    @Test("before the first record: unknown; beyond the newest: pending; a bracket over 60 s: unknown")
    func outsideTheRecords() {
        let history = Self.history([Record(count: 10, first: 100, last: 104), Record(count: 12, first: 200, last: 201)])
        #expect(history.arrival(ofPop: 9, started: 300) == .unknown)
        #expect(history.arrival(ofPop: 10, started: 300) == .unknown)
        #expect(history.arrival(ofPop: 11, started: 300) == .unknown)
        #expect(history.arrival(ofPop: 13, started: 300) == .pending)
    }

    @Test("merging keeps older records, replaces re-read ones, and starts again when the count goes down")
    func merges() {
        var history = Self.history([Record(count: 5, first: 1, last: 2), Record(count: 8, first: 3, last: 4)])
        history.merge(newestFirst: [Record(count: 9, first: 5, last: 6), Record(count: 8, first: 3, last: 5)])
        #expect(history.records == [Record(count: 5, first: 1, last: 2), Record(count: 8, first: 3, last: 5), Record(count: 9, first: 5, last: 6)])
        history.merge(newestFirst: [Record(count: 2, first: 7, last: 7)])
        #expect(history.records == [Record(count: 2, first: 7, last: 7)])
        #expect(Record("12 1764380000.25 1764380001.5") == Record(count: 12, first: 1764380000.25, last: 1764380001.5))
        #expect(Record("12 x 1") == nil)
    }
}
