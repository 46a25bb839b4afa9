import ArgumentParser
import Foundation
import HTTP
import Logging
import Postgres
import Tasks
import CelerityCLI

/// `celerity backups list | restore FILE --database URL | run KIND`.
struct BackupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backups",
        abstract: "List, take and restore backups (PostgreSQL, Redis, configuration).",
        discussion: """
            Configuration: CELERITY_BACKUP_DIR, CELERITY_BACKUP_DATABASE_URL (else CELERITY_DATABASE_URL), \
            CELERITY_REDIS_URL, CELERITY_BACKUP_CONFIG_FILES, CELERITY_BACKUP_OFFSITE_COMMAND, \
            CELERITY_BACKUP_RETENTION_POSTGRES|REDIS|CONFIG, SLACK_WEBHOOK_URL. Runbook: docs/backups.md.
            """,
        subcommands: [List.self, Restore.self, Run.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The backup files: kind, time (UTC), size, SHA-256, and whether a verification restored it."
        )

        func run() async throws {
            let configuration = try BackupsCommand.backupConfiguration()
            let entries = BackupCatalog.entries(configuration)
            guard !entries.isEmpty else {
                print("no backups under \(configuration.directory)")
                return
            }
            var verified: [String: Date] = [:]
            var recordsKnown = false
            if let service = try? BackupsCommand.service(configuration, quiet: true),
                let runs = try? await service.recentRuns(limit: 10_000)
            {
                recordsKnown = true
                for run in runs where run.kind == .postgres {
                    if let file = run.file, let date = run.verifiedAt { verified[file] = date }
                }
            } else {
                FileHandle.standardError.write(Data("note: the run records (CELERITY_DATABASE_URL) are not reachable; VERIFIED shows ?\n".utf8))
            }
            print(
                "KIND".padding(toLength: 9, withPad: " ", startingAt: 0) + "TIME (UTC)           "
                    + "SIZE        SHA-256           VERIFIED          FILE"
            )
            for entry in entries {
                let verifiedText: String
                if entry.kind != .postgres {
                    verifiedText = "-"
                } else if !recordsKnown {
                    verifiedText = "?"
                } else {
                    verifiedText = verified[entry.fileName].map { "yes " + Self.day($0) } ?? "no"
                }
                print(
                    entry.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                        + Self.time(entry.takenAt).padding(toLength: 21, withPad: " ", startingAt: 0)
                        + Self.size(entry.size).padding(toLength: 12, withPad: " ", startingAt: 0)
                        + (entry.sha256.map { String($0.prefix(16)) } ?? "(no .sha256)")
                            .padding(toLength: 18, withPad: " ", startingAt: 0)
                        + verifiedText.padding(toLength: 18, withPad: " ", startingAt: 0)
                        + entry.path
                )
            }
        }

        static func time(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return formatter.string(from: date)
        }

        static func day(_ date: Date) -> String { String(time(date).prefix(10)) }

        static func size(_ bytes: Int64) -> String {
            let units = ["B", "KiB", "MiB", "GiB", "TiB"]
            var value = Double(bytes)
            var unit = 0
            while value >= 1024, unit < units.count - 1 {
                value /= 1024
                unit += 1
            }
            return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a PostgreSQL backup into a database, after checking its SHA-256.",
            discussion: """
                The target's objects from the backup are dropped and recreated (pg_restore --clean --if-exists, \
                one transaction). Without --yes it asks for confirmation on a terminal and refuses otherwise.
                """
        )

        @Argument(help: "The backup file (backup_YYYYmmdd_HHMMSS.dump.gz).")
        var file: String

        @Option(help: ArgumentHelp("The database to restore into: postgresql://user[:password]@host:port/db.", valueName: "url"))
        var database: String

        @Flag(help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            let configuration = try BackupsCommand.backupConfiguration()
            let path = (file as NSString).standardizingPath
            let target = BackupsCommand.withoutPassword(database)
            print(
                """
                Restore runbook (docs/backups.md):
                  1. Stop the writers: the Celerity workers and schedulers, and the application, so that nothing
                     writes to \(target) during the restore.
                  2. Restore: the SHA-256 of \((path as NSString).lastPathComponent) is checked, then pg_restore
                     --clean --if-exists runs in one transaction.
                  3. Check: the tables restored are counted below; compare with the row counts in backup_runs.
                  4. Restart the writers.
                """
            )
            let checksum = try BackupCatalog.checkFile(path)
            print("checksum ok: \(checksum)")
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw CommandError("refusing to restore without --yes: standard input is not a terminal")
                }
                print("Restore into \(target)? Its objects from the backup are replaced. Type yes: ", terminator: "")
                guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                    throw CommandError("not restored: the answer was not yes")
                }
            }
            // The records may live in the database being restored: use them only when they answer.
            let recorded = try? await BackupsCommand.service(configuration, quiet: true)
                .recentRuns(limit: 10_000).first { $0.status == .success && $0.file == (path as NSString).lastPathComponent }?
                .sha256
            let started = ContinuousClock.now
            let tables: Int
            do {
                tables = try await BackupService.restore(
                    file: path, into: database, recordedChecksum: recorded, logger: BackupsCommand.logger(quiet: false)
                )
            } catch let error as BackupError {
                throw CommandError("not restored: \(error.message)")
            }
            print("restored \(tables) tables into \(target) in \(ContinuousClock.now - started)")
            print("next: check the application's data, then restart the writers (step 4)")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take one backup now (postgres, redis, config) or verify the newest (verify).",
            discussion: "E.g. before a deploy or a migration. The run is recorded like a scheduled one."
        )

        @Argument(help: "postgres, redis, config or verify.")
        var kind: String

        func run() async throws {
            guard let kind = BackupKind(rawValue: kind) else {
                throw CommandError("unknown backup kind \(kind): use postgres, redis, config or verify")
            }
            let configuration = try BackupsCommand.backupConfiguration()
            let service = try BackupsCommand.service(configuration, quiet: false)
            do {
                let run = try await service.run(kind)
                var line = "SUCCESS \(kind) in \(String(format: "%.1f", run.durationSeconds)) s"
                if let file = run.file { line += " file=\(file)" }
                if let size = run.size { line += " size=\(size)" }
                if let sha256 = run.sha256 { line += " sha256=\(sha256)" }
                if let restore = run.restoreSeconds {
                    line += " restore_seconds=\(String(format: "%.1f", restore)) rto_seconds=\(Int(run.recoveryTimeObjectiveSeconds ?? 0))"
                }
                print(line)
            } catch let error as BackupError {
                throw CommandError("FAILURE \(kind): \(error.message)")
            }
        }
    }

    /// The configuration from the environment; a bad variable stops the command with one line.
    static func backupConfiguration() throws -> BackupConfiguration {
        do {
            return try BackupConfiguration.fromEnvironment()
        } catch let error as BackupError {
            throw CommandError(error.message)
        }
    }

    /// A service recording into `CELERITY_DATABASE_URL`.
    static func service(_ configuration: BackupConfiguration, quiet: Bool) throws -> BackupService {
        let environment = ProcessInfo.processInfo.environment
        guard let records = environment["CELERITY_DATABASE_URL"], !records.isEmpty else {
            throw CommandError("CELERITY_DATABASE_URL is not set: backup runs are recorded in the Celerity database")
        }
        let logger = logger(quiet: quiet)
        let database: PostgresConnection
        do {
            database = PostgresConnection(configuration: try PostgresConfiguration(url: records), logger: logger)
        } catch {
            throw CommandError("CELERITY_DATABASE_URL: \(error.message)")
        }
        let webhook = environment["SLACK_WEBHOOK_URL"].flatMap { $0.isEmpty ? nil : $0 }
        return BackupService(
            configuration: configuration, recordsDatabase: database,
            slack: SlackNotifier(
                configuration: SlackNotifier.Configuration(webhookURL: webhook), client: HTTPClient(logger: logger),
                logger: logger
            ),
            logger: logger
        )
    }

    /// A logger for the command: info, or errors only when `quiet`.
    static func logger(quiet: Bool) -> Logger {
        var logger = Logger(label: "celerity.backups")
        logger.logLevel = quiet ? .error : .info
        return logger
    }

    /// `url` without its password, for messages.
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "the database" }
        components.password = nil
        components.queryItems = components.queryItems?.filter { $0.name != "password" }
        return components.string ?? "the database"
    }
}
