import ArgumentParser
import Broker
import CelerityCLI
import Foundation
import Logging
import Outbox
import Postgres

/// `celerity outbox relay`: moves committed `celerity_outbox` rows to Redis (docs/outbox.md).
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Relay tasks that applications insert into the celerity_outbox table in their own transactions.",
        discussion: """
            Apply the table with `celerity db migrate`. A worker started with --outbox relays too, so no extra \
            daemon is needed; any number of relays can run at once. Details: docs/outbox.md.
            """,
        subcommands: [Relay.self]
    )

    /// `celerity outbox relay`.
    struct Relay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move committed outbox rows to Redis as Celery messages, once per task id, until SIGTERM.",
            discussion: """
                Each option defaults to its CELERITY_OUTBOX_* variable, then to the default shown. The database is \
                --database-url, else CELERITY_DATABASE_URL, else the --config file; the password is never printed.
                """
        )

        @OptionGroup var redis: RedisOptions
        @OptionGroup var settings: SettingsOptions

        @Option(
            name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL URL (default: CELERITY_DATABASE_URL).", valueName: "url")
        )
        var databaseURL: String?

        @Option(help: "Most rows per transaction and Redis step, 1-5000 (CELERITY_OUTBOX_BATCH_SIZE; default 500).")
        var batchSize: String?

        @Option(help: "Seconds to wait for a NOTIFY before looking anyway (CELERITY_OUTBOX_POLL_INTERVAL; default 1).")
        var pollInterval: String?

        @Option(help: "Seconds sent rows are kept before they are deleted (CELERITY_OUTBOX_RETENTION; default 604800).")
        var retention: String?

        @Option(help: "Seconds a task id's once-only marker stays in Redis (CELERITY_OUTBOX_MARKER_TTL; default 86400).")
        var markerTTL: String?

        @Flag(help: "Only poll; do not LISTEN for the table's NOTIFY (CELERITY_OUTBOX_LISTEN=0).")
        var noListen = false

        @Option(help: "Log format: text or json.")
        var logFormat: LogFormat = .text

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        func run() async throws {
            LogFormat.bootstrap(logFormat, level: logLevel)
            let configuration: OutboxRelayConfiguration
            do {
                configuration = try relayConfiguration()
            } catch {
                throw DatabaseCommand.fail("outbox relay", error)
            }
            let relay = OutboxRelay(configuration: configuration, logger: Logger(label: "celerity.outbox"))
            try await ServiceGroup([relay], signals: ShutdownSignals.install([SIGTERM, SIGINT])).run()
        }

        /// The settings, then these flags over them.
        func relayConfiguration() throws -> OutboxRelayConfiguration {
            let values = try settings.settings(extra: databaseURL.map { ["CELERITY_DATABASE_URL": $0] } ?? [:])
            var configuration = try OutboxRelayConfiguration(settings: values, redis: try redis.configuration())
            if let batchSize { configuration.batchSize = try OutboxRelayConfiguration.batchSize(batchSize, name: "--batch-size") }
            if let pollInterval {
                configuration.pollInterval = try OutboxRelayConfiguration.seconds(pollInterval, name: "--poll-interval", range: 0.001...3600)
            }
            if let retention {
                configuration.retention = try OutboxRelayConfiguration.seconds(retention, name: "--retention", range: 1...(10 * 365 * 86_400))
            }
            if let markerTTL {
                configuration.markerTTL = try OutboxRelayConfiguration.seconds(markerTTL, name: "--marker-ttl", range: 60...(365 * 86_400))
            }
            if noListen { configuration.listen = false }
            return configuration
        }
    }
}
