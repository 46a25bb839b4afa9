import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import Logging
import Scheduler

/// `celerity scheduler --schedule FILE`: enqueues periodic tasks, exactly once per slot however many run.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Send periodic tasks from a schedule file (what celery beat does), exactly once per slot.",
        discussion: """
            Run as many schedulers as you like against one Redis: each slot of each entry is claimed and \
            enqueued once, atomically. SIGHUP reloads the schedule file (an invalid file keeps the schedule \
            in force and logs why). SIGTERM or Ctrl-C stops between ticks. File format: docs/scheduling.md.
            """
    )

    @OptionGroup var redis: RedisOptions

    @Option(name: .customLong("schedule"), help: ArgumentHelp("The schedule file (YAML).", valueName: "file"))
    var schedulePath: String

    @Option(help: "Seconds a slot may be late and still count as on time; older slots follow catch_up.")
    var grace: Double = 10

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        LogFormat.bootstrap(logFormat, level: logLevel)
        let grace = try CheckedOption.seconds(self.grace, name: "--grace", in: 1...86_400)
        let schedule: Schedule
        do {
            schedule = try ScheduleFile.load(path: schedulePath)
        } catch {
            // One problem (an unreadable file, one bad field) is one line; several are listed one per line.
            if let only = error.diagnostics.first, error.diagnostics.count == 1 {
                throw CommandError("\(only); the scheduler did not start")
            }
            throw CommandError("\(error)\nthe scheduler did not start")
        }
        var configuration = SchedulerConfiguration(schedulePath: schedulePath, redis: try redis.configuration())
        configuration.grace = grace
        let service = SchedulerService(
            configuration: configuration, schedule: schedule, logger: Logger(label: "celerity.scheduler")
        )
        // The handlers are in place before the service starts, so an early SIGHUP reloads rather than kills.
        let signals = ShutdownSignals.install([SIGTERM, SIGINT, SIGHUP])
        try await ServiceGroup([service], signals: signals, onReload: { _ = service.reload() }).run()
    }
}

/// `celerity schedule check FILE` and `celerity schedule status`.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Check a schedule file, or show what the schedulers have enqueued.",
        subcommands: [Check.self, Status.self]
    )

    /// `schedule check FILE`: validates and shows the next runs.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a schedule file and print each entry's next run times, in its zone and in UTC.",
            discussion: "Every problem is reported as file:line:column: message. Exit status 1 when there is any."
        )

        @Argument(help: ArgumentHelp("The schedule file (YAML).", valueName: "file"))
        var file: String

        @Option(help: "How many upcoming runs to show per entry.")
        var count = 3

        func validate() throws {
            guard (1...100).contains(count) else { throw ValidationError("--count must be 1-100") }
        }

        func run() async throws {
            do {
                print(try ScheduleFile.load(path: file).describeNextRuns(count: count))
            } catch {
                throw CommandError("\(error)")
            }
        }
    }

    /// `schedule status [--schedule FILE]`: per-entry state kept in Redis.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each entry's last run, last task id and next run, as kept in Redis.",
            discussion: "With --schedule, entries never run yet are listed too and next runs come from the file."
        )

        @OptionGroup var redis: RedisOptions

        @Option(name: .customLong("schedule"), help: ArgumentHelp("The schedule file (YAML).", valueName: "file"))
        var schedulePath: String?

        func run() async throws {
            var schedule: Schedule?
            if let schedulePath {
                do {
                    schedule = try ScheduleFile.load(path: schedulePath)
                } catch {
                    throw CommandError("\(error)")
                }
            }
            let client = RedisClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let statuses = try await ScheduleStatus.fetch(redis: client, schedule: schedule)
            print(ScheduleStatus.format(statuses, schedule: schedule))
        }
    }
}
