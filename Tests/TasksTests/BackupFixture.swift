import Broker
import Foundation
import HTTP
import Logging
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// A real PostgreSQL (an application database `app` with five tables, and the Celerity database `celerity` with
/// the backup migration), a real redis-server, a backup directory, and a ``BackupService`` over them.
struct BackupFixture {
    /// The password in every database URL the service gets. The test cluster trusts loopback, so any password
    /// connects; the point is where it travels.
    static let password = "pg-secret-5c1e77"

    let postgres: PostgresServer
    let redis: RedisServer
    let directory: TemporaryDirectory
    /// A real HTTP server standing in for Slack's incoming webhook.
    let slack: LoopbackHTTPServer
    let logs = LogRecorder()

    /// The `text` of every message the fake Slack received.
    var slackMessages: [String] {
        slack.requests.compactMap { request in
            (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["text"] as? String
        }
    }

    /// `postgresql://postgres:<password>@127.0.0.1:<port>/<database>`.
    func url(_ database: String) -> String {
        "postgresql://postgres:\(Self.password)@127.0.0.1:\(postgres.port)/\(database)"
    }

    /// The configuration the service runs with; `database` is the one backed up.
    func configuration(database: String = "app", offsite: OffsiteCopy? = nil) throws -> BackupConfiguration {
        var configuration = BackupConfiguration(
            directory: directory.path, databaseURL: url(database), redis: try RedisConfiguration(url: redis.url),
            offsiteCopy: offsite
        )
        configuration.verifyMinimumTables = 3
        return configuration
    }

    /// A service backing up `database`, recording into `celerity`, copying finished files with `offsite`.
    func service(database: String = "app", offsite: OffsiteCopy? = nil) throws -> BackupService {
        let notifier = SlackNotifier(
            configuration: .init(webhookURL: slack.url("/services/T000/B000/slack-secret-token")),
            client: HTTPClient(logger: logs.logger), logger: logs.logger
        )
        return BackupService(
            configuration: try configuration(database: database, offsite: offsite),
            recordsDatabase: PostgresConnection(configuration: try PostgresConfiguration(url: url("celerity")), logger: logs.logger),
            slack: notifier, logger: logs.logger
        )
    }

    /// Starts both servers, creates the databases and runs `body`; always stops the servers.
    static func with(_ body: (BackupFixture) async throws -> Void) async throws {
        try await withPostgresServer { postgres in
            try await withRedisServer(extraArguments: RedisBackupTests.noSyncDelay) { redis in
                let slack = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
                defer { slack.stop() }
                let fixture = BackupFixture(
                    postgres: postgres, redis: redis, directory: try TemporaryDirectory(prefix: "celerity-backups"),
                    slack: slack
                )
                try await fixture.createDatabases()
                try await body(fixture)
            }
        }
    }

    private func createDatabases() async throws {
        try await postgres.psql("CREATE DATABASE app")
        try await postgres.psql("CREATE DATABASE celerity")
        // The schema as `celerity db migrate` makes it.
        let celerity = PostgresConnection(configuration: try PostgresConfiguration(url: url("celerity")), logger: logs.logger)
        defer { celerity.close() }
        try Migrator(connection: celerity, migrations: TaskMigrations.all, logger: logs.logger).migrate()
        try await postgres.psql(
            """
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2));
            CREATE TABLE invoices (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), order_id bigint, body jsonb);
            CREATE TABLE audit_log (at timestamptz DEFAULT now(), message text);
            CREATE TABLE settings (key text PRIMARY KEY, value text);
            INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.com'
                FROM generate_series(1, 250) g;
            INSERT INTO orders (customer_id, total) SELECT 1 + g % 250, g * 1.25 FROM generate_series(1, 1000) g;
            INSERT INTO invoices (order_id, body) SELECT g, jsonb_build_object('n', g) FROM generate_series(1, 400) g;
            INSERT INTO audit_log (message) SELECT 'event ' || g FROM generate_series(1, 77) g;
            INSERT INTO settings VALUES ('currency', 'ARS'), ('inflation', 'monthly');
            """,
            database: "app"
        )
    }

    /// Every row of every table in `database`, as psql prints them, table by table: to compare two databases.
    func contents(of database: String) async throws -> String {
        var text = ""
        for table in ["customers", "orders", "invoices", "audit_log", "settings"] {
            text += try await postgres.psql("SELECT * FROM \(table) ORDER BY 1, 2", database: database) + "\n"
        }
        return text
    }
}
