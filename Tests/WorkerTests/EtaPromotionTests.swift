import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 23, part 3: a node promotes the ETAs its own processes park at their due time (the processes report it),
/// and polls the ETA set only slowly (`--eta-poll-interval`), as a safety net for ETAs parked by a node that died.
@Suite("ETA promotion", .serialized)
struct EtaPromotionTests {
    /// Sends `count` `test.record` tasks with ETAs spread over a second, starting `lead` from now, and returns
    /// how late each one ran (its result's `date_done` minus its ETA, seconds), in send order.
    func lateness(_ f: WorkerFixture, count: Int, lead: Double, node: WorkerNode) async throws -> [Double] {
        var sent: [(id: String, eta: Date)] = []
        for index in 0..<count {
            // Phases a 250 ms poll would meet anywhere in its period: 0, 130, 260, … ms past the lead.
            let eta = Date().addingTimeInterval(lead + Double(index) * 0.13)
            sent.append((try await f.client.enqueue("test.record", args: ["rec:eta"], options: TaskOptions(eta: eta)), eta))
        }
        var late: [Double] = []
        for (id, eta) in sent {
            let result = try await f.waitForResult(id, .success, timeout: .seconds(20), node: node)
            late.append(try #require(result.dateDone).timeIntervalSince(eta))
        }
        return late
    }

    func describe(_ late: [Double]) -> String {
        let sorted = late.sorted()
        let milliseconds = { (seconds: Double) in String(Int((seconds * 1000).rounded())) }
        return "p50 \(milliseconds(sorted[sorted.count / 2])) ms, max \(milliseconds(sorted.last ?? 0)) ms over \(late.count)"
    }

    @Test("a node's own ETA runs within 100 ms of its due time, never before, with the safety poll at its cap (60 s)")
    func ownEtaIsPromotedOnTime() async throws {
        let f = try await WorkerFixture.start()
        do {
            let node = try await f.startWorker(["--eta-poll-interval", "60"])
            // Let the node's first safety poll (at its start) pass, so only the processes' reports can promote.
            let late = try await lateness(f, count: 8, lead: 1.5, node: node)
            print("ETA lateness, own node, safety poll 60 s: \(describe(late))")
            #expect(late.allSatisfy { $0 >= 0 }, "a task ran before its ETA: \(late)")
            #expect(late.allSatisfy { $0 <= 0.1 }, "an ETA ran more than 100 ms late: \(late)")
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("an ETA parked by a node that was then kill -9ed is promoted by another node within --eta-poll-interval")
    func etaOfAKilledNodeIsPromotedByAnother() async throws {
        let f = try await WorkerFixture.start()
        do {
            let first = try await f.startWorker()
            let eta = Date().addingTimeInterval(4)
            let id = try await f.client.enqueue("test.record", args: ["rec:orphan"], options: TaskOptions(eta: eta))
            try await f.poll("the first node to park the ETA", timeout: .seconds(5), node: first) {
                try await f.send("ZCARD", "celerity:eta").integer == 1 ? true : nil
            }
            first.process.signal(SIGKILL)
            _ = try await first.process.waitForExit(timeout: .seconds(10))
            // The other node never saw the message: only its safety poll (1 s, the default) can find it.
            let second = try await f.startWorker()
            #expect(Date() < eta, "the second node started after the ETA; the test proves nothing")
            let result = try await f.waitForResult(id, .success, timeout: .seconds(15), node: second)
            let late = try #require(result.dateDone).timeIntervalSince(eta)
            print("ETA lateness, parked by a killed node: \(Int((late * 1000).rounded())) ms")
            #expect(late >= 0, "ran \(late) s before its ETA")
            // The bound: one safety-poll interval (1 s) after the due time, plus the run (well under 0.25 s).
            #expect(late <= 1.25, "promoted \(late) s after its ETA; the bound is --eta-poll-interval (1 s)")
            #expect(try await f.list("rec:orphan") == [id])
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}
