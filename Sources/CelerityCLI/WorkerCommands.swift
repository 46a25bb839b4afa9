import ArgumentParser
import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Operations
import TaskAPI
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The options of `worker` (and of the processes it starts).
package struct WorkerOptions: ParsableArguments {
    package init() {}

    @OptionGroup package var redis: RedisOptions

    @Option(name: [.customShort("Q"), .long], help: "Comma-separated queues to consume, e.g. celery,backups.")
    package var queues: String = "celery"

    @Option(help: "Which queue to take from first: round_robin (busy queues take turns), priority (the first queue with messages, in --queues order) or sorted (the same, queues in name order); Celery's queue_order_strategy (default: $CELERITY_QUEUE_ORDER_STRATEGY, then round_robin).")
    package var queueOrderStrategy: String?

    @Option(name: [.customShort("c"), .long], help: "Worker processes (default: number of cores).")
    package var concurrency: Int?

    @Option(help: "Grow and shrink the pool with the load: MAX,MIN processes (Celery's flag; default: $CELERITY_AUTOSCALE, then off).")
    package var autoscale: String?

    @Option(help: "Seconds an autoscaled pool stays idle before it shrinks (default: $AUTOSCALE_KEEPALIVE, as Celery, then 30).")
    package var autoscaleKeepalive: Double?

    @Option(name: [.customShort("n"), .customLong("hostname")], help: "Node name (default: celerity.<pid>@<host>).")
    package var nodeName: String?

    @Option(help: "Seconds a warm shutdown waits for running tasks before requeueing them (0-86400).")
    package var shutdownTimeout: Double = 30

    @Option(help: "Seconds a worker process's lease lasts without renewal (0.5-3600).")
    package var leaseTimeout: Double = 10

    @Option(help: "Seconds between looks for dead worker processes of any node (0.1-3600).")
    package var reapInterval: Double = 5

    @Option(help: "Deliveries to dying processes before a message is dead-lettered as poison (1-1000).")
    package var maxDeliveries: Int = 3

    @Option(help: "Seconds results are kept (0: forever; at most 315360000, ten years).")
    package var resultExpires: Double = 86400

    @Option(help: "Most messages (1-1000) a worker process takes in one step when its queue has a backlog (half the queue, at most this; 1 disables batching; default: $CELERITY_PREFETCH_BATCH, then 32).")
    package var prefetchBatch: Int?

    @Option(help: "Largest message in bytes a worker decodes; a larger one is dead-lettered, keeping only a header excerpt (default: $CELERITY_MAX_MESSAGE_BYTES, then 16777216; 1024-536870912).")
    public var maxMessageBytes: Int?

    @Option(help: "Recycle a worker process after this many tasks (1-10000000; default: $CELERITY_MAX_TASKS_PER_CHILD, else never).")
    package var maxTasksPerChild: Int?

    @Option(help: "Recycle a worker process after a task that leaves it above this many MiB resident (16-1048576; default: $CELERITY_MAX_MEMORY_PER_CHILD, else never).")
    package var maxMemoryPerChild: Int?

    @Option(help: "Kill a worker process whose resident memory passes this many MiB while it runs a task, and dead-letter the task with reason memory (16-1048576 MiB; default: $CELERITY_TASK_MEMORY_LIMIT, else no limit).")
    package var taskMemoryLimit: Int?

    @Option(help: "MiB of resident memory the node's worker processes may use together: the pool never grows past it (16-1048576; default: $CELERITY_MEMORY_BUDGET, else no budget).")
    package var memoryBudget: Int?

    @Option(help: "Seconds (0.001-60; above 1 acts as 1) between a fully idle node's looks at all its queues and priority buckets: each idle process waits on one list, the node's processes spread over its queues' default buckets, and they take turns looking at the rest, each every this x the processes (at most 1 s, also how soon it notices SIGTERM; 50 ms after work, doubling while idle; default: $CELERITY_IDLE_POLL_INTERVAL, then 0.25).")
    package var idlePollInterval: Double?

    @Option(help: "Seconds (0.01-60) between a node's looks for due ETA messages parked by other nodes, e.g. one that died: the bound on how late those run (a node promotes the ETAs its own processes park at their due time; default: $CELERITY_ETA_POLL_INTERVAL, then 1).")
    package var etaPollInterval: Double?

    @Option(help: "Seconds a task may run before its process hands back the rest of its batch and stores the results before it (0.000001-3600).")
    package var batchHold: Double = 0.002

    @Flag(help: "Store STARTED when a task starts (Celery's task_track_started).")
    package var trackStarted = false

    @Flag(help: "Store Celery's extended result fields: name, args, kwargs, worker, retries, queue (Celery's result_extended; default: $CELERITY_RESULT_EXTENDED, then off).")
    package var resultExtended = false

    @Flag(name: [.customShort("E"), .customLong("task-events")], help: "Send Celery task events (for Flower and celery events).")
    package var taskEvents = false

    @Option(help: "Where to serve /metrics, /healthz and the status page: host:port, or 0 to disable (default: $CELERITY_METRICS_ADDRESS, then 127.0.0.1:9808).")
    package var metricsAddress: String?

    @OptionGroup package var settings: SettingsOptions

    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "The application's PostgreSQL URL: postgresql://user:password@host:port/db.",
            discussion: "Defaults to $CELERITY_DATABASE_URL.", valueName: "url"
        )
    )
    package var databaseURL: String?

    @Option(
        name: .customLong("alias"),
        help: ArgumentHelp(
            "Accept a task under another name, e.g. myapp.tasks.apply_purchase_unlocks_async=purchases.apply_purchase_unlocks_async (repeatable).",
            discussion: "Adds to $CELERITY_TASK_ALIASES (comma-separated alias=task pairs).",
            valueName: "alias=task"
        )
    )
    package var aliases: [String] = []

    @Flag(help: "Also relay the application's celerity_outbox table to Redis (the celerity binary; docs/outbox.md; needs the database URL).")
    public var outbox = false

    @Option(help: "Log format: text or json.")
    package var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    package var logLevel: String = "info"

    /// The worker configuration these options describe.
    package func configuration() throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration(redis: try redis.configuration())
        configuration.queues = queues.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !configuration.queues.isEmpty else { throw CommandError("--queues names no queue") }
        if let strategy = queueOrderStrategy ?? ProcessInfo.processInfo.environment["CELERITY_QUEUE_ORDER_STRATEGY"] {
            guard let parsed = QueueOrderStrategy(rawValue: strategy) else {
                throw CommandError("--queue-order-strategy (or CELERITY_QUEUE_ORDER_STRATEGY) must be round_robin, priority or sorted")
            }
            configuration.queueOrderStrategy = parsed
        }
        if let concurrency {
            guard concurrency > 0 else { throw CommandError("--concurrency must be at least 1") }
            configuration.concurrency = concurrency
        }
        if let range = autoscale ?? ProcessInfo.processInfo.environment["CELERITY_AUTOSCALE"] {
            do { configuration.autoscale = try AutoscaleRange(parsing: range) } catch {
                throw CommandError("--autoscale (or CELERITY_AUTOSCALE): \(error)")
            }
        }
        if let keepalive = autoscaleKeepalive ?? ProcessInfo.processInfo.environment["AUTOSCALE_KEEPALIVE"].map({ Double($0) ?? -1 }) {
            guard keepalive >= 0, let duration = Duration(checkedSeconds: keepalive) else {
                throw CommandError("--autoscale-keepalive (or AUTOSCALE_KEEPALIVE) must be seconds from 0 to 1e7")
            }
            configuration.autoscaleKeepalive = duration
        }
        if let nodeName { configuration.nodeName = nodeName }
        let ranges = WorkerOptionRanges.self
        configuration.shutdownTimeout = try CheckedOption.seconds(shutdownTimeout, name: "--shutdown-timeout", in: ranges.shutdownTimeout)
        configuration.leaseTimeout = try CheckedOption.seconds(leaseTimeout, name: "--lease-timeout", in: ranges.leaseTimeout)
        configuration.heartbeatInterval = min(.seconds(2), configuration.leaseTimeout / 3)
        configuration.reapInterval = try CheckedOption.seconds(reapInterval, name: "--reap-interval", in: ranges.reapInterval)
        configuration.maxDeliveries = try CheckedOption.whole(maxDeliveries, name: "--max-deliveries", in: ranges.maxDeliveries)
        let expires = try CheckedOption.seconds(resultExpires, name: "--result-expires", in: ranges.resultExpires)
        configuration.results = ResultBackend(timeToLive: expires > .zero ? expires : nil)
        let environment = ProcessInfo.processInfo.environment
        if let prefetchBatch {
            configuration.prefetchBatch = try CheckedOption.whole(prefetchBatch, name: "--prefetch-batch", in: ranges.prefetchBatch)
        } else if let text = environment["CELERITY_PREFETCH_BATCH"] {
            configuration.prefetchBatch = try CheckedOption.whole(text, name: "CELERITY_PREFETCH_BATCH", in: ranges.prefetchBatch)
        }
        if let idlePollInterval {
            configuration.idlePollInterval = try CheckedOption.seconds(idlePollInterval, name: "--idle-poll-interval", in: ranges.idlePollInterval)
        } else if let text = environment["CELERITY_IDLE_POLL_INTERVAL"] {
            let seconds = Double(text.trimmingWhitespace()) ?? .nan
            configuration.idlePollInterval = try CheckedOption.seconds(seconds, name: "CELERITY_IDLE_POLL_INTERVAL", in: ranges.idlePollInterval)
        }
        if let etaPollInterval {
            configuration.scheduledPollInterval = try CheckedOption.seconds(etaPollInterval, name: "--eta-poll-interval", in: ranges.etaPollInterval)
        } else if let text = environment["CELERITY_ETA_POLL_INTERVAL"] {
            let seconds = Double(text.trimmingWhitespace()) ?? .nan
            configuration.scheduledPollInterval = try CheckedOption.seconds(seconds, name: "CELERITY_ETA_POLL_INTERVAL", in: ranges.etaPollInterval)
        }
        if let maxMessageBytes {
            configuration.maxMessageBytes = try CheckedOption.whole(maxMessageBytes, name: "--max-message-bytes", in: ranges.maxMessageBytes)
        } else if let text = environment["CELERITY_MAX_MESSAGE_BYTES"] {
            configuration.maxMessageBytes = try CheckedOption.whole(text, name: "CELERITY_MAX_MESSAGE_BYTES", in: ranges.maxMessageBytes)
        }
        configuration.batchHold = try CheckedOption.seconds(batchHold, name: "--batch-hold", in: ranges.batchHold)
        if let maxTasksPerChild {
            configuration.maxTasksPerChild = try CheckedOption.whole(maxTasksPerChild, name: "--max-tasks-per-child", in: ranges.maxTasksPerChild)
        } else if let text = environment["CELERITY_MAX_TASKS_PER_CHILD"] {
            configuration.maxTasksPerChild = try CheckedOption.whole(text, name: "CELERITY_MAX_TASKS_PER_CHILD", in: ranges.maxTasksPerChild)
        }
        if let maxMemoryPerChild {
            configuration.maxMemoryPerChild = try CheckedOption.whole(maxMemoryPerChild, name: "--max-memory-per-child", in: ranges.mebibytes)
        } else if let text = environment["CELERITY_MAX_MEMORY_PER_CHILD"] {
            configuration.maxMemoryPerChild = try CheckedOption.whole(text, name: "CELERITY_MAX_MEMORY_PER_CHILD", in: ranges.mebibytes)
        }
        if let memoryBudget {
            configuration.memoryBudget = try CheckedOption.whole(memoryBudget, name: "--memory-budget", in: ranges.mebibytes)
        } else if let text = environment["CELERITY_MEMORY_BUDGET"] {
            configuration.memoryBudget = try CheckedOption.whole(text, name: "CELERITY_MEMORY_BUDGET", in: ranges.mebibytes)
        }
        if let taskMemoryLimit {
            configuration.taskMemoryLimit = try CheckedOption.whole(taskMemoryLimit, name: "--task-memory-limit", in: ranges.mebibytes)
        } else if let text = environment["CELERITY_TASK_MEMORY_LIMIT"] {
            configuration.taskMemoryLimit = try CheckedOption.whole(text, name: "CELERITY_TASK_MEMORY_LIMIT", in: ranges.mebibytes)
        }
        configuration.trackStarted = trackStarted
        configuration.sendTaskEvents = taskEvents
        configuration.extendedResults = try resultExtended || Self.switchVariable("CELERITY_RESULT_EXTENDED")
        if let address = metricsAddress ?? environment["CELERITY_METRICS_ADDRESS"] {
            do { configuration.metricsAddress = try MetricsAddress.parse(address) } catch { throw CommandError("\(error)") }
            configuration.metricsAddressRequired = true
        }
        return configuration
    }

    /// An on/off environment variable: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`, empty or unset.
    private static func switchVariable(_ name: String) throws -> Bool {
        switch (ProcessInfo.processInfo.environment[name] ?? "").trimmingWhitespace().lowercased() {
        case "1", "true", "yes", "on": return true
        case "", "0", "false", "no", "off": return false
        default: throw CommandError("\(name) must be 1, true, yes, on or 0, false, no, off")
        }
    }

    /// The application's settings: `--set`, `--database-url`, then the environment, then the configuration file.
    func applicationSettings() throws -> Settings {
        try settings.settings(extra: databaseURL.map { ["CELERITY_DATABASE_URL": $0] } ?? [:])
    }

    /// The aliases from `--alias`, then `CELERITY_TASK_ALIASES`, as `alias=task` pairs separated by commas.
    func aliasPairs(_ settings: Settings) -> String {
        (aliases + [settings["CELERITY_TASK_ALIASES"] ?? ""]).joined(separator: ",")
    }

    func bootstrapLogging() {
        LogFormat.bootstrap(logFormat, level: logLevel)
    }
}

