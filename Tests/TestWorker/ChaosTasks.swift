import Broker
import Foundation
import TaskAPI

#if canImport(Glibc)
import Glibc
#endif

/// Tasks for the chaos and soak runs (bench/chaos/): each run leaves a record of which process ran it and
/// when, so the driver can count runs per task, check ETAs and explain every duplicate by a fault.
enum ChaosTasks {
    static func all(_ redis: RedisConnection) -> [TaskDefinition] {
        [run(redis), slow(redis), failFirst(redis)]
    }

    /// Retries a run whose own write failed in transit (Redis restarting): its record may then be doubled,
    /// never missing.
    private static let transportRetry = RetryPolicy.exponential(maxRetries: 10, base: .milliseconds(100), cap: .seconds(1)) { error in
        (error as? RedisError)?.isTransport == true
    }

    /// `chaos.run(key)`: RPUSHes `<task id> <pid> <unix time>` to `key` and returns `<pid> <unix time>`, a
    /// value that differs between runs (so a second, different result would show).
    static func run(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("chaos.run", retry: transportRetry) { arguments, context in
            try record(redis, arguments, context)
        }
    }

    /// `chaos.slow(key, seconds)`: sleeps, then records like `chaos.run`.
    static func slow(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("chaos.slow", retry: transportRetry) { arguments, context in
            try await TestTasks.sleep(arguments, default: 1)
            return try record(redis, arguments, context)
        }
    }

    /// `chaos.fail_first(key, seconds)`: sleeps, records like `chaos.run`, and on its first delivery fails with
    /// a retryable error (the first delivery's process is the one a test pauses past its lease).
    static func failFirst(_ redis: RedisConnection) -> TaskDefinition {
        let retry = RetryPolicy.exponential(maxRetries: 3, base: .milliseconds(100), cap: .milliseconds(100), jitter: false)
        return TaskDefinition("chaos.fail_first", retry: retry) { arguments, context in
            try await TestTasks.sleep(arguments, default: 1)
            let run = try record(redis, arguments, context)
            if context.deliveryCount == 1 && context.retries == 0 {
                throw TaskError(type: "ConnectionError", message: "first delivery fails")
            }
            return run
        }
    }

    private static func record(_ redis: RedisConnection, _ arguments: TaskArguments, _ context: TaskContext) throws -> JSONValue {
        let run = "\(getpid()) \(Date().timeIntervalSince1970)"
        try redis.send(["RPUSH", try TestTasks.key(arguments), "\(context.taskID) \(run)"])
        return .string(run)
    }
}
