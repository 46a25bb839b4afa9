import Broker
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// The purchase and invoice jobs' world: a real PostgreSQL (database `celerity`, migrated), a real redis-server,
/// a loopback fake OCR service, a loopback fake Slack, and the Python receiver of docs/postgres-http.md verifying
/// each completion webhook's signature; `celerity worker` processes started on them.
struct JobsFixture {
    /// The webhook secret the worker signs with; it must never reach a log line or a result.
    static let webhookSecret = "whsec-jobs13-5d0c7e"

    let postgres: PostgresServer
    let redis: RedisServer
    let ocr: LoopbackHTTPServer
    let slack: LoopbackHTTPServer
    let receiver: ChildProcess
    let receiverPort: Int
    let database: PostgresConnection
    let client: CelerityClient
    let logs = LogRecorder()

    var databaseURL: String { postgres.url(database: "celerity") }

    /// The URL the worker posts completion webhooks to (the Python receiver).
    var callbackURL: String { "http://127.0.0.1:\(receiverPort)/hooks/invoices" }

    /// The receiver's verdict lines: `verified <delivery id> <body>` or `rejected …`.
    var webhooks: [String] {
        receiver.output.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("verified ") || $0.hasPrefix("rejected ")
        }
    }

    /// The image text of every OCR request, in arrival order.
    var ocrImages: [String] {
        ocr.requests.compactMap { request in
            guard let body = try? JSONValue.parse(request.text), let image = body["image"]?.stringValue,
                let data = Data(base64Encoded: image)
            else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Starts everything; `ocr` answers an OCR request for the image text it gets. Always stops everything.
    static func with(
        ocr answer: @escaping @Sendable (String) -> LoopbackHTTPServer.Response = Self.ocrAnswer,
        _ body: (JobsFixture) async throws -> Void
    ) async throws {
        try await withPostgresServer { postgres in
            try await withRedisServer { redis in
                let ocr = try LoopbackHTTPServer { request in
                    guard let json = try? JSONValue.parse(request.text), let image = json["image"]?.stringValue,
                        let data = Data(base64Encoded: image)
                    else { return .init(status: 400, body: "no image") }
                    return answer(String(decoding: data, as: UTF8.self))
                }
                defer { ocr.stop() }
                let slack = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
                defer { slack.stop() }
                let port = try FreePort.allocate()
                try await withChildProcess(
                    "python3", arguments: ["-c", PythonWebhookReceiver.script, "\(port)"],
                    environment: ["CELERITY_WEBHOOK_SECRET": webhookSecret]
                ) { receiver in
                    try await poll(timeout: .seconds(20), "the Python webhook receiver is listening") {
                        if !receiver.isRunning { throw HarnessError(.processFailed, receiver.diagnostics()) }
                        return receiver.output.contains("ready")
                    }
                    try await postgres.psql("CREATE DATABASE celerity")
                    let logs = LogRecorder()
                    let database = PostgresConnection(
                        configuration: try PostgresConfiguration(url: postgres.url(database: "celerity")),
                        logger: logs.logger
                    )
                    defer { database.close() }
                    try Migrator(connection: database, migrations: TaskMigrations.all, logger: logs.logger).migrate()
                    let fixture = JobsFixture(
                        postgres: postgres, redis: redis, ocr: ocr, slack: slack, receiver: receiver,
                        receiverPort: port,
                        database: database,
                        client: CelerityClient(configuration: try RedisConfiguration(url: redis.url))
                    )
                    try await body(fixture)
                }
            }
        }
    }

    /// The default fake OCR: `unreadable…` images get a 422, `hang…` ones never get an answer, the rest are
    /// recognised after 20 ms (`slow…` ones after 300 ms).
    @Sendable static func ocrAnswer(_ image: String) -> LoopbackHTTPServer.Response {
        if image.hasPrefix("unreadable") { return .init(status: 422, body: #"{"error": "cannot read"}"#) }
        if image.hasPrefix("hang") { return .hang }
        let body = #"{"vendor": "ACME", "image": "\#(image)", "total": "\#(image.count)"}"#
        return .init(status: 200, body: body, delay: image.hasPrefix("slow") ? .milliseconds(300) : .milliseconds(20))
    }

    /// `celerity worker -Q queues -c concurrency` on this world, with `settings` added to its environment.
    func startWorker(queues: String, concurrency: Int, settings: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(
            try Self.celerity(), arguments: ["worker", "-Q", queues, "-c", "\(concurrency)"],
            environment: [
                "CELERITY_REDIS_URL": redis.url,
                "CELERITY_DATABASE_URL": databaseURL,
                "CELERITY_OCR_URL": ocr.url("/ocr"),
                "CELERITY_WEBHOOK_SECRET": Self.webhookSecret,
                // The receiver stand-in is on loopback over plain http: allowed explicitly, as run.sh does.
                "CELERITY_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "CELERITY_WEBHOOK_ALLOW_HTTP": "1",
                "SLACK_WEBHOOK_URL": slack.url("/services/T1/B1/jobs-slack-secret"),
            ].merging(settings) { $1 }
        )
    }

    /// Invoices whose images are `texts` (base64), with `{"n": position}` metadata.
    static func invoices(_ texts: [String]) -> [JSONValue] {
        texts.enumerated().map { position, text in
            ["image": .string(Data(text.utf8).base64EncodedString()), "metadata": ["n": .int(position)]]
        }
    }

    /// Sends `invoices.process_batch` as the app does and returns its result once it is stored.
    func submitBatch(
        _ batchID: String, _ texts: [String], callback: Bool = true, callbackURL: String? = nil, worker: ChildProcess
    ) async throws -> TaskResult {
        var kwargs: JSONObject = ["batch_id": .string(batchID), "invoices": .array(Self.invoices(texts))]
        if callback { kwargs["callback_url"] = .string(callbackURL ?? self.callbackURL) }
        let id = try await client.enqueue(
            "invoices.process_batch", kwargs: kwargs, options: TaskOptions(queue: "invoices"))
        let result = try await client.result(id, timeout: .seconds(60))
        #expect(result.state == .success, "\(result.result)\n\(worker.diagnostics())")
        return result
    }

    /// Waits for task `id` (e.g. the chord body whose id process_batch returned) to end.
    func finished(_ id: String?, timeout: Duration = .seconds(90), worker: ChildProcess) async throws -> TaskResult {
        let id = try #require(id, "no task id")
        let result = try await client.result(id, timeout: timeout)
        #expect(result.state == .success, "\(result.result)\n\(worker.diagnostics())")
        return result
    }

    /// Batch `batchID` as stored.
    func batch(_ batchID: String) throws -> InvoiceBatchStatus {
        try #require(try InvoiceBatchStatus.load(batchID, from: database), "no batch \(batchID)")
    }

    /// The pids of `worker`'s pool processes: its children, as each of its threads lists them (the supervisor starts
    /// them from several threads).
    static func children(of worker: ChildProcess) -> [Int32] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(worker.pid)/task")) ?? []
        return threads.flatMap { thread in
            let text =
                (try? String(contentsOfFile: "/proc/\(worker.pid)/task/\(thread)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0) }
        }
    }

    /// The resident set size of process `pid` in KiB (`VmRSS`), 0 when it is gone.
    static func residentKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// The `celerity` binary built with the tests.
    static func celerity() throws -> String { try BackupTaskTests.celerity() }
}
