import Broker
import Testing

@testable import Worker

/// Issue 23 part 6: the idle wait's schedule and the node's spread of waits (pure logic; ``IdleWaitPickupTests``
/// runs it against a real node).
@Suite struct IdleWaitTests {
    @Test func startsAt50MillisecondsAndDoublesAfterEachEmptyPollUpToTheLongest() {
        var wait = IdleWait(interval: .milliseconds(500))
        var waits: [Duration] = []
        for _ in 0..<6 {
            waits.append(wait.next(now: .zero))
            wait.record(tookMessages: false)
        }
        #expect(waits == [50, 100, 200, 400, 500, 500].map { .milliseconds($0) })
    }

    @Test func aPollThatTookMessagesStartsAgainAtTheFirstWait() {
        var wait = IdleWait(interval: .seconds(1))
        for _ in 0..<10 { wait.record(tookMessages: false) }
        #expect(wait.next(now: .seconds(7)) == .seconds(1))
        wait.record(tookMessages: true)
        #expect(wait.next(now: .seconds(7)) == .milliseconds(50))
    }

    @Test func idleAfterAnEmptyPollOnlyUntilOneTakesMessages() {
        var wait = IdleWait(interval: .seconds(1))
        #expect(!wait.idle)
        wait.record(tookMessages: false)
        #expect(wait.idle)
        wait.record(tookMessages: true)
        #expect(!wait.idle)
    }

    @Test func anIntervalBelowTheFirstWaitIsEveryWait() {
        var wait = IdleWait(interval: .milliseconds(10))
        #expect(wait.next(now: .zero) == .milliseconds(10))
        wait.record(tookMessages: false)
        wait.record(tookMessages: true)
        #expect(wait.next(now: .milliseconds(3)) == .milliseconds(7))
    }

    @Test func neverAsksRedisForZeroWhichBlocksForever() {
        // BLMOVE reads a timeout of 0 as "block forever".
        #expect(IdleWait(interval: .zero).next(now: .zero) == .milliseconds(1))
        var wait = IdleWait(interval: .microseconds(100))
        wait.record(tookMessages: false)
        #expect(wait.next(now: .microseconds(150)) == .milliseconds(1))
    }

    @Test func noWaitIsLongerThanTheSettingsRead() {
        // Each idle poll reads the node's settings, so control commands still take effect within a second.
        for processes in [1, 2, 3, 8] {
            var wait = IdleWait(interval: .seconds(60), slot: IdleSlot(index: processes - 1, processes: processes))
            for _ in 0..<10 { wait.record(tookMessages: false) }
            for now in stride(from: 0, to: 3_000, by: 7) {
                // A turn a moment ahead counts as just taken: the wait runs to the next, up to the tolerance longer.
                #expect(wait.next(now: .milliseconds(now)) <= IdleWait.settingsRead + IdleWait.turnTolerance)
            }
        }
    }

    @Test func theLongestIsTheIntervalTimesTheProcessesAtMostASecond() {
        #expect(IdleWait(interval: .milliseconds(250), slot: IdleSlot(index: 1, processes: 2)).longest == .milliseconds(500))
        #expect(IdleWait(interval: .milliseconds(250), slot: IdleSlot(index: 1, processes: 8)).longest == .seconds(1))
        #expect(IdleWait(interval: .seconds(5)).longest == .seconds(1), "above 1 s acts as 1 s: the settings read")
        #expect(IdleWait(interval: .milliseconds(250)).longest == .milliseconds(250))
    }

    @Test func fullyIdleProcessesOfANodeTakeTurnsSoTheNodeLooksEveryInterval() {
        // Two processes, interval 0.25 s: each waits 0.5 s, process 0's waits end at 0.0, 0.5, …, process 1's at
        // 0.25, 0.75, … of the shared clock, wherever each starts.
        func idle(_ index: Int) -> IdleWait {
            var wait = IdleWait(interval: .milliseconds(250), slot: IdleSlot(index: index, processes: 2))
            for _ in 0..<5 { wait.record(tookMessages: false) }
            return wait
        }
        let (zero, one) = (idle(0), idle(1))
        #expect(zero.next(now: .milliseconds(10_100)) == .milliseconds(400))
        #expect(one.next(now: .milliseconds(10_100)) == .milliseconds(150))
        #expect(one.next(now: .milliseconds(10_300)) == .milliseconds(450))
        // A poll that ended a moment early (or just after) its turn waits for the next one, not a millisecond.
        #expect(zero.next(now: .milliseconds(10_498)) == .milliseconds(502))
        #expect(zero.next(now: .milliseconds(10_501)) == .milliseconds(499))
        // Process ids the supervisor gives: the slot is the index after `#`.
        #expect(IdleSlot(processID: "w1@host#3.7", processes: 2) == IdleSlot(index: 1, processes: 2))
        #expect(IdleSlot(processID: "a#b@host#2.1", processes: 4).index == 2)
        #expect(IdleSlot(processID: "by-hand", processes: 4).index == 0)
    }

