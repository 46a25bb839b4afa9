import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import TaskAPI
import Tasks

/// A worker binary for the integration tests: the demo tasks plus tasks that crash, flake, record
/// their runs in Redis, and ignore cancellation. It shows how an application embeds Celerity's worker:
/// its Redis connection is opened once per worker process, in ``TestTasks/setup(_:)``, and captured by the handlers.
@main
struct TestWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration.worker(TestTasks.self, commandName: "celerity-test-worker")
}

enum TestTasks: TaskApplication {
    static func setup(_ context: SetupContext) async throws -> TaskRegistry {
        // A slow application setup (a test of signals during it): CELERITY_TEST_SETUP_DELAY seconds, 0–600, checked
        // like every setting (text that is no number, NaN, ±∞ or out of range stops the setup naming the variable).
        if let text = ProcessInfo.processInfo.environment["CELERITY_TEST_SETUP_DELAY"] {
            guard let seconds = Double(text) else {
                throw CommandError("CELERITY_TEST_SETUP_DELAY must be a number of seconds from 0 to 600 (got \(text.debugDescription))")
            }
            try await Task.sleep(for: try CheckedOption.seconds(seconds, name: "CELERITY_TEST_SETUP_DELAY", in: 0...600))
        }
        let redis = RedisConnection(configuration: context.broker, logger: context.logger)
        context.onShutdown { redis.close() }
        var registry = try TaskRegistry(DemoTasks.all)
        try registry.register([
            record(redis), sleepRecord(redis), crash(redis), crashOnce(redis), flaky(redis), alwaysFail(redis), busy,
            fanOut(redis),
        ])
        try registry.register(CompatTasks.all(redis))
        try registry.register(ChaosTasks.all(redis))
        try registry.register(FlowTasks.all(redis))
        registry.use(OutcomeRecorder(redis: redis))
        return registry
    }

    /// A middleware that appends `will:<task>` and `did:<task>:<outcome>` to the list `middleware:events`.
    struct OutcomeRecorder: TaskMiddleware {
        let redis: RedisConnection

        func taskWillRun(_ context: TaskContext) {
            _ = try? redis.send(["RPUSH", "middleware:events", "will:\(context.name)"])
        }

        func taskDidFinish(_ context: TaskContext, outcome: TaskOutcome) {
            let kind: String
            switch outcome {
            case .succeeded: kind = "succeeded"
            case .retried(let error, _, _): kind = "retried:\(error.type)"
            case .failed(let error, _): kind = "failed:\(error.type)"
            case .deadLettered(let reason, _): kind = "dead-lettered:\(reason)"
            case .revoked(let reason): kind = "revoked:\(reason)"
            case .timeLimitExceeded: kind = "time-limit"
            }
            _ = try? redis.send(["RPUSH", "middleware:events", "did:\(context.name):\(kind)"])
        }
    }

    static func key(_ arguments: TaskArguments) throws -> String {
        guard let key = arguments.argument(0, "key")?.stringValue else {
            throw TaskError(type: "TypeError", message: "missing key")
        }
        return key
    }

    /// `test.record(key)`: appends its task id to the list `key`. When its own RPUSH fails in transit
    /// (Redis restarting) it is retried, so a record can be duplicated but is never missing.
    static func record(_ redis: RedisConnection) -> TaskDefinition {
        let retry = RetryPolicy.exponential(maxRetries: 10, base: .milliseconds(100), cap: .seconds(1)) { error in
            (error as? RedisError)?.isTransport == true
        }
        return TaskDefinition("test.record", retry: retry) { arguments, context in
            try redis.send(["RPUSH", try key(arguments), context.taskID])
            return .string(context.taskID)
        }
    }

    /// `test.sleep_record(key, seconds)`: appends `start:<id>`, sleeps, appends `done:<id>`.
    static func sleepRecord(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("test.sleep_record") { arguments, context in
            let list = try key(arguments)
            try redis.send(["RPUSH", list, "start:" + context.taskID])
            try await sleep(arguments, default: 1)
            try redis.send(["RPUSH", list, "done:" + context.taskID])
            return .string(context.taskID)
        }
    }

    /// `test.crash(key)`: appends its id to `key`, then aborts the process, every time.
    static func crash(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("test.crash") { arguments, context in
            try redis.send(["RPUSH", try key(arguments), context.taskID])
            abort()
        }
    }

    /// `test.crash_once(key)`: aborts the process on its first run, succeeds afterwards.
    static func crashOnce(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("test.crash_once") { arguments, _ in
            let runs = try redis.send(["INCR", try key(arguments)]).integer ?? 0
            if runs == 1 { abort() }
            return .int(runs)
        }
    }

    /// `test.flaky(key, failures)`: fails `failures` times with `ConnectionError`, then returns the run count.
    static func flaky(_ redis: RedisConnection) -> TaskDefinition {
        let retry = RetryPolicy.exponential(maxRetries: 3, base: .milliseconds(200), cap: .milliseconds(500), jitter: false)
        return TaskDefinition("test.flaky", retry: retry) { arguments, _ in
            let runs = try redis.send(["INCR", try key(arguments)]).integer ?? 0
            if runs <= arguments.argument(1, "failures")?.intValue ?? 0 {
                throw TaskError(type: "ConnectionError", message: "flaky run \(runs)")
            }
            return .int(runs)
        }
    }

    /// `test.always_fail(key)`: fails every run; retried twice, then dead-lettered.
    static func alwaysFail(_ redis: RedisConnection) -> TaskDefinition {
        let retry = RetryPolicy.exponential(maxRetries: 2, base: .milliseconds(200), cap: .milliseconds(400))
        return TaskDefinition("test.always_fail", retry: retry) { arguments, context in
            try redis.send(["RPUSH", try key(arguments), context.taskID])
            throw TaskError(type: "RuntimeError", message: "always fails")
        }
    }

    /// `test.fan_out(key, count)`: sends a group of `count` `test.record(key)` children, appends
    /// `fanned:<delivery count>` to `<key>:parent`, and on its first delivery waits a minute (the test kills its
    /// process there); then sends one more `test.record(key)` and returns every child id it sent.
    static func fanOut(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("test.fan_out") { arguments, context in
            let list = try key(arguments)
            let count = arguments.argument(1, "count")?.intValue ?? 3
            let group = try await context.sender.group(
                (0..<count).map { _ in Signature("test.record", args: [.string(list)]) }
            )
            try redis.send(["RPUSH", list + ":parent", "fanned:\(context.deliveryCount)"])
            if context.deliveryCount == 1 { try await Task.sleep(for: .seconds(60)) }
            let last = try await context.sender.send(Signature("test.record", args: [.string(list)]))
            return .array((group.taskIDs + [last]).map(JSONValue.string))
        }
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

extension TestTasks {
    /// Sleeps for the task's `seconds` argument (position 1), or `defaultSeconds` when it is absent. A value that is
    /// not a finite, non-negative number of seconds a `Duration` can hold is a `ValueError`, never a trap.
    static func sleep(_ arguments: TaskArguments, default defaultSeconds: Double) async throws {
        let seconds = arguments.argument(1, "seconds")?.doubleValue ?? defaultSeconds
        guard let duration = Duration(checkedSeconds: seconds) else {
            throw TaskError.valueError("seconds must be a finite number from 0 to \(Duration.longestAcceptedSeconds), not \(seconds)")
        }
        if duration > .zero { try await Task.sleep(for: duration) }
    }
}
