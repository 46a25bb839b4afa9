import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import Operations
import TaskAPI
import Worker

/// `celerity enqueue TASK`: sends a task, prints its id, and with `--wait` its result.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Send a task to a queue and print its id (with --wait, its result)."
    )

    @OptionGroup var redis: RedisOptions

    @Argument(help: "The registered task name, e.g. demo.add.")
    var task: String

    @Option(help: "Positional arguments as a JSON array, e.g. '[2, 3]'.")
    var args: String = "[]"

    @Option(help: "Keyword arguments as a JSON object, e.g. '{\"user\": 7}'.")
    var kwargs: String = "{}"

    @Option(help: "The queue to send to.")
    var queue: String = "celery"

    @Option(help: "Celery priority 0-9; lower runs first.")
    var priority: Int = 0

    @Option(help: "Run no earlier than this many seconds from now.")
    var countdown: Double?

    @Option(help: "Do not run after this many seconds from now.")
    var expires: Double?

    @Option(help: "Use this task id instead of a fresh UUID.")
    var id: String?

    @Flag(help: "Publish a task-sent event, as a Celery client with task_send_sent_event does (Flower shows the task).")
    var sentEvent = false

    @Flag(help: "Send only when no job with the same task and arguments (or --unique-key) is queued or running; else print its id.")
    var unique = false

    @Option(help: "Like --unique, but the lock lasts this many seconds from the send, however soon the job finishes.")
    var uniqueFor: Int?

    @Option(help: "With --unique/--unique-for: the key that makes two sends the same job (default: task and arguments).")
    var uniqueKey: String?

    @Option(help: "The flow key (header celerity_flow_key) the task's per-key limits count against.")
    var flowKey: String?

    @Flag(help: "Wait for the result and print it.")
    var wait = false

    @Option(help: "With --wait: how many seconds to wait.")
    var timeout: Double = 30

    func validate() throws {
        guard (0...9).contains(priority) else { throw ValidationError("--priority must be 0-9, got \(priority)") }
        if let uniqueFor, !(1...31_536_000).contains(uniqueFor) {
            throw ValidationError("--unique-for must be 1 to 31536000 seconds, got \(uniqueFor)")
        }
        if uniqueKey != nil, !unique, uniqueFor == nil { throw ValidationError("--unique-key needs --unique or --unique-for") }
    }

    func run() async throws {
        guard case .array(let positional) = try parseJSONArgument(args, option: "--args") else {
            throw CommandError("--args must be a JSON array, e.g. '[2, 3]'")
        }
        guard case .object(let keywords) = try parseJSONArgument(kwargs, option: "--kwargs") else {
            throw CommandError("--kwargs must be a JSON object, e.g. '{\"a\": 1}'")
        }
        let longest = Duration.longestAcceptedSeconds
        let countdown = try self.countdown.map { seconds throws(CommandError) in
            try CheckedOption.seconds(seconds, name: "--countdown", in: 0...longest)
        }
        let expires = try self.expires.map { seconds throws(CommandError) in
            try CheckedOption.seconds(seconds, name: "--expires", in: 0...longest)
        }
        let timeout = try CheckedOption.seconds(self.timeout, name: "--timeout", in: 0.001...86_400)
        let client = CelerityClient(
            configuration: try redis.commandLineConfiguration(), sendSentEvents: sentEvent, logger: redis.quietLogger
        )
        let options = TaskOptions(queue: queue, priority: priority, countdown: countdown, expiresIn: expires, taskID: id)
        let taskID: String
        if unique || uniqueFor != nil || flowKey != nil {
            var message = TaskMessage.make(task: task, args: positional, kwargs: keywords, options: options)
            if let flowKey { message.headers[FlowLimits.keyHeader] = .string(flowKey) }
            if unique || uniqueFor != nil {
                let key = uniqueKey ?? CelerityClient.uniqueKey(task: task, args: positional, kwargs: keywords)
                let uniqueness = uniqueFor.map { Uniqueness.forPeriod(.seconds($0)) } ?? .whileQueuedOrRunning
                taskID = try await client.enqueueUnique(message, key: key, uniqueness: uniqueness)
            } else {
                try await client.send(message)
                taskID = message.id
            }
        } else {
            taskID = try await client.enqueue(task, args: positional, kwargs: keywords, options: options)
        }
        print(taskID)
        guard wait else { return }
        let result = try await client.result(taskID, timeout: timeout)
        print(ResultFormatter.line(result))
        if result.state != .success { throw ExitCode(1) }
    }
}

/// `celerity result ID`: prints a task's state and result.
struct ResultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "Print a task's state and result (PENDING when nothing is stored)."
    )

    @OptionGroup var redis: RedisOptions

    @Argument(help: "The task id.")
    var id: String

    @Option(help: "Wait up to this many seconds for the task to finish.")
    var wait: Double?

    @Flag(help: "Print the stored result document as JSON.")
    var json = false

    func run() async throws {
        let wait = try self.wait.map { seconds throws(CommandError) in try CheckedOption.seconds(seconds, name: "--wait", in: 0...86_400) }
        let client = CelerityClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
        let result: TaskResult
        if let wait {
            result = try await client.result(id, timeout: wait)
        } else {
            result = try await client.result(id)
        }
        print(json ? result.encoded() : ResultFormatter.line(result))
    }
}

/// `celerity queues`: ready messages per queue and priority bucket.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show how many messages wait in each queue, per priority bucket; pause or resume a queue.",
        subcommands: [Pause.self, Resume.self]
    )

    @OptionGroup var redis: RedisOptions

    @Option(name: .customShort("Q"), help: "Comma-separated queues to show (default: every queue found, and celery).")
    var queues: String?

    func run() async throws {
        let client = CelerityClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
        var names = queues?.split(separator: ",").map(String.init) ?? []
        if names.isEmpty { names = Array(Set(try await client.discoverQueues() + ["celery"])).sorted() }
        let depths = try await client.queueDepths(names)
        let width = max(5, names.map(\.count).max() ?? 5)
        print("QUEUE".padding(toLength: width, withPad: " ", startingAt: 0) + "  TOTAL  P0-2   P3-5   P6-8   P9")
        let redisClient = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
        let paused = Set(try await redisClient.withConnection { try QueuePause.paused(on: $0) })
        for depth in depths {
            let counts = depth.buckets.map { String($0.count).padding(toLength: 6, withPad: " ", startingAt: 0) }
            print(
                depth.queue.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + String(depth.total).padding(toLength: 6, withPad: " ", startingAt: 0) + " " + counts.joined(separator: " ")
                    + (paused.contains(depth.queue) ? "  PAUSED" : "")
            )
        }
    }
}

/// One-line renderings of results for people.
enum ResultFormatter {
    static func line(_ result: TaskResult) -> String {
        switch result.state {
        case .success: return "SUCCESS \(result.result.serialized)"
        case .pending: return "PENDING"
        case .started: return "STARTED \(result.result.serialized)"
        default:
            if let error = result.error { return "\(result.state) \(error)" }
            return "\(result.state) \(result.result.serialized)"
        }
    }
}
