import Broker
import Foundation
import Prometheus
import Testing

@testable import Worker

/// The per-task path from a worker process to the supervisor's `/metrics` (issue 23, part 6): events are encoded in
/// place, with the wire text unchanged, and the supervisor's counters are looked up once per label set.
@Suite struct TaskReportPathTests {
    @Test("a done and a start are written as the documented tab-separated text")
    func wireTextIsUnchanged() {
        let done = WorkerEvent.finished(
            TaskReport(
                taskID: "t1", outcome: .succeeded, name: "demo.add", queue: "celery", runtime: 0.25,
                pop: .init(list: "celery", number: 7, started: 1_700_000_000.5)
            ))
        let start = WorkerEvent.started(.init(taskID: "t2", name: "demo.add", hardLimit: .seconds(5), startedAt: 1_700_000_000, queue: "q"))
        let retried = WorkerEvent.finished(TaskReport(taskID: "t%3", outcome: .failed, name: "n", queue: "q\tx", exception: "ValueError"))
        #expect(String(decoding: done.encodedLine, as: UTF8.self) == "done\tt1\tsucceeded\tdemo.add\tcelery\t0.25\t-\t-\t-\tcelery\t7\t1700000000.5\n")
        #expect(String(decoding: start.encodedLine, as: UTF8.self) == "start\tt2\tdemo.add\t5.0\t1700000000.0\tq\t-\t-\t\t\n")
        #expect(String(decoding: retried.encodedLine, as: UTF8.self) == "done\tt%253\tfailed\tn\tq%09x\t-\t-\tValueError\t-\n")
        #expect(String(decoding: WorkerEvent.parked(due: 1.5).encodedLine, as: UTF8.self) == "eta\t1.5\n")
        #expect(String(decoding: WorkerEvent.registered(taskNames: ["a", "b"]).encodedLine, as: UTF8.self) == "tasks\ta\tb\n")
    }

    @Test("every report of a label set counts on the same series, also after the first")
    func repeatedReportsCountOnOneSeries() {
        let metrics = NodeMetrics(hostname: "n@h", queues: ["celery"])
        metrics.register(taskNames: ["demo.add"])
        let succeeded = TaskReport(taskID: "t", outcome: .succeeded, name: "demo.add", queue: "celery", runtime: 0.002, queueWait: 0.2)
        for _ in 0..<3 { metrics.record(succeeded) }
        metrics.record(TaskReport(taskID: "u", outcome: .failed, name: "demo.add", queue: "celery", runtime: 0.1, exception: "ValueError"))
        metrics.record(TaskReport(taskID: "v", outcome: .failed, name: "demo.add", queue: "celery", runtime: 0.1, exception: "KeyError"))
        metrics.record(TaskReport(taskID: "w", outcome: .succeeded, name: "other", queue: "elsewhere", runtime: 0.002))
        let text = String(decoding: metrics.registry.emitToBuffer(), as: UTF8.self)
        let labels = #"hostname="n@h",name="demo.add",queue_name="celery""#
        for expected in [
            "celery_task_received_total{\(labels)} 5", "celery_task_started_total{\(labels)} 5",
            "celery_task_succeeded_total{\(labels)} 3", "celery_task_runtime_count{\(labels)} 3",
            "celery_task_queue_wait_time_count{\(labels)} 3",
            #"celery_task_failed_total{exception="ValueError",hostname="n@h",name="demo.add",queue_name="celery"} 1"#,
            #"celery_task_failed_total{exception="KeyError",hostname="n@h",name="demo.add",queue_name="celery"} 1"#,
            #"celery_task_succeeded_total{hostname="n@h",name="unregistered",queue_name="other"} 1"#,
        ] {
            #expect(text.split(separator: "\n").contains { Self.sameSeries($0, expected) }, "missing \(expected) in:\n\(text)")
        }
    }

    /// Whether an exposition line is `expected` (metric name, the same labels in any order, value).
    static func sameSeries(_ line: Substring, _ expected: String) -> Bool {
        func parts(_ text: Substring) -> (String, Set<Substring>, Substring)? {
            guard let open = text.firstIndex(of: "{"), let close = text.firstIndex(of: "}") else { return nil }
            let labels = Set(text[text.index(after: open)..<close].split(separator: ","))
            return (String(text[..<open]), labels, text[text.index(after: close)...].drop { $0 == " " })
        }
        guard let a = parts(line), let b = parts(Substring(expected)) else { return false }
        return a.0 == b.0 && a.1 == b.1 && a.2 == b.2
    }
}
