import Broker
import Foundation
import TaskAPI
import Tasks

/// The tasks of the Python interop app (`Tests/InteropTests/python/compat.py`) under the same names and with the
/// same behaviour, so Python and Celerity workers can share a queue and either kind can run what the other's
/// clients send.
enum CompatTasks {
    /// `compat.add`, `compat.echo`, `compat.fail`, `compat.sleep`, `compat.tsum` (the demo tasks under the
    /// interop app's names), `compat.record` and `compat.flaky`, the last two writing through `redis`,
    /// `compat.identity` and `compat.spawn`.
    static func all(_ redis: RedisConnection) -> [TaskDefinition] {
        DemoTasks.definitions(namespace: "compat", sum: "tsum") + [record(redis), flaky(redis), identity, spawn]
    }

    /// `compat.identity(value)`: returns `value` (shows what a chord body receives).
    static let identity = TaskDefinition("compat.identity") { arguments, _ in
        arguments.argument(0, "value") ?? .null
    }

    /// `compat.spawn(count)`: sends `compat.add(i, i)` for each `i < count`, then a group of `compat.add(i, 1)`;
    /// returns `count`. Its result's `children` lists them as Celery's would: `count` tasks, then one group.
    static let spawn = TaskDefinition("compat.spawn") { arguments, context in
        let count = arguments.argument(0, "count")?.intValue ?? 2
        for i in 0..<count {
            try await context.sender.send(Signature("compat.add", args: [.int(i), .int(i)]))
        }
        _ = try await context.sender.group((0..<count).map { Signature("compat.add", args: [.int($0), 1]) })
        return .int(count)
    }

    /// `compat.record(key, value)`: RPUSHes `value` (JSON unless a string or a number) to `key`; returns the length.
    static func record(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("compat.record") { arguments, _ in
            let key = try TestTasks.key(arguments)
            let value: String
            switch arguments.argument(1, "value") ?? .null {
            case .string(let text): value = text
            case .int(let number): value = String(number)
            case .double(let number): value = String(number)
            case let other: value = other.serialized
            }
            return .int(try redis.send(["RPUSH", key, value]).integer ?? 0)
        }
    }

    /// `compat.flaky(key, failures)`: `INCR key`; while the count is at most `failures` it fails with
    /// `RuntimeError` and is retried 0.5 s later (Celery's `self.retry(countdown=0.5, exc=...)`); then returns the count.
    static func flaky(_ redis: RedisConnection) -> TaskDefinition {
        let retry = RetryPolicy.exponential(maxRetries: 5, base: .milliseconds(500), cap: .milliseconds(500), jitter: false)
        return TaskDefinition("compat.flaky", retry: retry) { arguments, _ in
            let runs = try redis.send(["INCR", try TestTasks.key(arguments)]).integer ?? 0
            if runs <= arguments.argument(1, "failures")?.intValue ?? 0 {
                throw TaskError(type: "RuntimeError", message: "flaky run \(runs)")
            }
            return .int(runs)
        }
    }
}
