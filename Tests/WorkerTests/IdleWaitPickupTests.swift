import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 23 part 6, the idle wait (``IdleWaitTests`` has its schedule): an idle process blocks on its list (the node's
/// processes on different ones, or the one it last took from when none waits there), so a message there is taken at
/// once, one on another list when the node's next turn ends a wait (`--idle-poll-interval`), and a SIGTERM stops the
/// idle node within a wait too. Real node, real redis-server.
extension WorkerTests {
    /// `BLMOVE`s Redis has run since its start (`INFO commandstats`): one per idle poll.
    func idlePolls(_ f: WorkerFixture) async throws -> Int {
        let info = try await f.send("INFO", "commandstats").string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_blmove:") }),
            let calls = line.split(separator: "=").dropFirst().first?.split(separator: ",").first
        else { return 0 }
        return Int(calls) ?? 0
    }

    /// Waits until each of the node's `processes` idle processes has its wait grown to its longest (at most 1 s):
    /// 50, 100, … 800 ms, 1 s is six polls after the last message, so seven more polls each.
    func waitUntilFullyIdle(_ f: WorkerFixture, node: WorkerNode, processes: Int) async throws {
        let start = try await idlePolls(f)
        try await f.poll("the idle wait to reach --idle-poll-interval", timeout: .seconds(30), every: .milliseconds(50), node: node) {
            try await self.idlePolls(f) >= start + 7 * processes ? true : nil
        }
    }

    func secondsSince(_ start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Seconds from sending `test.record` to `queue` until its result is stored.
    func pickupSeconds(_ f: WorkerFixture, queue: String, node: WorkerNode) async throws -> Double {
        let started = ContinuousClock.now
        let message = TaskMessage.make(task: "test.record", args: ["rec:idle"], options: TaskOptions(queue: queue))
        try await f.client.send(batch: [message])
        try await f.poll("\(queue)'s message to run", timeout: .seconds(15), every: .milliseconds(5), node: node) {
            try await f.result(message.id).state == .success ? true : nil
        }
        return secondsSince(started)
    }

    @Test("idle 1. an idle process takes a message on the list it last took from at once, on another within --idle-poll-interval")
    func idlePickup() async throws {
        try await withFixture { f in
            // Round robin (the default): after a take from `other`, `other` goes to the back, but the wait stays on it.
            let node = try await f.startWorker(["-Q", "first,other", "--idle-poll-interval", "1"], concurrency: 1)
            try await waitUntilFullyIdle(f, node: node, processes: 1)
            let otherWhileWaitingOnFirst = try await pickupSeconds(f, queue: "other", node: node)
            try await waitUntilFullyIdle(f, node: node, processes: 1)
            let otherAgain = try await pickupSeconds(f, queue: "other", node: node)
            try await waitUntilFullyIdle(f, node: node, processes: 1)
            let firstWhileWaitingOnOther = try await pickupSeconds(f, queue: "first", node: node)
            print("idle pickup (--idle-poll-interval 1 s): other \(otherWhileWaitingOnFirst) s, other again \(otherAgain) s, first \(firstWhileWaitingOnOther) s")
            // Seen when the wait ends: at most 1 s, plus the margin of a loaded two-core machine.
            #expect(otherWhileWaitingOnFirst < 1.5, "other queue pickup \(otherWhileWaitingOnFirst) s")
            #expect(firstWhileWaitingOnOther < 1.5, "first queue pickup \(firstWhileWaitingOnOther) s")
            // The list last taken from is waited on: taken at once, well under the 1 s wait.
            #expect(otherAgain < 0.5, "pickup on the list waited on \(otherAgain) s")
            #expect(try await f.list("rec:idle").count == 3)
        }
    }

    @Test("idle 3. a fully idle 2-process node takes a message on each of 4 queues within --idle-poll-interval (default 0.25 s)")
    func idleNodePickupOnEveryQueue() async throws {
        try await withFixture { f in
            // Process 0 waits on q1, process 1 on q2 (IdleSlot; the last process follows its traffic, but q1 and q2 are
            // sent to first); q3 and q4 have no waiter: seen at the node's next turn.
            let queues = ["q1", "q2", "q3", "q4"]
            let node = try await f.startWorker(["-Q", queues.joined(separator: ",")], concurrency: 2)
            var pickups: [String: Double] = [:]
            for queue in queues {
                try await waitUntilFullyIdle(f, node: node, processes: 2)
                pickups[queue] = try await pickupSeconds(f, queue: queue, node: node)
            }
            print("idle pickup, 2 processes, 4 queues, default --idle-poll-interval 0.25 s: \(queues.map { "\($0) \(pickups[$0]!) s" })")
            for queue in ["q3", "q4"] {
                // Seen at the node's next turn: at most 0.25 s, plus the margin of a loaded two-core machine.
                #expect(pickups[queue]! < 0.6, "\(queue) (no waiter) pickup \(pickups[queue]!) s")
            }
            for queue in ["q1", "q2"] {
                // A process waits on it: taken at once, well under the 0.25 s turn.
                #expect(pickups[queue]! < 0.2, "\(queue) (waited on) pickup \(pickups[queue]!) s")
            }
            #expect(try await f.list("rec:idle").count == 4)
        }
    }

    @Test("idle 4. a burst on the one queue of a fully idle 4-process node: every process takes one message at once")
    func idleBurstOnOneQueueIsTakenOnePerProcess() async throws {
        try await withFixture { f in
            // All four processes wait on `celery`'s default bucket (IdleSlot: fewer queues than processes). Before,
            // processes 1–3 waited on its priority buckets and each saw the burst only at its turn, 0.25, 0.5 and 0.75 s
            // into the node's 1 s round: the last of them at least 0.5 s after the burst, whenever it came.
            let node = try await f.startWorker(["--idle-poll-interval", "1"], concurrency: 4)
            try await waitUntilFullyIdle(f, node: node, processes: 4)
            let processing = node.processes().values.map { WorkerKeys.processing($0) }.sorted()
            #expect(processing.count == 4)
            let burst = (0..<8).map { _ in TaskMessage.make(task: "test.sleep_record", args: ["rec:burst", 5.0]) }
            let started = ContinuousClock.now
            try await f.client.send(batch: burst)
            let held = try await f.poll("every process to hold a message", timeout: .seconds(5), every: .milliseconds(5), node: node) {
                var held: [Int] = []
                for key in processing { held.append(try await f.list(key).count) }
                return held.allSatisfy { $0 > 0 } ? held : nil
            }
            let seconds = secondsSince(started)
            let queued = try await f.send("LLEN", "celery").integer ?? -1
            print("burst of 8 on one queue, 4 idle processes: held \(held) after \(seconds) s, \(queued) still queued")
            #expect(held == [1, 1, 1, 1], "each process takes one message of the burst (an idle take moves one)")
            #expect(queued == 4)
            // Every process waited on the queue: taken at once, well under the 0.5 s the turns would take.
            #expect(seconds < 0.3, "burst pickup \(seconds) s")
        }
    }

    @Test("idle 2. SIGTERM stops a fully idle node within --idle-poll-interval")
    func idleNodeStopsPromptly() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--idle-poll-interval", "1"], concurrency: 2)
            try await waitUntilFullyIdle(f, node: node, processes: 2)
            let started = ContinuousClock.now
            node.process.signal(SIGTERM)
            let status = try await node.process.waitForExit(timeout: .seconds(10))
            let seconds = secondsSince(started)
            print("an idle node stopped \(seconds) s after SIGTERM (--idle-poll-interval 1 s)")
            #expect(status == .exited(0), "\(status)")
            #expect(seconds < 2.5, "an idle node took \(seconds) s to stop")
        }
    }
}
