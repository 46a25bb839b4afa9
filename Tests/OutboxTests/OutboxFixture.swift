import Broker
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// The outbox's world: a real PostgreSQL (database `celerity`, migrated), a real redis-server, and the binaries
/// built with the tests (`celerity` for the relay, `celerity-test-worker` for workers that record their runs).
struct OutboxFixture {
    let postgres: PostgresServer
    let redis: RedisServer
    let database: PostgresConnection
    let logs: LogRecorder

    var databaseURL: String { postgres.url(database: "celerity") }

    /// Starts everything (Redis with its AOF when `appendOnly`); always stops everything.
    static func with(appendOnly: Bool = false, _ body: (OutboxFixture) async throws -> Void) async throws {
        try await withPostgresServer { postgres in
            let redis = try await RedisServer.start(appendOnly: appendOnly)
            try await postgres.psql("CREATE DATABASE celerity")
            let logs = LogRecorder()
            let database = PostgresConnection(
                configuration: try PostgresConfiguration(url: postgres.url(database: "celerity")), logger: logs.logger
            )
            defer { database.close() }
            try Migrator(connection: database, migrations: TaskMigrations.all, logger: logs.logger).migrate()
            do {
                try await body(OutboxFixture(postgres: postgres, redis: redis, database: database, logs: logs))
                await redis.stop()
            } catch {
                await redis.stop()
                throw error
            }
        }
    }

    /// `celerity outbox relay` on this world, with `arguments` added.
    func startRelay(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(
            try Self.binary("celerity"), arguments: ["outbox", "relay"] + arguments,
            environment: ["CELERITY_REDIS_URL": redis.url, "CELERITY_DATABASE_URL": databaseURL].merging(environment) { $1 }
        )
    }

    /// `celerity-test-worker worker -Q queues` (its `test.record` task appends its task id to a Redis list).
    func startTestWorker(queues: String, concurrency: Int = 2) throws -> ChildProcess {
        try ChildProcess(
            try Self.binary("celerity-test-worker"),
            arguments: ["worker", "-Q", queues, "-c", "\(concurrency)", "--metrics-address", "0"],
            environment: ["CELERITY_REDIS_URL": redis.url]
        )
    }

    /// A number from psql (`SELECT count(*) …`).
    func count(_ sql: String) async throws -> Int {
        let text = try await postgres.psql(sql, database: "celerity")
        guard let value = Int(text) else { throw HarnessError(.protocolViolation, "\(sql) answered \(text)") }
        return value
    }

    /// Rows committed and not yet sent.
    func pending() async throws -> Int {
        try await count("SELECT count(*) FROM celerity_outbox WHERE sent_at IS NULL")
    }

    /// The strings of a Redis list, read with the harness's own client.
    func list(_ key: String) throws -> [String] {
        guard case .array(let items) = try redis.command(["LRANGE", key, "0", "-1"]) else { return [] }
        return items.compactMap(\.string)
    }

    /// A binary built with the tests, found next to the test bundle.
    static func binary(_ name: String) throws -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent(name).path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError(.programNotFound, "\(name) not found next to the test bundle: swift build --build-tests")
        }
        return path
    }

    /// The repository root.
    static let repository: URL = PythonCelery.repositoryRoot

    /// `Tests/OutboxTests/python`.
    static let pythonDirectory = repository.appendingPathComponent("Tests/OutboxTests/python", isDirectory: true)
}

/// Python Celery's virtual environment (``PythonCelery``) with psycopg and SQLAlchemy added from PyPI, once.
enum OutboxPython {
    static let requirements = ["psycopg[binary]==3.2.10", "SQLAlchemy==2.0.43"]

    static func prepare() async throws -> PythonCelery {
        let celery = try await PythonCelery.prepare()
        try await installer.value
        return celery
    }

    private static let installer = Task {
        let celery = try await PythonCelery.prepare()
        let check = try await ChildProcess.run(celery.python, arguments: ["-c", "import psycopg, sqlalchemy"])
        if check.termination.isSuccess { return }
        let pip = try await ChildProcess.run(
            celery.python, arguments: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input"] + requirements,
            environment: ["PIP_NO_INPUT": "1"], timeout: .seconds(600)
        )
        guard pip.termination.isSuccess else {
            throw HarnessError(.installationFailed, "pip install \(requirements) failed (\(pip.termination))\n\(pip.standardError)")
        }
    }
}
