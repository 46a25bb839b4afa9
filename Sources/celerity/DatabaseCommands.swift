import ArgumentParser
import CelerityCLI
import Foundation
import Logging
import Postgres
import TaskAPI
import Tasks

/// `celerity db migrate | status`: the application's schema steps (``TaskMigrations``) on PostgreSQL.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Apply or inspect the database schema migrations compiled into this binary.",
        discussion: """
            The database is --database-url, else CELERITY_DATABASE_URL, else the --config file \
            (postgresql://user:password@host:port/database?sslmode=…, or postgresql:///db?host=/socket/dir). \
            The password is never printed. Details: docs/postgres-http.md.
            """,
        subcommands: [Migrate.self, Status.self]
    )

    /// `--database-url` and the configuration options, shared by the subcommands.
    struct Options: ParsableArguments {
        @Option(
            name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL URL (default: CELERITY_DATABASE_URL).", valueName: "url")
        )
        var databaseURL: String?

        @OptionGroup var settings: SettingsOptions

        /// The connection, or a one-line error (password hidden) and exit status 1.
        func migrator(command: String) throws -> Migrator {
            do {
                let settings = try settings.settings(extra: databaseURL.map { ["CELERITY_DATABASE_URL": $0] } ?? [:])
                guard let url = settings.secret("CELERITY_DATABASE_URL")?.value else {
                    throw CommandError(
                        "no database configured: pass --database-url, set CELERITY_DATABASE_URL, or put it in "
                            + "the --config file (postgresql://user:password@host:port/database)"
                    )
                }
                var logger = Logger(label: "celerity.db")
                logger.logLevel = .notice  // The command prints what it did; info lines would repeat it.
                let connection = PostgresConnection(configuration: try PostgresConfiguration(url: url), logger: logger)
                try connection.connect()
                return try Migrator(connection: connection, migrations: TaskMigrations.all, logger: logger)
            } catch {
                throw DatabaseCommand.fail(command, error)
            }
        }
    }

    /// `celerity db migrate`.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations in order, each in its own transaction (safe to run concurrently)."
        )

        @OptionGroup var options: Options

        func run() throws {
            let migrator = try options.migrator(command: "db migrate")
            do {
                let applied = try migrator.migrate()
                let status = try migrator.status()
                let version = status.applied.last.map { String(format: "%04d", $0.version) } ?? "none"
                if applied.isEmpty {
                    print("nothing to do: the database is at version \(version) (\(status.applied.count) applied)")
                } else {
                    for migration in applied {
                        print("applied \(String(format: "%04d", migration.version)) \(migration.name)")
                    }
                    print("the database is at version \(version)")
                }
            } catch {
                throw DatabaseCommand.fail("db migrate", error)
            }
        }
    }

    /// `celerity db status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applied and pending migrations.")

        @OptionGroup var options: Options

        func run() throws {
            let migrator = try options.migrator(command: "db status")
            do {
                let status = try migrator.status()
                let formatter = ISO8601DateFormatter()
                for applied in status.applied {
                    let when = formatter.string(from: applied.appliedAt)
                    print("applied  \(String(format: "%04d", applied.version)) \(applied.name)  \(when)")
                }
                for pending in status.pending {
                    print("pending  \(String(format: "%04d", pending.version)) \(pending.name)")
                }
                print("\(status.applied.count) applied, \(status.pending.count) pending")
            } catch {
                throw DatabaseCommand.fail("db status", error)
            }
        }
    }

    /// Prints `celerity COMMAND: error` as one line on standard error and returns exit status 1.
    static func fail(_ command: String, _ error: any Error) -> ExitCode {
        let line = "\(error)".replacingOccurrences(of: "\n", with: "; ")
        FileHandle.standardError.write(Data("celerity \(command): \(line)\n".utf8))
        return .failure
    }
}
