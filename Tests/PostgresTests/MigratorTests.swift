import Broker
import Foundation
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
            let status = try await ChildProcess.run(binary, arguments: ["db", "status"], environment: environment)
            #expect(status.standardOutput.contains("applied  0001 webhook_deliveries"))
            #expect(status.standardOutput.contains("\(TaskMigrations.all.count) applied, 0 pending"))

            // The table takes a delivery's outcome twice (a task run twice) as one row.
            let db = try server.connection(database: "app")
            for attempts in [1, 2] {
                try db.query(
                    """
                    INSERT INTO webhook_deliveries (id, event, url_host, status, attempts, last_status_code, finished_at)
                    VALUES ($1, $2, $3, $4, $5, $6, now())
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                        last_status_code = excluded.last_status_code, finished_at = excluded.finished_at
                    """,
                    ["task-1", "invoice.paid", "hooks.example.com", "delivered", .int(attempts), 204]
                )
            }
            #expect(
                try db.query("SELECT attempts FROM webhook_deliveries").map { try $0.decode("attempts", as: Int.self) }
                    == [2])

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
            let bad = try await ChildProcess.run(
                binary, arguments: ["db", "status", "--database-url", "redis://x:\(password)@h"])
            #expect(bad.termination == .exited(1))
            #expect(bad.standardError.contains("the scheme must be postgresql://"))
            #expect(!bad.standardError.contains(password))
        }
    }
}
