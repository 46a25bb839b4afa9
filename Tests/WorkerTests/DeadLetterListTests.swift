import Broker
import Foundation
import Operations
import TestSupport
import Testing

/// `celerity dlq list` reads only what it shows (id, time, task, task id, reason: ``DeadLetterSummary``), never an
/// envelope: a page of entries near `--max-message-bytes` costs Redis and the network a few hundred bytes each.
@Suite("dlq list reads summaries", .serialized)
struct DeadLetterListTests {
    /// An entry as the worker's scripts write it (cjson: `"key":"value"`, any key order) or as the Swift writer does
    /// (`"key": "value"`); the envelope holds quotes, backslashes and text that looks like the entry's keys.
    static func seed(_ f: WorkerFixture, id: String, time: Double, task: String, taskID: String, reason: String, envelopeBytes: Int, cjson: Bool) async throws {
        let filler = String(repeating: #"x\"task\": \"fake\", \\"#, count: envelopeBytes / 24 + 1)
        let envelope = TaskMessage.make(task: task, args: [.string(String(filler.prefix(envelopeBytes)))]).encoded()
        if cjson {
            let script = "redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({id = ARGV[1], reason = ARGV[3], error = cjson.null, "
                + "time = tonumber(ARGV[2]), worker = 'seed', queue = 'celery', task = ARGV[4], task_id = ARGV[5], deliveries = 0, "
                + "envelope = ARGV[6]})) redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) return 1"
            _ = try await f.send("EVAL", script, "2", "celerity:dlq", "celerity:dlq:entries", id, String(time), reason, task, taskID, envelope)
        } else {
            let entry = DeadLetterEntry(
                id: id, reason: reason, error: nil, time: Date(timeIntervalSince1970: time), worker: "seed", queue: "celery",
                task: task, taskID: taskID, envelope: envelope
            )
            _ = try await f.send("HSET", "celerity:dlq:entries", id, entry.json.serialized)
            _ = try await f.send("ZADD", "celerity:dlq", String(time), id)
        }
    }

    /// Bytes Redis has sent to its clients so far (`INFO stats`).
    static func bytesSent(_ f: WorkerFixture) async throws -> Int {
        let info = try await f.send("INFO", "stats").string ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_net_output_bytes:") }
        return try #require(line.flatMap { Int($0.dropFirst("total_net_output_bytes:".count)) }, "no total_net_output_bytes in INFO")
    }

    @Test("summaries agree with the whole entries, for both writers, escapes and cut fields included")
    func summariesMatchEntries() async throws {
        let f = try await WorkerFixture.start()
        do {
            let now = Date().timeIntervalSince1970.rounded()
            let longReason = String(repeating: "é", count: 2000)  // 4,000 bytes: cut at 1,024
            try await Self.seed(f, id: "a", time: now - 3, task: "test.record", taskID: "id-a", reason: #"unknown task name "x\y""#, envelopeBytes: 200, cjson: true)
            try await Self.seed(f, id: "b", time: now - 2, task: #"odd "task": \name"#, taskID: "id-b", reason: "poison", envelopeBytes: 200, cjson: false)
            try await Self.seed(f, id: "c", time: now - 1, task: "test.long", taskID: "id-c", reason: longReason, envelopeBytes: 100, cjson: true)
            let (entries, summaries) = try await f.db.withConnection { connection in
                (try DeadLetterQueue().list(limit: 10, on: connection), try DeadLetterQueue().summaries(limit: 10, on: connection))
            }
            #expect(summaries.map(\.id) == ["c", "b", "a"])
            #expect(summaries.map(\.id) == entries.map(\.id))
            for (summary, entry) in zip(summaries, entries) {
                #expect(summary.task == entry.task && summary.taskID == entry.taskID, "\(summary) vs \(entry.task) \(entry.taskID)")
                #expect(abs(summary.time.timeIntervalSince(entry.time)) < 0.001)
                if entry.id != "c" { #expect(summary.reason == entry.reason) }
            }
            let cut = try #require(summaries.first)
            #expect(cut.reason.hasSuffix("…") && cut.reason.utf8.count <= DeadLetterQueue.summaryReasonBytes + 3, "\(cut.reason.utf8.count) bytes")
            #expect(longReason.hasPrefix(String(cut.reason.dropLast().filter { $0 != "\u{FFFD}" })))
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("dlq list of 4 MiB entries: Redis sends a few KB, not the envelopes; dlq show still prints one whole")
    func listReadsNoEnvelope() async throws {
        let f = try await WorkerFixture.start()
        do {
            let now = Date().timeIntervalSince1970.rounded()
            for (index, cjson) in [true, false].enumerated() {
                try await Self.seed(
                    f, id: "big-\(index)", time: now + Double(index), task: "test.big", taskID: "big-task-\(index)",
                    reason: "unknown task name \"test.big\"", envelopeBytes: 4 << 20, cjson: cjson
                )
            }
            let before = try await Self.bytesSent(f)
            let list = try await f.celerity(["dlq", "list"])
            let sent = try await Self.bytesSent(f) - before
            #expect(list.status == 0, "\(list.output)")
            #expect(list.output.contains("2 dead-lettered message(s)"), "\(list.output)")
            for index in 0..<2 {
                #expect(list.output.contains("big-\(index)  "), "\(list.output)")
                #expect(list.output.contains("test.big big-task-\(index)  unknown task name \"test.big\""), "\(list.output)")
            }
            #expect(sent < 64 << 10, "dlq list made Redis send \(sent) bytes for two 4 MiB entries")
            let show = try await f.celerity(["dlq", "show", "big-0"])
            #expect(show.status == 0 && show.output.utf8.count > 4 << 20, "dlq show printed \(show.output.utf8.count) bytes")
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}
