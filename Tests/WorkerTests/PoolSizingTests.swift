import Broker
import Foundation
import Testing

@testable import Worker

/// Issue 26, part 3: the autoscaler's decision and the pool plan, as pure logic.
@Suite struct PoolSizingTests {
    let start = ContinuousClock.now

    @Test("--autoscale MAX,MIN parses as Celery's flag and refuses what is not a range, naming the problem")
    func autoscaleRange() throws {
        #expect(try AutoscaleRange(parsing: "8,2") == AutoscaleRange(maximum: 8, minimum: 2))
        #expect(try AutoscaleRange(parsing: "4") == AutoscaleRange(maximum: 4, minimum: 0))
        for bad in ["", "x", "8,", ",2", "2,8", "0,0", "-1,0", "8,-1", "8,2,1", "99999,1", " 8,2", "9223372036854775808,1"] {
            #expect(throws: AutoscaleRangeError.self, "\(bad)") { try AutoscaleRange(parsing: bad) }
        }
        do {
            _ = try AutoscaleRange(parsing: "2,8")
        } catch {
            #expect(error.description.contains("MAX must be at least 1 and at least MIN"))
        }
    }

    @Test("more ready messages than idle processes: grows at once to busy + ready, capped at MAX")
    func growsAtOnce() throws {
        var sizing = PoolSizing(range: try AutoscaleRange(maximum: 8, minimum: 1))
        #expect(sizing.desired(after: PoolLoad(ready: 3, busy: 2, processes: 2), now: start) == 5)
        #expect(sizing.desired(after: PoolLoad(ready: 100, busy: 5, processes: 5), now: start) == 8)
    }

    @Test("a backlog that waits (ages) while idle processes are as many as ready messages grows by one per interval")
    func growsWhenBacklogAges() throws {
        var sizing = PoolSizing(range: try AutoscaleRange(maximum: 4, minimum: 1), growAfter: .seconds(1))
        let load = PoolLoad(ready: 1, busy: 1, processes: 2)
        #expect(sizing.desired(after: load, now: start) == 2)
        #expect(sizing.desired(after: load, now: start + .milliseconds(500)) == 2)
        #expect(sizing.desired(after: load, now: start + .seconds(1)) == 3)
        #expect(sizing.desired(after: PoolLoad(ready: 1, busy: 1, processes: 3), now: start + .milliseconds(1500)) == 3)
        #expect(sizing.desired(after: PoolLoad(ready: 1, busy: 1, processes: 3), now: start + .seconds(2)) == 4)
        #expect(sizing.desired(after: PoolLoad(ready: 1, busy: 1, processes: 4), now: start + .seconds(3)) == 4, "capped at MAX")
    }

    @Test("idle processes and nothing ready for the idle time: shrinks to what is busy, never below MIN")
    func shrinksAfterIdleTime() throws {
        var sizing = PoolSizing(range: try AutoscaleRange(maximum: 8, minimum: 2), idleTime: .seconds(30))
        let idle = PoolLoad(ready: 0, busy: 1, processes: 6)
        #expect(sizing.desired(after: idle, now: start) == 6)
        #expect(sizing.desired(after: idle, now: start + .seconds(29)) == 6)
        #expect(sizing.desired(after: idle, now: start + .seconds(30)) == 2, "busy 1, but MIN 2")
        // Work in between restarts the idle clock.
        var busy = PoolSizing(range: try AutoscaleRange(maximum: 8, minimum: 1), idleTime: .seconds(30))
        #expect(busy.desired(after: PoolLoad(ready: 0, busy: 3, processes: 6), now: start) == 6)
        #expect(busy.desired(after: PoolLoad(ready: 0, busy: 6, processes: 6), now: start + .seconds(20)) == 6)
        #expect(busy.desired(after: PoolLoad(ready: 0, busy: 4, processes: 6), now: start + .seconds(40)) == 6)
        #expect(busy.desired(after: PoolLoad(ready: 0, busy: 4, processes: 6), now: start + .seconds(70)) == 4)
    }

    @Test("a narrower range takes effect at once: the decision stays within MIN and MAX")
    func staysInRange() throws {
        var sizing = PoolSizing(range: try AutoscaleRange(maximum: 8, minimum: 1))
        sizing.range = try AutoscaleRange(maximum: 3, minimum: 3)
        #expect(sizing.desired(after: PoolLoad(ready: 0, busy: 0, processes: 6), now: start) == 3)
        #expect(sizing.desired(after: PoolLoad(ready: 0, busy: 0, processes: 1), now: start) == 3)
    }

    @Test("the pool plan retires idle processes first, then the newest, and adds slots to grow")
    func plan() {
        let live = [
            PoolPlan.Member(position: 0, busy: true), PoolPlan.Member(position: 1, busy: false),
            PoolPlan.Member(position: 2, busy: true), PoolPlan.Member(position: 3, busy: false),
        ]
        #expect(PoolPlan.changes(live: live, desired: 6) == (add: 2, retire: []))
        #expect(PoolPlan.changes(live: live, desired: 4) == (add: 0, retire: []))
        #expect(PoolPlan.changes(live: live, desired: 3) == (add: 0, retire: [3]))
        #expect(PoolPlan.changes(live: live, desired: 1) == (add: 0, retire: [1, 2, 3]))
    }
}
