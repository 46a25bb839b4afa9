import Broker
import Foundation
import Testing

@testable import Operations
@testable import Worker

/// Issue 22, part 2: the worker → supervisor channel is a typed event with a codec no field content can forge.
@Suite struct WorkerEventTests {
    func roundTrip(_ events: [WorkerEvent]) -> [[String]] {
        var buffer = LineBuffer()
        let bytes = events.flatMap(\.encodedLine)
        return bytes.withUnsafeBytes { buffer.append($0) }
    }

    @Test("a task id, name or queue holding tabs, newlines, CR and % comes back as it went, in one event")
    func hostileFieldsRoundTrip() throws {
        let hostile = "x1\nstart\tv\tn\tnan\t0\tq\r%0A%"
        let start = WorkerEvent.started(.init(taskID: hostile, name: "demo\tadd", hardLimit: .seconds(5), startedAt: 1_700_000_000.25, queue: "q\nq",
            argsJSON: "[\"a\\tb\", \"%\"]", kwargsJSON: nil, argsrepr: "('a\tb', '%\n')", kwargsrepr: "{}"))
        let done = WorkerEvent.finished(TaskReport(taskID: hostile, outcome: .rejected, name: "n\n", queue: "%", deadLetter: .malformed))
        let tasks = WorkerEvent.registered(taskNames: ["a\tb", "c\nd", ""])
        let lines = roundTrip([start, done, tasks])
        #expect(lines.count == 3, "a field changed the framing: \(lines)")
        #expect(try WorkerEvent(fields: lines[0], now: 1_700_000_000) == start)
        #expect(try WorkerEvent(fields: lines[1], now: 1_700_000_000) == done)
        #expect(try WorkerEvent(fields: lines[2]) == tasks)
    }

    @Test("the issue's forged start line, sent as a task id, is one done event and starts nothing")
    func forgedStartIsData() throws {
        let report = TaskReport(taskID: "x\nstart\tv\tn\tnan\t0\tq", outcome: .rejected, name: "", queue: "", deadLetter: .malformed)
        let lines = roundTrip([.finished(report)])
        #expect(lines.count == 1)
        guard case .finished(let decoded) = try WorkerEvent(fields: lines[0]) else {
            Issue.record("not a done event")
            return
        }
        #expect(decoded.taskID == report.taskID)
    }

    @Test("the supervisor refuses a start whose hard limit or start time is not finite or out of range")
    func outOfRangeNumbersAreRefused() {
        let now = 1_700_000_000.0
        for limit in ["nan", "inf", "-inf", "1e16", "1e300", "-1", "0", "10000000.5", "abc", ""] {
            #expect(throws: WorkerEvent.DecodingError.self, "\(limit)") {
                try WorkerEvent(fields: ["start", "id", "demo.add", limit, String(now), "celery", "-", "-", "", ""], now: now)
            }
        }
        for started in ["nan", "inf", "1e300", "-1e300", String(now + 2e7), "x"] {
            #expect(throws: WorkerEvent.DecodingError.self, "\(started)") {
                try WorkerEvent(fields: ["start", "id", "demo.add", "-", started, "celery", "-", "-", "", ""], now: now)
            }
        }
        #expect(throws: WorkerEvent.DecodingError.self) { try WorkerEvent(fields: ["start", "id"], now: now) }
        #expect(throws: WorkerEvent.DecodingError.self) { try WorkerEvent(fields: ["bogus"], now: now) }
        #expect(throws: WorkerEvent.DecodingError.self) { try WorkerEvent(fields: [], now: now) }
        #expect((try? WorkerEvent(fields: ["start", "id", "demo.add", "10000000", String(now), "celery", "-", "-", "", ""], now: now)) != nil)
    }

    @Test("a done report with a non-finite or negative runtime or queue wait is refused (it would be a histogram sample)")
    func reportNumbersAreChecked() {
        for runtime in ["nan", "inf", "-1", "-inf", "x"] {
            #expect(TaskReport(fields: ["id", "succeeded", "demo.add", "celery", runtime, "-", "-", "-"]) == nil, "\(runtime)")
            #expect(TaskReport(fields: ["id", "succeeded", "demo.add", "celery", "-", runtime, "-", "-"]) == nil, "\(runtime)")
        }
        #expect(TaskReport(fields: ["id", "succeeded", "demo.add", "celery", "0.5", "-", "-", "-"])?.runtime == 0.5)
    }

    @Test("unescaping never fails: a stray %, a % at the end, bad hex")
    func unescapeIsTotal() {
        #expect(WorkerEvent.unescape(ArraySlice("100%".utf8)) == "100%")
        #expect(WorkerEvent.unescape(ArraySlice("%0".utf8)) == "%0")
        #expect(WorkerEvent.unescape(ArraySlice("%ZZ%25".utf8)) == "%ZZ%")
        #expect(WorkerEvent.unescape(ArraySlice("%0a".utf8)) == "\n")
    }
}

/// Issue 22: the status page's time texts take values read from Redis; none may trap.
@Suite struct TimeTextTests {
    @Test("durations and fixed-point numbers of any Double: NaN, ±∞, 1e300")
    func anyDouble() {
        for value in [Double.nan, .infinity, -.infinity, 1e300, -1e300, 9.3e18] {
            _ = TimeText.duration(value)
            _ = TimeText.fixed(value, decimals: 1)
            _ = TimeText.milliseconds(value)
            _ = TimeText.relative(Date(timeIntervalSince1970: value), now: Date())
            _ = TimeText.utc(Date(timeIntervalSince1970: value))
        }
        #expect(TimeText.duration(65) == "1m 5s")
        #expect(TimeText.fixed(1.25, decimals: 1) == "1.3")
    }
}
