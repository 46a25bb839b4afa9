import ArgumentParser
import Broker
import Foundation
import Tasks
import Worker

/// A worker binary for the integration tests: the demo tasks plus tasks that crash, flake, record
/// their runs in Redis, and ignore cancellation. It shows how an application embeds Celerity's worker.
@main
struct TestWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "celerity-test-worker",
        subcommands: [WorkerCommand<TestTasks>.self, WorkerProcessCommand<TestTasks>.self]
    )
}

enum TestTasks: WorkerApplication {
    static var tasks: TaskRegistry {
        var registry = TaskRegistry(DemoTasks.all)
        registry.register(contentsOf: [record, sleepRecord, crash, crashOnce, flaky, alwaysFail, busy])
        registry.register(contentsOf: CompatTasks.all)
        return registry
    }

    /// A connection for tasks that write to Redis (from `CELERITY_REDIS_URL`, set by the tests).
    static let redis: RedisConnection = {
        let url = ProcessInfo.processInfo.environment["CELERITY_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        return RedisConnection(configuration: (try? RedisConfiguration(url: url)) ?? .localDefault)
    }()

    static func key(_ arguments: TaskArguments) throws -> String {
        guard let key = arguments.argument(0, "key")?.stringValue else {
            throw TaskError(type: "TypeError", message: "missing key")
        }
        return key
    }

    /// `test.record(key)`: appends its task id to the list `key`. When its own RPUSH fails in transit
    /// (Redis restarting) it is retried, so a record can be duplicated but is never missing.
    static let record = TaskDefinition(
        "test.record",
        retry: .exponential(maxRetries: 10, base: .milliseconds(100), cap: .seconds(1)) { error in
            (error as? RedisError)?.isTransport == true
        }
    ) { arguments, context in
        try redis.send(["RPUSH", try key(arguments), context.taskID])
        return .string(context.taskID)
    }

    /// `test.sleep_record(key, seconds)`: appends `start:<id>`, sleeps, appends `done:<id>`.
    static let sleepRecord = TaskDefinition("test.sleep_record") { arguments, context in
        let list = try key(arguments)
        try redis.send(["RPUSH", list, "start:" + context.taskID])
        try await Task.sleep(for: .milliseconds(Int64((arguments.argument(1, "seconds")?.doubleValue ?? 1) * 1000)))
        try redis.send(["RPUSH", list, "done:" + context.taskID])
        return .string(context.taskID)
    }

    /// `test.crash(key)`: appends its id to `key`, then aborts the process, every time.
    static let crash = TaskDefinition("test.crash") { arguments, context in
        try redis.send(["RPUSH", try key(arguments), context.taskID])
        abort()
    }

    /// `test.crash_once(key)`: aborts the process on its first run, succeeds afterwards.
    static let crashOnce = TaskDefinition("test.crash_once") { arguments, context in
        let runs = try redis.send(["INCR", try key(arguments)]).integer ?? 0
        if runs == 1 { abort() }
        return .int(runs)
    }

    /// `test.flaky(key, failures)`: fails `failures` times with `ConnectionError`, then returns the run count.
    static let flaky = TaskDefinition(
        "test.flaky", retry: .exponential(maxRetries: 3, base: .milliseconds(200), cap: .milliseconds(500), jitter: false)
    ) { arguments, _ in
        let runs = try redis.send(["INCR", try key(arguments)]).integer ?? 0
        if runs <= arguments.argument(1, "failures")?.intValue ?? 0 {
            throw TaskError(type: "ConnectionError", message: "flaky run \(runs)")
        }
        return .int(runs)
    }

    /// `test.always_fail(key)`: fails every run; retried twice, then dead-lettered.
    static let alwaysFail = TaskDefinition(
        "test.always_fail", retry: .exponential(maxRetries: 2, base: .milliseconds(200), cap: .milliseconds(400))
    ) { arguments, context in
        try redis.send(["RPUSH", try key(arguments), context.taskID])
        throw TaskError(type: "RuntimeError", message: "always fails")
    }

    /// `test.busy(seconds)`: blocks its thread, ignoring cancellation (only a hard time limit stops it).
    static let busy = TaskDefinition("test.busy") { arguments, _ in
        let seconds = arguments.argument(0, "seconds")?.doubleValue ?? 1
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(seconds.truncatingRemainder(dividingBy: 1) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 { request = remaining }  // blocks the thread on purpose
        return "finished"
    }
}
