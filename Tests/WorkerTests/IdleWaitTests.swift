import Testing

@testable import Worker

/// Issue 23 part 6: the idle wait's schedule (pure logic; ``IdleWaitPickupTests`` runs it against a real node).
@Suite struct IdleWaitTests {
    @Test func startsAt50MillisecondsAndDoublesAfterEachEmptyPollUpToTheLongest() {
        var wait = IdleWait(longest: .milliseconds(500))
        var waits: [Duration] = []
        for _ in 0..<6 {
            waits.append(wait.next(notAfter: .seconds(1)))
            wait.record(tookMessages: false)
        }
        #expect(waits == [50, 100, 200, 400, 500, 500].map { .milliseconds($0) })
    }

    @Test func aPollThatTookMessagesStartsAgainAtTheFirstWait() {
        var wait = IdleWait(longest: .seconds(2))
        for _ in 0..<10 { wait.record(tookMessages: false) }
        #expect(wait.next(notAfter: .seconds(5)) == .seconds(2))
        wait.record(tookMessages: true)
        #expect(wait.next(notAfter: .seconds(5)) == .milliseconds(50))
    }

    @Test func idleAfterAnEmptyPollOnlyUntilOneTakesMessages() {
        var wait = IdleWait(longest: .seconds(1))
        #expect(!wait.idle)
        wait.record(tookMessages: false)
        #expect(wait.idle)
        wait.record(tookMessages: true)
        #expect(!wait.idle)
    }

    @Test func aLongestBelowTheFirstWaitIsEveryWait() {
        var wait = IdleWait(longest: .milliseconds(10))
        #expect(wait.next(notAfter: .seconds(1)) == .milliseconds(10))
        wait.record(tookMessages: false)
        wait.record(tookMessages: true)
        #expect(wait.next(notAfter: .seconds(1)) == .milliseconds(10))
    }

    @Test func theWaitEndsByTheNextSettingsReadButNeverAsksRedisForZero() {
        var wait = IdleWait(longest: .seconds(1))
        for _ in 0..<5 { wait.record(tookMessages: false) }
        #expect(wait.next(notAfter: .milliseconds(300)) == .milliseconds(300))
        // BLMOVE reads a timeout of 0 as "block forever".
        #expect(wait.next(notAfter: .zero) == .milliseconds(1))
        #expect(IdleWait(longest: .zero).next(notAfter: .seconds(1)) == .milliseconds(1))
    }

    @Test func anIdleProcessWaitsOnTheListItLastTookFrom() {
        var order = FetchOrder(queues: ["a", "b"])
        let lists = order.lists
        #expect(order.idleList == "a")
        _ = order.accept(TakenBatch(list: lists.firstIndex(of: "b"), deliveries: [Delivery(raw: "m1", revoked: false, recoveries: 0)], firstPop: 1), from: lists)
        #expect(order.idleList == "b", "round robin moved b to the back; the wait stays on it")
        #expect(order.lists.first == "a")
        // A list no longer consumed (cancel_consumer) is not waited on.
        var fewer = FetchOrder(queues: ["a"])
        _ = fewer.accept(TakenBatch(list: 0, deliveries: [Delivery(raw: "m2", revoked: false, recoveries: 0)], firstPop: 1), from: fewer.lists)
        #expect(fewer.idleList == "a")
    }
}
