import Broker
import Foundation
import HTTP
import Logging
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// A real PostgreSQL (database `celerity`, migrated), a real redis-server, and real loopback HTTP servers for
/// everything the inflation and secret jobs talk to: the rate source, the reload hook, the health URL and Slack.
/// The servers' answers can be changed while a test runs.
final class MonthlyJobsFixture: Sendable {
    /// The password in the database URL (the cluster trusts loopback; the point is where it travels).
    static let password = "pg-secret-jobs14"
    /// The Slack webhook path, a secret too.
    static let slackPath = "/services/T14/B14/slack-secret-jobs14"

    let postgres: PostgresServer
    let redis: RedisServer
    let directory: TemporaryDirectory
    let logs = LogRecorder()
    let slack: LoopbackHTTPServer
    let source: LoopbackHTTPServer
    let reload: LoopbackHTTPServer
    let health: LoopbackHTTPServer
    /// The source's next answers, first first; the last one repeats.
    let sourceAnswers: Locked<[LoopbackHTTPServer.Response]>
    /// The status the health URL answers.
    let healthStatus: Locked<Int>
    /// How long the reload hook takes to answer.
    let reloadDelay: Locked<Duration>
    /// The env file's content each time the reload hook was called (to find the values a rolled-back rotation wrote).
    let reloadSnapshots: Locked<[String]>
    /// The env file the reload hook snapshots.
    let watchedFile: Locked<String?>
    let database: PostgresConnection

    private init(postgres: PostgresServer, redis: RedisServer) throws {
        self.postgres = postgres
        self.redis = redis
        directory = try TemporaryDirectory(prefix: "celerity-jobs14")
        let sourceAnswers = Locked<[LoopbackHTTPServer.Response]>([])
        let healthStatus = Locked(200)
        let reloadDelay = Locked(Duration.zero)
        let reloadSnapshots = Locked<[String]>([])
        let watchedFile = Locked<String?>(nil)
        self.sourceAnswers = sourceAnswers
        self.healthStatus = healthStatus
        self.reloadDelay = reloadDelay
        self.reloadSnapshots = reloadSnapshots
        self.watchedFile = watchedFile
        slack = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
        source = try LoopbackHTTPServer { _ in
            sourceAnswers.withLock { answers in
                answers.count > 1 ? answers.removeFirst() : (answers.first ?? .init(status: 404, body: "no fixture"))
            }
        }
        reload = try LoopbackHTTPServer { _ in
            if let path = watchedFile.withLock({ $0 }) {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                reloadSnapshots.withLock { $0.append(text) }
            }
            return .init(status: 204, delay: reloadDelay.withLock { $0 })
        }
        health = try LoopbackHTTPServer { _ in .init(status: healthStatus.withLock { $0 }, body: "health") }
        database = PostgresConnection(
            configuration: try PostgresConfiguration(
                url: "postgresql://postgres:\(Self.password)@127.0.0.1:\(postgres.port)/celerity"),
            logger: logs.logger
        )
    }

    /// The Celerity database's URL, with its password.
    var databaseURL: String { "postgresql://postgres:\(Self.password)@127.0.0.1:\(postgres.port)/celerity" }

    /// The `text` of every message the fake Slack received.
    var slackMessages: [String] {
        slack.requests.compactMap { request in
            (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["text"] as? String
        }
    }

    /// A notifier posting to the fake Slack, logging into ``logs``.
    func notifier() -> SlackNotifier {
        var configuration = SlackNotifier.Configuration(webhookURL: slack.url(Self.slackPath))
        configuration.minimumInterval = .zero
        return SlackNotifier(configuration: configuration, client: HTTPClient(logger: logs.logger), logger: logs.logger)
    }

    /// Sets what the source answers: a body with status 200, or any responses in order.
    func answer(_ responses: LoopbackHTTPServer.Response...) {
        sourceAnswers.withLock { $0 = responses }
    }

    /// Starts everything, migrates the database, runs `body`, and stops everything.
    static func with(_ body: (MonthlyJobsFixture) async throws -> Void) async throws {
        try await withPostgresServer { postgres in
            try await withRedisServer { redis in
                try await postgres.psql("CREATE DATABASE celerity")
                let fixture = try MonthlyJobsFixture(postgres: postgres, redis: redis)
                defer { fixture.stopServers() }
                try Migrator(connection: fixture.database, migrations: TaskMigrations.all, logger: fixture.logs.logger)
                    .migrate()
                try await body(fixture)
            }
        }
    }

    private func stopServers() {
        database.close()
        for server in [slack, source, reload, health] { server.stop() }
    }

    /// Writes `text` to `path` with `mode`.
    func write(_ text: String, to path: String, mode: Int) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// The bytes and mode of `path`.
    func snapshot(_ path: String) throws -> (bytes: Data, mode: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1
        return (data, mode)
    }

    /// A pinned fixture's bytes.
    static func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }
}
