import ArgumentParser
import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CelerityCLI
import TaskAPI

/// The benchmark's Celerity side (see `bench/README.md`): a client that enqueues tasks one by one or
/// in pipelined batches and prints JSON timings, and a worker binary with a no-op task and a task
/// that records its enqueue→start latency.
@main
struct CelerityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration.worker(
        BenchTasks.self, commandName: "celerity-bench",
        abstract: "Celerity's side of the benchmark in bench/: enqueue timings and a worker with bench tasks.",
        subcommands: [Enqueue.self, SendAtRate.self]
    )
}

/// The tasks the benchmark's worker runs.
enum BenchTasks: TaskApplication {
    /// The Redis list the latency task appends its samples to (seconds, as text).
    static let latencyKey = "bench:latency"

    static func setup(_ context: SetupContext) async throws -> TaskRegistry {
        let redis = RedisConnection(configuration: context.broker, logger: context.logger)
        context.onShutdown { redis.close() }
        return try TaskRegistry([noop, latency(redis)])
    }

    /// `bench.noop()`: does nothing and returns `None`.
    static let noop = TaskDefinition("bench.noop") { _, _ in .null }

    /// `bench.latency(sent)`: appends `now - sent` (Unix seconds, the wall clock the sender read just
    /// before enqueueing) to `bench:latency`, first thing when it starts.
    static func latency(_ redis: RedisConnection) -> TaskDefinition {
        TaskDefinition("bench.latency") { arguments, _ in
            let now = Date().timeIntervalSince1970
            guard let sent = arguments.argument(0, "sent")?.doubleValue else {
                throw TaskError(type: "TypeError", message: "bench.latency needs the send time")
            }
            try redis.send(["RPUSH", latencyKey, String(now - sent)])
            return .null
        }
    }
}

/// Options shared by the client subcommands.
struct ClientOptions: ParsableArguments {
    @OptionGroup var redis: RedisOptions

    @Option(help: "Queue to send to.")
    var queue = "celery"

    func client() throws -> CelerityClient {
        CelerityClient(configuration: try redis.configuration(), logger: redis.quietLogger)
    }
}

/// `enqueue`: sends `--count` tasks and prints one JSON object with the timing.
struct Enqueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send N tasks, one by one (--batch 1) or in pipelined batches, and print JSON timing."
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "How many tasks.")
    var count = 20_000

    @Option(help: "Tasks per pipelined batch; 1 sends them one by one with CelerityClient.enqueue.")
    var batch = 1

    @Option(help: "Task name.")
    var task = "bench.noop"

    @Flag(help: "Send with ignore_result=true.")
    var ignoreResult = false

    @Option(help: "Comma-separated queues to cycle through, message by message (bulk only; default: --queue).")
    var queues: String?

    @Option(help: "Comma-separated priorities to cycle through, message by message (bulk only).")
    var priorities = "0"

    @Option(help: "ETA of every task, Unix seconds; bench.latency then records its start minus this ETA.")
    var eta: Double?

    func run() async throws {
        let client = try options.client()
        try await client.redis.send(["PING"])  // connect before the clock starts
        let taskOptions = TaskOptions(queue: options.queue, ignoreResult: ignoreResult)
        // The scale curves (bench/scale): many queues and priority buckets, and one due second for all.
        let queueCycle = queues.map { $0.split(separator: ",").map(String.init) } ?? [options.queue]
        let priorityCycle = priorities.split(separator: ",").compactMap { Int($0) }
        let due = eta.map { Date(timeIntervalSince1970: $0) }
        let args: [JSONValue] = task == "bench.latency" ? [.double(eta ?? Date().timeIntervalSince1970)] : []
        var lastIDs: [String] = []
        let clock = ContinuousClock()
        let start = clock.now
        if batch <= 1 {
            // One round trip per task, each awaited. The loop runs on the client's executor, as a Swift
            // sender that talks to Redis in a loop should (SE-0417): no thread hop per call.
            lastIDs = try await withTaskExecutorPreference(client.redis.executor) {
                var ids: [String] = []
                for index in 0..<count {
                    let id = try await client.enqueue(task, options: taskOptions)
                    if index >= count - 256 { ids.append(id) }
                }
                return ids
            }
        } else {
            var sent = 0
            while sent < count {
                let size = min(batch, count - sent)
                let messages = (0..<size).map { offset in
                    var options = taskOptions
                    let index = sent + offset
                    options.queue = queueCycle[index % queueCycle.count]
                    options.priority = priorityCycle.isEmpty ? 0 : priorityCycle[(index / queueCycle.count) % priorityCycle.count]
                    options.eta = due
                    return TaskMessage.make(task: task, args: args, options: options)
                }
                try await client.send(batch: messages)
                for (offset, message) in messages.enumerated() where sent + offset >= count - 256 {
                    lastIDs.append(message.id)
                }
                sent += size
            }
        }
        let seconds = (clock.now - start).seconds
        printJSON([
            "sent": .int(count), "seconds": .double(seconds), "rate": .double(Double(count) / seconds),
            "batch": .int(max(1, batch)), "last_ids": .array(lastIDs.map(JSONValue.string)),
        ])
    }
}

/// `send-at-rate`: sends `bench.latency(now)` at a steady rate for a while (the latency phase).
struct SendAtRate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-at-rate",
        abstract: "Send bench.latency(send time) at a steady rate and print JSON with what was sent."
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "Tasks per second.")
    var rate = 200.0

    @Option(help: "Seconds to send for.")
    var duration = 20.0

    func run() async throws {
        let client = try options.client()
        try await client.redis.send(["PING"])
        let total = Int(rate * duration)
        let interval = Duration.seconds(1 / rate)
        let clock = ContinuousClock()
        let start = clock.now
        let late = try await withTaskExecutorPreference(client.redis.executor) {
            var late = 0
            for index in 0..<total {
                let due = start + interval * index
                if clock.now < due {
                    try await clock.sleep(until: due, tolerance: .zero)
                } else if clock.now - due > .milliseconds(5) {
                    late += 1
                }
                try await client.enqueue(
                    "bench.latency", args: [.double(Date().timeIntervalSince1970)], options: TaskOptions(queue: options.queue)
                )
            }
            return late
        }
        let seconds = (clock.now - start).seconds
        printJSON(["sent": .int(total), "seconds": .double(seconds), "late": .int(late)])
    }
}

private func printJSON(_ object: JSONObject) {
    print(JSONValue.object(object).serialized)
}