    @Test func theNodesProcessesWaitOnDifferentListsEachQueuesDefaultBucketFirst() {
        let order = FetchOrder(queues: ["a", "b", "c"])
        let waited = (0..<3).map { index in
            FetchOrder(queues: ["a", "b", "c"], idleSlot: IdleSlot(index: index, processes: 3)).idleList
        }
        #expect(waited == ["a", "b", "c"], "every queue's default bucket has a waiter")
        #expect(order.idleList == "a")
        // More processes than queues: they wrap around the default buckets (the lists that carry traffic), never a
        // priority bucket, so a burst on a queue is met by several waiters.
        let many = (0..<6).map { FetchOrder(queues: ["a"], idleSlot: IdleSlot(index: $0, processes: 6)).idleList }
        #expect(many == Array(repeating: "a", count: 6))
        let two = (0..<2).map { FetchOrder(queues: ["a"], idleSlot: IdleSlot(index: $0, processes: 2)).idleList }
        #expect(two == ["a", "a"], "one queue, two processes: both wait on its default bucket")
        let five = (0..<5).map { FetchOrder(queues: ["a", "b"], idleSlot: IdleSlot(index: $0, processes: 5)).idleList }
        #expect(five == ["a", "b", "a", "b", "a"])
        // Sorted order waits in sorted queue order too.
        let sorted = (0..<3).map {
            FetchOrder(queues: ["b", "a"], strategy: .sorted, idleSlot: IdleSlot(index: $0, processes: 3)).idleList
        }
        #expect(sorted == ["a", "b", "a"])
    }

    @Test func withMoreProcessesThanQueuesNoProcessFollowsItsTrafficOffTheDefaultBuckets() {
        // One queue, two processes: process 1 took a priority message; it still waits on the default bucket, beside
        // process 0 (the priority bucket is looked at by every idle poll's script, at the node's turns).
        let lists = PriorityBuckets.listKeys(queues: ["a"])
        var second = FetchOrder(queues: ["a"], idleSlot: IdleSlot(index: 1, processes: 2))
        _ = second.accept(TakenBatch(list: 3, deliveries: [Delivery(raw: "m7", revoked: false, recoveries: 0)], firstPop: 1), from: lists)
        #expect(second.idleList == "a")
        // One process alone still follows its traffic onto a priority bucket.
        var alone = FetchOrder(queues: ["a"])
        _ = alone.accept(TakenBatch(list: 3, deliveries: [Delivery(raw: "m8", revoked: false, recoveries: 0)], firstPop: 1), from: lists)
        #expect(alone.idleList == lists[3])
        // A slot of a node of 2 processes and 2 queues keeps its own default bucket wherever its traffic was...
        let ab = PriorityBuckets.listKeys(queues: ["a", "b"])
        var zero = FetchOrder(queues: ["a", "b"], idleSlot: IdleSlot(index: 0, processes: 2))
        _ = zero.accept(TakenBatch(list: 1, deliveries: [Delivery(raw: "m9", revoked: false, recoveries: 0)], firstPop: 1), from: ab)
        #expect(zero.idleList == "a")
        // ...but the last one follows it (as many processes as queues: no two share a bucket).
        var one = FetchOrder(queues: ["a", "b"], idleSlot: IdleSlot(index: 1, processes: 2))
        _ = one.accept(TakenBatch(list: 3, deliveries: [Delivery(raw: "m10", revoked: false, recoveries: 0)], firstPop: 1), from: ab)
        #expect(one.idleList == ab[3])
    }

    @Test func theLastProcessWaitsWhereItLastTookWhenNoOtherProcessWaitsThere() {
        var alone = FetchOrder(queues: ["a", "b"])
        let lists = alone.lists
        #expect(alone.idleList == "a")
        _ = alone.accept(TakenBatch(list: lists.firstIndex(of: "b"), deliveries: [Delivery(raw: "m1", revoked: false, recoveries: 0)], firstPop: 1), from: lists)
        #expect(alone.idleList == "b", "one process: its traffic is on b (round robin moved b to the back; the wait stays)")
        #expect(alone.lists.first == "a")
        // Process 1 of 2 took from `a`, which process 0 waits on: it keeps to its own list, `b`.
        var second = FetchOrder(queues: ["a", "b"], idleSlot: IdleSlot(index: 1, processes: 2))
        _ = second.accept(TakenBatch(list: 0, deliveries: [Delivery(raw: "m2", revoked: false, recoveries: 0)], firstPop: 1), from: lists)
        #expect(second.idleList == "b")
        // Of 2 processes with 3 queues, the last follows its traffic to `c`, where no process waits; the first keeps `a`.
        let three = FetchOrder(queues: ["a", "b", "c"]).lists
        var last = FetchOrder(queues: ["a", "b", "c"], idleSlot: IdleSlot(index: 1, processes: 2))
        _ = last.accept(TakenBatch(list: 2, deliveries: [Delivery(raw: "m3", revoked: false, recoveries: 0)], firstPop: 1), from: three)
        #expect(last.idleList == "c")
        var first = FetchOrder(queues: ["a", "b", "c"], idleSlot: IdleSlot(index: 0, processes: 2))
        _ = first.accept(TakenBatch(list: 2, deliveries: [Delivery(raw: "m5", revoked: false, recoveries: 0)], firstPop: 1), from: three)
        #expect(first.idleList == "a")
        // More processes than queues: every process keeps its queue's default bucket.
        let one = PriorityBuckets.listKeys(queues: ["a"])
        var full = FetchOrder(queues: ["a"], idleSlot: IdleSlot(index: 3, processes: 4))
        _ = full.accept(TakenBatch(list: 2, deliveries: [Delivery(raw: "m6", revoked: false, recoveries: 0)], firstPop: 1), from: one)
        #expect(full.idleList == "a")
        // A list no longer consumed (cancel_consumer) is not waited on.
        var fewer = FetchOrder(queues: ["a"])
        _ = fewer.accept(TakenBatch(list: 0, deliveries: [Delivery(raw: "m4", revoked: false, recoveries: 0)], firstPop: 1), from: fewer.lists)
        #expect(fewer.idleList == "a")
    }
}
