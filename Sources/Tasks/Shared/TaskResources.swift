import Broker
import HTTP
import Logging
import Postgres
import TaskAPI

/// What the job families share in a worker process, opened once in ``CelerityTasks/setup(_:)`` and captured by
/// their handlers: the PostgreSQL connection, the HTTP client, the Slack notifier, the webhook signer, a Redis
/// connection to the broker, and the settings. Each family reads its own settings from ``settings``.
public final class TaskResources: Sendable {
    /// The configuration (flags, environment, configuration file).
    public let settings: Settings
    /// The application's database (`CELERITY_DATABASE_URL` / `--database-url`); `nil` when not configured.
    public let database: PostgresConnection?
    /// The process's HTTP client.
    public let http: HTTPClient
    /// Slack (`SLACK_WEBHOOK_URL`); logs and drops messages when not configured.
    public let slack: SlackNotifier
    /// The signed-webhook sender (`CELERITY_WEBHOOK_SECRET`, with the destination policy of
    /// `CELERITY_WEBHOOK_ALLOWED_HOSTS` and `CELERITY_WEBHOOK_ALLOW_HTTP`); `nil` when no secret is configured.
    public let webhooks: WebhookSender?
    /// The broker's Redis, for caches and progress channels.
    public let broker: RedisConnection
    /// The broker's configuration (for tasks that start Redis tools, such as backups).
    public let brokerConfiguration: RedisConfiguration
    /// A logger for the families' resources.
    public let logger: Logger

    /// Opens the resources `context` configures (connections are made on first use).
    /// - Throws: ``SettingsError`` for a malformed `CELERITY_DATABASE_URL`.
    public init(_ context: SetupContext) throws {
        settings = context.settings
        logger = context.logger
        brokerConfiguration = context.broker
        if let url = context.settings["CELERITY_DATABASE_URL"] {
            do {
                database = PostgresConnection(configuration: try PostgresConfiguration(url: url), logger: context.logger)
            } catch {
                throw SettingsError(key: "CELERITY_DATABASE_URL", problem: "is not a usable PostgreSQL URL: \(error.message)")
            }
        } else {
            database = nil
        }
        let http = HTTPClient(logger: context.logger)
        self.http = http
        slack = SlackNotifier(
            configuration: SlackNotifier.Configuration(webhookURL: context.settings["SLACK_WEBHOOK_URL"]), client: http,
            logger: context.logger
        )
        let destinations = DestinationPolicy.fromSettings { context.settings[$0] }
        webhooks = context.settings["CELERITY_WEBHOOK_SECRET"].map {
            var configuration = WebhookSender.Configuration(secret: $0)
            configuration.destinations = destinations
            return WebhookSender(configuration: configuration, client: http, logger: context.logger)
        }
        broker = RedisConnection(configuration: context.broker, logger: context.logger)
    }

    /// The database, or a `RuntimeError` FAILURE saying how to configure it (a task that needs PostgreSQL
    /// cannot do anything without it).
    public func requireDatabase() throws -> PostgresConnection {
        guard let database else {
            throw TaskError(
                type: "RuntimeError",
                message: "no database configured: set CELERITY_DATABASE_URL (or --database-url) for the worker"
            )
        }
        return database
    }

    /// Closes the connections (the process is stopping).
    public func close() {
        database?.close()
        broker.close()
    }
}