/// The log line format.
package enum LogFormat: String, ExpressibleByArgument, Sendable {
    case text
    case json

    /// Sends this process's logs to standard error in `format` at `level` (a `Logger.Level` name; `info` if unknown).
    package static func bootstrap(_ format: LogFormat, level: String) {
        let level = Logger.Level(rawValue: level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// `worker`: the supervisor and its pool of worker processes, running `Application`'s tasks. A binary becomes a
/// worker with ``ArgumentParser/CommandConfiguration/worker(_:commandName:abstract:version:subcommands:)``, which
/// adds this command and ``WorkerProcessCommand``.
public struct WorkerCommand<Application: TaskApplication>: AsyncParsableCommand {
    /// `worker`, with its help text.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "worker",
            abstract: "Run a supervisor and a pool of worker processes that execute tasks.",
            discussion: "SIGTERM or Ctrl-C: warm shutdown (running tasks finish). SIGQUIT or a second SIGTERM: cold shutdown (running tasks' messages are requeued at once)."
        )
    }

    @OptionGroup package var options: WorkerOptions

    /// A command with no options parsed yet: ArgumentParser fills them.
    public init() {}

    /// Checks the application's setup once, then supervises the worker processes until SIGTERM or SIGINT.
    /// - Throws: A one-line error when the options, the configuration or the application's setup are wrong.
    public func run() async throws {
        options.bootstrapLogging()
        let configuration = try options.configuration()
        let logger = Logger(label: "celerity.worker")
        // The application's setup runs here once before any process starts, so a bad configuration (an unreadable
        // file, a malformed URL, an alias to no task) stops the node with one line instead of a restart loop.
        let check = SetupContext(
            settings: try options.applicationSettings(), broker: configuration.redis, nodeName: configuration.nodeName,
            logger: logger
        )
        do {
            var registry = try await Application.setup(check)
            try registry.alias(pairs: options.aliasPairs(check.settings))
            await check.shutdown()
        } catch {
            await check.shutdown()
            throw CommandError("worker setup failed: \(error)")
        }
        // The processes get this command's own options, and this node's name; options that can carry secrets
        // reach them through the environment instead, so no password is on a worker process's command line.
        let arguments = CommandLine.arguments
        let own = arguments.firstIndex(of: "worker").map { Array(arguments[($0 + 1)...]) } ?? []
        let (childOptions, environment) = Self.movingSecretsToEnvironment(own)
        for (key, value) in environment { setenv(key, value, 1) }
        let node = NodeServices(
            configuration: configuration, childArguments: childOptions + ["--hostname", configuration.nodeName],
            logger: logger
        )
        let signals = ShutdownSignals.install([SIGTERM, SIGINT, SIGQUIT])
        guard options.outbox else { return try await ServiceGroup(node.services, signals: signals).run() }
        guard let relaying = Application.self as? any OutboxRelayingApplication.Type else {
            throw CommandError("--outbox: this worker binary has no outbox relay; run `celerity outbox relay` beside it")
        }
        let runRelay: @Sendable () async -> Void
        do { runRelay = try relaying.outboxRelay(settings: check.settings, redis: configuration.redis) } catch {
            throw CommandError("--outbox: \(error)")
        }
        // The relay stops with the node, after the step it is in; the node stops if the relay ends.
        try await ServiceGroup(node.services + [CancellableService(runRelay)], signals: signals).run()
    }
}

extension WorkerCommand {
    /// The options that may hold secrets (`--redis-url`, `--database-url`, `--set KEY=VALUE`) taken out of
    /// `arguments`, as the environment variables that mean the same to a worker process.
    static func movingSecretsToEnvironment(_ arguments: [String]) -> (arguments: [String], environment: [String: String]) {
        let variables = ["--redis-url": "CELERITY_REDIS_URL", "--database-url": "CELERITY_DATABASE_URL"]
        var kept: [String] = []
        var environment: [String: String] = [:]
        var index = 0
        func take(_ option: String, _ value: String) {
            if let variable = variables[option] {
                environment[variable] = value
            } else if let equals = value.firstIndex(of: "=") {
                environment[String(value[..<equals])] = String(value[value.index(after: equals)...])
            }
        }
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if variables[name] != nil || name == "--set" {
                if name != argument {
                    take(name, String(argument.dropFirst(name.count + 1)))
                } else if index + 1 < arguments.count {
                    take(name, arguments[index + 1])
                    index += 1
                }
            } else {
                kept.append(argument)
            }
            index += 1
        }
        return (kept, environment)
    }
}

