import Broker
import Foundation
import TaskAPI

/// Tasks for the flow-control tests (FlowControlTests): each appends `"<start> <end> <flow key> <task id>"`
/// (Unix seconds) to the list its first argument names, so a test can check concurrency from recorded times.
enum FlowTasks {
    static func all(_ redis: RedisConnection) -> [TaskDefinition] {
        [
            // At most 2 running per customer (the OCR calls).
            recording("flow.ocr", redis, flow: FlowLimits(concurrency: 2)),
            // At most 1 running per key: the crash test.
            recording("flow.exclusive", redis, flow: FlowLimits(concurrency: 1)),
            // 60 a minute per key.
            recording("flow.per_key_rate", redis, flow: FlowLimits(rate: "60/m")),
            // Celery's rate_limit: 100 a minute for the task name, cluster-wide.
            recording("flow.task_rate", redis, rateLimit: "100/m"),
            // A unique job (its parameters are UniqueTaskParameters in the tests).
            recording("flow.unique", redis),
            hog,
            // No limit: shares a queue with the limited ones.
            recording("flow.free", redis),
        ]
    }

    /// Memory `flow.hog` keeps, so its process stays large after the task (the recycling test).
    nonisolated(unsafe) static var retained: [[UInt8]] = []

    /// `flow.hog(mib, seconds=0)`: allocates and touches `mib` MiB and keeps them, then sleeps `seconds`; returns
    /// the process's resident MiB.
    static let hog = TaskDefinition("flow.hog") { arguments, _ in
        let mebibytes = arguments.argument(0, "mib")?.intValue ?? 0
        retained.append([UInt8](repeating: 1, count: mebibytes << 20))
        try await TestTasks.sleep(arguments, default: 0)
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return .int((pages * 4096) >> 20)
    }

    /// `name(list, seconds=0)`: sleeps `seconds`, then records its run in `list`.
    static func recording(
        _ name: String, _ redis: RedisConnection, rateLimit: String? = nil, flow: FlowLimits? = nil
    ) -> TaskDefinition {
        TaskDefinition(name, rateLimit: rateLimit, flow: flow) { arguments, context in
            let started = Date().timeIntervalSince1970
            try await TestTasks.sleep(arguments, default: 0)
            let key = context.headers[FlowLimits.keyHeader]?.stringValue ?? "-"
            let list = try TestTasks.key(arguments)
            try redis.send(["RPUSH", list, "\(started) \(Date().timeIntervalSince1970) \(key) \(context.taskID)"])
            return .string(context.taskID)
        }
    }
}
