import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import Logging
import Postgres
import TaskAPI
import Tasks

/// `celerity secrets rotate [--dry-run] | history`: the JWT secret rotation (docs/jobs.md).
struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Rotate the JWT secrets now, or show the rotation log.",
        discussion: """
            The rotation runs in a worker consuming the `security` queue (it owns the env file, the reload hook and the \
            health checks: CELERITY_SECRETS_*). Secret values are never printed; the log shows SHA-256 fingerprints.
            """,
        subcommands: [Rotate.self, History.self]
    )

    /// `celerity secrets rotate [--dry-run]`: sends `secrets.rotate_jwt` and prints its result.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send secrets.rotate_jwt to the security queue and wait for its result."
        )

        @OptionGroup var redis: RedisOptions

        @Flag(help: "Say what would change (names, health checks) without writing or reloading anything.")
        var dryRun = false

        @Option(help: ArgumentHelp("Seconds to wait for the result.", valueName: "seconds"))
        var timeout: Double = 120

        func run() async throws {
            let timeout = try CheckedOption.seconds(self.timeout, name: "--timeout", in: 0.001...86_400)
            let client = CelerityClient(configuration: try redis.commandLineConfiguration(), logger: redis.quietLogger)
            let parameters = SecretsTasks.RotateJWT(dry_run: dryRun)
            let taskID = try await client.enqueue(parameters)
            print("sent \(SecretsTasks.RotateJWT.taskName) \(taskID)\(dryRun ? " (dry run)" : "")")
            let result = try await client.result(taskID, timeout: timeout)
            print(ResultFormatter.line(result))
            if result.state != .success { throw ExitCode(1) }
        }
    }

    /// `celerity secrets history`: the rotation log, newest first.
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the rotation log, newest first.")

        @Option(
            name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL URL (default: CELERITY_DATABASE_URL).", valueName: "url")
        )
        var databaseURL: String?

        @OptionGroup var settings: SettingsOptions

        @Option(help: "How many rotations to show.")
        var limit = 20

        func run() throws {
            let limit = try CheckedOption.whole(self.limit, name: "--limit", in: 1...10_000)
            let records: [RotationRecord]
            do {
                let settings = try settings.settings(extra: databaseURL.map { ["CELERITY_DATABASE_URL": $0] } ?? [:])
                guard let url = settings.secret("CELERITY_DATABASE_URL")?.value else {
                    throw CommandError(
                        "no database configured: pass --database-url, set CELERITY_DATABASE_URL, or put it in the "
                            + "--config file (the rotation log is in the Celerity database)"
                    )
                }
                var logger = Logger(label: "celerity.secrets")
                logger.logLevel = .error
                let database = PostgresConnection(configuration: try PostgresConfiguration(url: url), logger: logger)
                defer { database.close() }
                records = try RotationRecord.recent(database, limit: limit)
            } catch {
                throw DatabaseCommand.fail("secrets history", error)
            }
            guard !records.isEmpty else {
                print("no rotations logged")
                return
            }
            let formatter = ISO8601DateFormatter()
            for record in records {
                var line =
                    "\(formatter.string(from: record.startedAt))  \(record.status.padding(toLength: 11, withPad: " ", startingAt: 0))"
                    + "  \(record.rotationID)"
                if let expires = record.previousExpiresAt {
                    line += "  previous until \(formatter.string(from: expires))"
                }
                if let retired = record.retiredAt { line += "  retired \(formatter.string(from: retired))" }
                print(line)
                let fingerprints = record.names.map { "\($0)=\(record.fingerprints[$0] ?? "-")" }.joined(separator: " ")
                print("    \(fingerprints)")
                if let error = record.error { print("    error: \(error)") }
            }
        }
    }
}
