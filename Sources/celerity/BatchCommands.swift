import ArgumentParser
import CelerityCLI
import Broker
import Foundation
import Logging
import Postgres
import Tasks

/// `celerity batch status BATCH_ID [--json]`: an invoice batch's progress and outcome from PostgreSQL
/// (docs/jobs.md, "Invoice batches").
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Inspect invoice batches (invoices.process_batch).",
        subcommands: [Status.self]
    )

    /// `celerity batch status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a batch's status, counts, deadline, webhook outcome and failed invoices.",
            discussion:
                "Exit status 0 when the batch exists, 1 otherwise. The database is --database-url, else CELERITY_DATABASE_URL."
        )

        @Argument(help: "The batch id the app gave invoices.process_batch.")
        var batchID: String

        @Flag(name: .long, help: "Print JSON (the completion webhook's body) instead of text.")
        var json = false

        @Option(
            name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL URL (default: $CELERITY_DATABASE_URL).", valueName: "url")
        )
        var databaseURL: String?

        func run() throws {
            let batch: InvoiceBatchStatus?
            do {
                guard let url = databaseURL ?? ProcessInfo.processInfo.environment["CELERITY_DATABASE_URL"], !url.isEmpty
                else {
                    throw CommandError("no database configured: pass --database-url or set CELERITY_DATABASE_URL")
                }
                let configuration = try PostgresConfiguration(url: url)
                var logger = Logger(label: "celerity.batch")
                logger.logLevel = .notice
                let connection = PostgresConnection(configuration: configuration, logger: logger)
                defer { connection.close() }
                batch = try InvoiceBatchStatus.load(batchID, from: connection)
            } catch {
                throw DatabaseCommand.fail("batch status", error)
            }
            guard let batch else {
                FileHandle.standardError.write(Data("celerity batch status: no invoice batch \(batchID)\n".utf8))
                throw ExitCode.failure
            }
            print(json ? batch.json.serialized : batch.text)
        }
    }
}
