import Broker
import Foundation
import HTTP
import Postgres
import Tasks
import TestSupport
import Testing

@Suite struct MigratorTests {
    static let steps = [
        Migration(version: 1, name: "accounts", sql: "CREATE TABLE accounts (id int PRIMARY KEY);"),
        Migration(
            version: 2, name: "grants",
            sql: """
                CREATE TABLE grants (account int REFERENCES accounts, scope text NOT NULL);
                CREATE INDEX grants_account ON grants (account);
                """),
    ]

    @Test func migratesOnceRollsBackAFailedStepAndSerialisesConcurrentRuns() async throws {
        try await withPostgresServer { server in
            let log = LogRecorder()
            try await server.psql("CREATE DATABASE fresh")
            let db = try server.connection(database: "fresh", log: log)
            let migrator = try Migrator(connection: db, migrations: Self.steps.reversed(), logger: log.logger)
            #expect(try migrator.status().pending.map(\.version) == [1, 2])
            #expect(try migrator.migrate().map(\.version) == [1, 2])
            #expect(try migrator.migrate().isEmpty)
            let status = try migrator.status()
            #expect(status.applied.map(\.version) == [1, 2])
            #expect(status.applied.map(\.name) == ["accounts", "grants"])
            #expect(status.pending.isEmpty)

            // Step 4 creates a table, then fails: the table must not survive and the version must not be recorded.
            let broken =
                Self.steps + [
                    Migration(version: 3, name: "audit", sql: "CREATE TABLE audit (at timestamptz);"),
                    Migration(version: 4, name: "half", sql: "CREATE TABLE half (x int); SELECT 1/0;"),
                    Migration(version: 5, name: "later", sql: "CREATE TABLE later (x int);"),
                ]
            let failing = try Migrator(connection: db, migrations: broken, logger: log.logger)
            let error = try #require(throws: PostgresError.self) { try failing.migrate() }
            #expect(error.sqlState == "22012")
            #expect("\(error)".contains("migration 4 (half) failed and was rolled back"))
            #expect(
                try db.query("SELECT to_regclass('half') IS NULL AS gone").first?.decode("gone", as: Bool.self) == true)
            #expect(try failing.status().applied.map(\.version) == [1, 2, 3])
            #expect(try failing.status().pending.map(\.version) == [4, 5])

            let duplicate = try #require(throws: PostgresError.self) {
                try Migrator(connection: db, migrations: Self.steps + Self.steps, logger: log.logger)
            }
            #expect(duplicate.code == .configuration)

