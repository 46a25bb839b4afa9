import Broker
import Foundation
import Testing

@testable import Worker

/// Issue 23, part 3: the pieces of ETA promotion that need no Redis — the `eta` event, the due times a node
/// remembers, and the wakeup its promoter waits on.
@Suite struct EtaDueTimesTests {
    @Test("an eta event round-trips; a due time not finite or more than 1e7 s from now is refused")
    func parkedEventIsChecked() throws {
        let now = 1_700_000_000.0
        var buffer = LineBuffer()
        let event = WorkerEvent.parked(due: now + 1.234567)
        let lines = event.encodedLine.withUnsafeBytes { buffer.append($0) }
        #expect(lines.count == 1)
        #expect(try WorkerEvent(fields: lines[0], now: now) == event)
        for due in ["nan", "inf", "-inf", "1e300", String(now + 2e7), String(now - 2e7), "x", ""] {
            #expect(throws: WorkerEvent.DecodingError.self, "\(due)") { try WorkerEvent(fields: ["eta", due], now: now) }
        }
        #expect(throws: WorkerEvent.DecodingError.self) { try WorkerEvent(fields: ["eta"], now: now) }
        #expect(throws: WorkerEvent.DecodingError.self) { try WorkerEvent(fields: ["eta", String(now), "extra"], now: now) }
    }

    @Test("due times come out earliest first; promoting at t forgets exactly those up to t")
    func earliestFirst() {
        let times = EtaDueTimes()
        #expect(times.earliest == nil)
        var values = (0..<500).map { _ in Double.random(in: 0..<1000) }
        for value in values { times.add(value) }
        values.sort()
        #expect(times.earliest == values.first)
        times.forget(upTo: values[249])
        #expect(times.earliest == values[250])
        times.forget(upTo: 2000)
        #expect(times.earliest == nil)
    }

    @Test("a new earliest due time wakes the promoter; a later one does not")
    func newEarliestWakes() {
        let times = EtaDueTimes()
        times.add(100)
        #expect(times.wakeup.wait(until: .now))
        times.add(200)
        #expect(!times.wakeup.wait(until: .now))
        times.add(50)
        #expect(times.wakeup.wait(until: .now))
    }

    @Test("a wakeup's wait ends at its deadline (never before), or at once on a signal from another thread")
    func wakeupWaits() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        #expect(!wakeup.wait(until: start + .milliseconds(30)))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
        let signalled = ContinuousClock.now
        PosixThread.start(name: "signal") { wakeup.signal() }
        #expect(wakeup.wait(until: signalled + .seconds(30)))
        #expect(ContinuousClock.now - signalled < .seconds(10))
    }
}
