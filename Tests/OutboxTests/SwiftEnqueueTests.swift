import Broker
import Foundation
import Outbox
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// `transaction.enqueue(ApplyPurchaseUnlocks(…))` in the payment transaction, relayed by a worker node started
/// with `--outbox`, run by the real purchase task; the outbox in `/metrics` and `celerity status`.
@Suite("outbox: Swift transactional enqueue through a worker node with --outbox", .serialized)
struct SwiftEnqueueTests {
    @Test("the task id comes back before the commit; only the committed purchase's unlock runs; /metrics and status show the outbox")
    func purchaseThroughTheOutbox() async throws {
        try await OutboxFixture.with { fixture in
            let db = fixture.database
            try db.query("INSERT INTO item_unlock_rules (item_id, unlock_key) VALUES (9, 'vip'), (9, 'chapter:12'), (10, 'gold')")
            let observer = PostgresConnection(configuration: try PostgresConfiguration(url: fixture.databaseURL), logger: fixture.logs.logger)
            defer { observer.close() }

            // The payment transaction: the purchase and its outbox row commit together.
            let taskID = try db.withTransaction { transaction in
                try transaction.query("INSERT INTO purchases (user_id, item_id, status, paid_at) VALUES (7, 9, 'paid', now())")
                let id = try transaction.enqueue(PurchaseTasks.ApplyPurchaseUnlocks(user_id: 7, item_id: 9))
                // Before the commit, no one else sees the row.
                #expect(try observer.query("SELECT count(*) AS n FROM celerity_outbox")[0].decode("n", as: Int.self) == 0)
                return id
            }
            #expect(try observer.query("SELECT count(*) AS n FROM celerity_outbox WHERE task_id = $1", [.text(taskID)])[0].decode("n", as: Int.self) == 1)
            // A payment that fails after its enqueue rolls the task back with it.
            struct PaymentDeclined: Error { var taskID: String }
            var rolledBackID: String?
            do {
                try db.withTransaction { transaction in
                    try transaction.query("INSERT INTO purchases (user_id, item_id, status) VALUES (8, 10, 'pending')")
                    throw PaymentDeclined(taskID: try transaction.enqueue(PurchaseTasks.ApplyPurchaseUnlocks(user_id: 8, item_id: 10)))
                }
            } catch let declined as PaymentDeclined {
                rolledBackID = declined.taskID
            }
            #expect(rolledBackID != nil)
            // A bad row fails the application's own INSERT, naming the check.
            #expect {
                try db.withTransaction { transaction in
                    try transaction.enqueue("purchases.apply_purchase_unlocks_async", options: TaskOptions(queue: "bad queue name"))
                }
            } throws: { "\($0)".contains("celerity_outbox_queue_format") }

            let port = try FreePort.allocate()
            let worker = try ChildProcess(
                try OutboxFixture.binary("celerity"),
                arguments: ["worker", "-Q", "purchases", "-c", "1", "--outbox", "--metrics-address", "127.0.0.1:\(port)"],
                environment: [
                    "CELERITY_REDIS_URL": fixture.redis.url,
                    // A password the server does not ask for (trust): it must not show up in any log line.
                    "CELERITY_DATABASE_URL": fixture.databaseURL.replacingOccurrences(of: "postgres@", with: "postgres:outbox-pw-8c1f@"),
                ]
            )
            defer { worker.kill() }
            try await poll(timeout: .seconds(60), interval: .milliseconds(100), "the unlocks granted by the relayed task") {
                if let ended = worker.termination { throw HarnessError(.processFailed, "worker exited (\(ended))\n\(worker.diagnostics())") }
                let granted = try await fixture.postgres.psql(
                    "SELECT string_agg(unlock_key || '/' || task_id, ',' ORDER BY unlock_key) FROM user_unlocks WHERE user_id = 7",
                    database: "celerity"
                )
                return granted == "chapter:12/\(taskID),vip/\(taskID)"
            }
            #expect(try await fixture.count("SELECT count(*) FROM user_unlocks WHERE user_id = 8") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM celerity_outbox WHERE task_id = '\(rolledBackID ?? "")'") == 0)
            #expect(!worker.output.contains("outbox-pw-8c1f"), "no password in the worker's log")
            #expect(worker.output.contains("postgresql://postgres:***@"), "the relay's start line names the database, password hidden")

            // The relay's count reaches /metrics and `celerity status`.
            let metrics = try await pollForValue(timeout: .seconds(30), interval: .milliseconds(200), "the outbox families in /metrics") {
                let result = try await ChildProcess.run("curl", arguments: ["-s", "-m", "5", "http://127.0.0.1:\(port)/metrics"])
                let body = result.standardOutput
                return body.contains("celerity_outbox_relayed_total 1") && body.contains("celerity_outbox_pending 0.0") ? body : nil
            }
            #expect(metrics.contains("celerity_outbox_oldest_age_seconds 0.0"))
            #expect(metrics.contains("celerity_outbox_last_count_timestamp_seconds"))
            let status = try await ChildProcess.run(
                try OutboxFixture.binary("celerity"), arguments: ["status"], environment: ["CELERITY_REDIS_URL": fixture.redis.url]
            )
            #expect(status.standardOutput.contains("OUTBOX        0 pending, 1 relayed, counted"), "\(status.standardOutput)")
            let page = try await ChildProcess.run("curl", arguments: ["-s", "-m", "5", "http://127.0.0.1:\(port)/"])
            #expect(page.standardOutput.contains("<p id=\"outbox\">0 pending, 1 relayed"), "\(page.standardOutput)")
        }
    }
}
