import ArgumentParser
import Broker
import CelerityCLI
import Tasks
import Worker

/// The `celerity` command: one root with a subcommand per job.
@main
struct Celerity: AsyncParsableCommand {
    static let configuration = CommandConfiguration.worker(
        CelerityTasks.self,
        commandName: "celerity",
        abstract: "A Celery-compatible job runner for Redis, written in Swift.",
        subcommands: [
            EnqueueCommand.self,
            ResultCommand.self,
            QueuesCommand.self,
            WorkersCommand.self,
            RevokeCommand.self,
            DeadLetterCommand.self,
            SchedulerCommand.self,
            ScheduleCommand.self,
            DatabaseCommand.self,
            BackupsCommand.self,
            StatusCommand.self,
            AlertsCommand.self,
            SecretsCommand.self,
            BatchCommand.self,
            OutboxCommand.self,
        ]
    )
}