/// `worker-process` (hidden): one worker process, started by the supervisor. It runs the application's
/// setup once, then takes tasks until the supervisor stops it, then runs the setup's shutdown steps.
public struct WorkerProcessCommand<Application: TaskApplication>: AsyncParsableCommand {
    /// `worker-process`, hidden from the help.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "worker-process", abstract: "A worker process (started by `worker`).", shouldDisplay: false)
    }

    @Option(help: "The id the supervisor gave this process.")
    var processID: String

    @OptionGroup package var options: WorkerOptions

    /// A command with no options parsed yet: ArgumentParser fills them.
    public init() {}

    /// Runs the application's setup, then tasks until the supervisor stops this process, then the shutdown steps.
    /// - Throws: A one-line error when the options or the application's setup are wrong.
    public func run() async throws {
        // First, so a SIGTERM during the application's setup (a shutdown, a pool shrink) is noted, not fatal.
        let signals = ShutdownSignals.install([SIGTERM], ignoring: [SIGINT])
        options.bootstrapLogging()
        var logger = Logger(label: "celerity.worker")
        logger[metadataKey: "worker.process"] = "\(processID)"
        let configuration = try options.configuration()
        let settings = try options.applicationSettings()
        let setup = SetupContext(
            settings: settings, broker: configuration.redis, nodeName: configuration.nodeName, logger: logger
        )
        var registry: TaskRegistry
        do {
            registry = try await Application.setup(setup)
            try registry.alias(pairs: options.aliasPairs(settings))
        } catch {
            await setup.shutdown()
            throw CommandError("worker setup failed: \(error)")
        }
        if signals.stopRequested {  // stopped during the setup: it took no message, so it just ends, cleanly
            logger.info("worker process stopped during its setup")
            await setup.shutdown()
            return
        }
        let exitStatus = await WorkerProcess.run(
            configuration: configuration, registry: registry, processID: processID, logger: logger
        )
        await setup.shutdown()
        // Recycled (--max-tasks-per-child, --max-memory-per-child): the status tells the supervisor why.
        if exitStatus != 0 { Glibc.exit(exitStatus) }
    }
}