            // Four migrators at once on a fresh database: each step is applied exactly once, and none fails.
            try await server.psql("CREATE DATABASE racing")
            let results = Locked<[Result<[Int], any Error>]>([])
            let threads = (0..<4).map { _ in
                Thread {
                    let result = Result { () throws -> [Int] in
                        let connection = try server.connection(database: "racing")
                        return try Migrator(connection: connection, migrations: Self.steps, logger: log.logger)
                            .migrate().map(\.version)
                    }
                    results.withLock { $0.append(result) }
                }
            }
            threads.forEach { $0.start() }
            try await poll(timeout: .seconds(30), "four migrators finished") { results.withLock { $0.count } == 4 }
            let applied = try results.withLock { $0 }.flatMap { try $0.get() }
            #expect(applied.sorted() == [1, 2])
            let racing = try server.connection(database: "racing")
            #expect(
                try racing.query("SELECT count(*) AS n FROM celerity_schema_migrations").first?.decode(
                    "n", as: Int.self) == 2)
        }
    }

    @Test func theCLIMigratesOnceThenHasNothingToDo() async throws {
        try await withPostgresServer { server in
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("celerity").path
            #expect(
                FileManager.default.isExecutableFile(atPath: binary), "build with `swift build --build-tests` first")
            try await server.psql("CREATE DATABASE app")
            let environment = ["CELERITY_DATABASE_URL": server.url(database: "app")]

            let first = try await ChildProcess.run(binary, arguments: ["db", "migrate"], environment: environment)
            #expect(first.termination.isSuccess, "\(first.standardError)")
            #expect(first.standardOutput.contains("applied 0001 webhook_deliveries"), "\(first.standardOutput)")
            let second = try await ChildProcess.run(binary, arguments: ["db", "migrate"], environment: environment)
            #expect(second.termination.isSuccess)
            #expect(second.standardOutput.hasPrefix("nothing to do"), "\(second.standardOutput)")
            #expect(second.standardError.isEmpty, "server notices must not reach stderr: \(second.standardError)")
            let status = try await ChildProcess.run(binary, arguments: ["db", "status"], environment: environment)
            #expect(status.standardOutput.contains("applied  0001 webhook_deliveries"))
            #expect(status.standardOutput.contains("\(TaskMigrations.all.count) applied, 0 pending"))

            // A task that runs twice records its delivery as one row holding the latest outcome.
            let db = try server.connection(database: "app")
            let receiver = try LoopbackHTTPServer { _ in .init(status: 204) }
            defer { receiver.stop() }
            var configuration = WebhookSender.Configuration(secret: "s")
            // The receiver is a loopback stand-in over plain http: allowed explicitly.
            configuration.destinations = DestinationPolicy(allowedHosts: ["127.0.0.1"], allowsPlainHTTP: true)
            let sender = WebhookSender(
                configuration: configuration, client: HTTPClient(logger: LogRecorder().logger),
                logger: LogRecorder().logger
            )
            for _ in 0..<2 {
                let outcome = sender.send(
                    to: receiver.url("/done?token=t"), event: "invoice.paid", deliveryID: "task-1", payload: [:])
                try db.withTransaction { tx in try WebhookDeliveryLog.record(outcome, in: tx) }
            }
            let rows = try db.query(
                "SELECT id, event, url_host, status, attempts, last_status_code FROM webhook_deliveries")
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(try row.decode("status", as: String.self) == "delivered")
            #expect(try row.decode("url_host", as: String.self) == "127.0.0.1")
            #expect(try row.decode("last_status_code", as: Int.self) == 204)

            let password = "cliSecretPassword-42"
            let refusedPort = try FreePort.allocate()
            let unreachable = try await ChildProcess.run(
                binary,
                arguments: [
                    "db", "migrate", "--database-url", "postgresql://app:\(password)@127.0.0.1:\(refusedPort)/app",
                ]
            )
            #expect(unreachable.termination == .exited(1))
            let line = unreachable.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(
                line.hasPrefix("celerity db migrate: PostgreSQL at postgresql://app:***@127.0.0.1:\(refusedPort)/app"))
            #expect(!line.contains("\n"))
            #expect(!(unreachable.standardOutput + unreachable.standardError).contains(password))
            let configFile = server.directory.appendingPathComponent("celerity.env")
            try "CELERITY_DATABASE_URL=\(server.url(database: "app"))\n".write(
                to: configFile, atomically: true, encoding: .utf8)
            let fromFile = try await ChildProcess.run(binary, arguments: ["db", "status", "--config", configFile.path])
            #expect(fromFile.standardOutput.contains("applied  0001 webhook_deliveries"), "\(fromFile.standardError)")
            let flagWins = try await ChildProcess.run(
                binary, arguments: ["db", "status", "--database-url", server.url(database: "postgres")],
                environment: environment
            )
            #expect(flagWins.standardOutput.contains("pending  0001 webhook_deliveries"), "\(flagWins.standardError)")
            let unset = try await ChildProcess.run(
                binary, arguments: ["db", "status"], environment: ["CELERITY_DATABASE_URL": ""])
            #expect(unset.termination == .exited(1))
            #expect(unset.standardError.contains("no database configured"))

            let bad = try await ChildProcess.run(
                binary, arguments: ["db", "status", "--database-url", "redis://x:\(password)@h"])
            #expect(bad.termination == .exited(1))
            #expect(bad.standardError.contains("the scheme must be postgresql://"))
            #expect(!bad.standardError.contains(password))
        }
    }
}
