import Broker
import Foundation
import Operations
import TestSupport
import Testing
import Worker

/// Issue 18, scale: what the curves of bench/scale found bending, fixed (bench/README.md, "Scale curves").
@Suite(.serialized)
struct ScaleTests {
    /// Writes `count` dead-letter entries as the worker does (entry JSON in the hash, id by time in the index),
    /// oldest first, and returns their ids newest first.
    private func seedDeadLetters(_ count: Int, on f: WorkerFixture) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        var ids: [String] = []
        var commands: [[String]] = []
        for index in 0..<count {
            let id = "\(Int64(now * 1000))-seed-\(index)"
            let envelope = TaskMessage.make(task: "test.record", args: [.string("rec:dlq-\(index)")]).encoded()
            let entry: JSONValue = [
                "id": .string(id), "reason": "unknown task name", "error": nil, "time": .double(now + Double(index) / 1000),
                "worker": "seed", "queue": "celery", "task": "test.record", "task_id": "", "envelope": .string(envelope),
            ]
            commands.append(["HSET", "celerity:dlq:entries", id, entry.serialized])
            commands.append(["ZADD", "celerity:dlq", String(now + Double(index) / 1000), id])
            ids.append(id)
        }
        _ = try await f.db.pipeline(commands)
        return ids.reversed()
    }

    @Test("dlq list pages through a large dead-letter queue: every entry once, newest first, with the next offset")
    func deadLetterListPages() async throws {
        let f = try await WorkerFixture.start()
        do {
            let ids = try await seedDeadLetters(120, on: f)
            var paged: [String] = []
            for offset in stride(from: 0, to: 150, by: 50) {
                let page = try await f.db.withConnection { try DeadLetterQueue().list(limit: 50, offset: offset, on: $0) }
                #expect(page.count == min(50, max(0, 120 - offset)))
                paged += page.map(\.id)
            }
            #expect(paged == ids)

            let first = try await f.celerity(["dlq", "list", "--limit", "50"])
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("120 dead-lettered message(s)"), "\(first.output)")
            #expect(first.output.contains("showing 1–50, newest first; next page: --offset 50"), "\(first.output)")
            #expect(first.output.contains(ids[0]) && !first.output.contains(ids[50]), "\(first.output)")

            let last = try await f.celerity(["dlq", "list", "--limit", "50", "--offset", "100"])
            #expect(last.status == 0, "\(last.output)")
            #expect(last.output.contains("showing 101–120, newest first\n"), "\(last.output)")
            #expect(last.output.contains(ids[119]) && !last.output.contains(ids[99]), "\(last.output)")

            let bad = try await f.celerity(["dlq", "list", "--offset=-1"])
            #expect(bad.status != 0 && bad.output.contains("--offset must be a whole number from 0 to 1000000000 (got -1)"), "\(bad.output)")
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("dlq requeue --all ends and empties the index even when an indexed entry is gone")
    func requeueAllSkipsOrphanIDs() async throws {
        let f = try await WorkerFixture.start()
        do {
            _ = try await seedDeadLetters(30, on: f)
            try await f.send("ZADD", "celerity:dlq", "1", "orphan-without-entry")
            let run = try await f.celerity(["dlq", "requeue", "--all"])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("requeued 30 message(s)"), "\(run.output)")
            #expect(try await f.send("ZCARD", "celerity:dlq").integer == 0)
            #expect(try await f.send("HLEN", "celerity:dlq:entries").integer == 0)
            #expect(try await f.send("LLEN", "celery").integer == 30)
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("the reaper lock is kept for the interval, so several nodes reap once per interval between them")
    func oneReapPassPerIntervalAcrossNodes() async throws {
        let f = try await WorkerFixture.start()
        do {
            let nodes = [
                try await f.startWorker(concurrency: 1), try await f.startWorker(concurrency: 1), try await f.startWorker(concurrency: 1),
            ]
            // The lock names a node and outlives the pass (it used to be released right after it).
            let holder = try await f.poll("the reaper lock to be held", timeout: .seconds(10)) {
                try await f.send("GET", "celerity:lock:reaper").string
            }
            #expect(nodes.map(\.name).contains(holder))
            let ttl = try await f.send("PTTL", "celerity:lock:reaper").integer ?? -2
            #expect(ttl > 0 && ttl <= 1000, "lock TTL \(ttl) ms, the reap interval is 1 s")

            // Each pass reads the process set once: three nodes with a 1 s interval now make one pass a second
            // between them (they made three), so four passes take at least three intervals.
            try await f.send("CONFIG", "RESETSTAT")
            let started = ContinuousClock.now
            try await f.poll("four reaper passes", timeout: .seconds(20)) {
                try await passes(f) >= 4 ? true : nil
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(2500), "four reaper passes in \(elapsed) with three nodes")
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("an ETA burst larger than one promote step reaches every priority bucket, in the order single pushes gave")
    func etaBurstIsPromotedInSteps() async throws {
        let f = try await WorkerFixture.start()
        do {
            // 250 messages due in the same (past) second, for a queue no worker consumes, priorities 0 and 9.
            let due = String(Int(Date().timeIntervalSince1970) - 1)
            var commands: [[String]] = []
            for index in 0..<250 {
                let message = TaskMessage.make(
                    task: "test.record", args: [.string("rec:eta-\(index)")], options: TaskOptions(queue: "burst", priority: index % 2 == 0 ? 0 : 9)
                )
                commands.append(["ZADD", "celerity:eta", due, message.encoded()])
            }
            _ = try await f.db.pipeline(commands)
            let ranked = (try await f.send("ZRANGE", "celerity:eta", "0", "-1").array ?? []).compactMap(\.string)
            let bucketOf = { (raw: String) in (try TaskMessage.decode(raw)).listKey }
            try await f.startWorker(concurrency: 1)
            try await f.poll("the ETA set to be promoted", timeout: .seconds(10)) {
                try await f.send("ZCARD", "celerity:eta").integer == 0 ? true : nil
            }
            for bucket in ["burst", "burst\u{06}\u{16}9"] {
                let expected = try ranked.filter { try bucketOf($0) == bucket }
                #expect(expected.count == 125)
                #expect(try await f.list(bucket) == expected, "bucket \(bucket) out of order or incomplete")
            }
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    /// Reaper passes since the last `CONFIG RESETSTAT`: each reads `celerity:processes` with `SMEMBERS` once.
    private func passes(_ f: WorkerFixture) async throws -> Int {
        let info = try await f.send("INFO", "commandstats").string ?? ""
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_smembers:") }),
            let calls = line.split(separator: ",").first?.split(separator: "=").last
        else { return 0 }
        return Int(calls) ?? 0
    }
}
