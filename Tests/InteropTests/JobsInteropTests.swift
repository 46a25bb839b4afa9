import Broker
import Foundation
import TestSupport
import Testing

/// Issue 13: a real Python Celery client sends the purchase and invoice jobs to a `celerity` worker, as the app does.
@Suite("Python client → the purchase and invoice jobs")
struct JobsInteropTests {
    @Test("apply_purchase_unlocks_async.delay(7, 9) under the module path, and a 10-invoice batch, from Python")
    func pythonSendsTheJobs() async throws {
        let celery = try await PythonCelery.prepare(version: PythonCelery.defaultVersion)
        let ocr = try LoopbackHTTPServer { _ in .init(status: 200, body: #"{"vendor": "ACME", "total": "12.50"}"#) }
        defer { ocr.stop() }
        try await withPostgresServer { postgres in
            let database = postgres.url
            let celerity = try InteropFixture.binary("celerity")
            let migrate = try await ChildProcess.run(
                celerity, arguments: ["db", "migrate", "--database-url", database])
            #expect(migrate.termination.isSuccess, "\(migrate.standardError)")
            try await postgres.psql(
                """
                INSERT INTO item_unlock_rules (item_id, unlock_key) VALUES (9, 'chapter:1'), (9, 'vip');
                INSERT INTO purchases (user_id, item_id, status, paid_at) VALUES (7, 9, 'paid', now());
                """
            )
            try await withInteropFixture { fixture in
                try await fixture.startCelerity(
                    queues: ["purchases", "invoices"],
                    options: ["--database-url", database, "--set", "CELERITY_OCR_URL=\(ocr.url("/ocr"))"],
                    binary: "celerity"
                )
                let unlock = try await celery.sendTask(
                    "myapp.tasks.apply_purchase_unlocks_async", args: [7, 9], options: ["queue": "purchases"],
                    redisURL: fixture.url
                )
                let unlocked = try await celery.waitForResult(
                    taskID: unlock, redisURL: fixture.url, timeout: .seconds(30))
                #expect(unlocked.status == "SUCCESS", "\(unlocked)")
                #expect(unlocked.result == ["chapter:1", "vip"])

                let invoices: [InteropJSON] = (0..<10).map { n in
                    .object([
                        "image": .string(Data("py-invoice-\(n)".utf8).base64EncodedString()),
                        "metadata": .object(["n": .int(n)]),
                    ])
                }
                let batch = try await celery.sendTask(
                    "invoices.process_batch", args: ["py-batch", .array(invoices)], options: ["queue": "invoices"],
                    redisURL: fixture.url
                )
                let accepted = try await celery.waitForResult(
                    taskID: batch, redisURL: fixture.url, timeout: .seconds(30))
                #expect(accepted.status == "SUCCESS", "\(accepted)")
                #expect(accepted.result["status"] == "processing")
                let body = try #require(accepted.result["completion_task_id"]?.string)
                let completed = try await celery.waitForResult(
                    taskID: body, redisURL: fixture.url, timeout: .seconds(60))
                #expect(completed.result["status"] == "completed", "\(completed)")
                #expect(ocr.requests.count == 10)

                let rejected = try await celery.sendTask(
                    "invoices.process_batch", args: ["py-small", .array(Array(invoices.prefix(9)))],
                    options: ["queue": "invoices"], redisURL: fixture.url
                )
                let failure = try await celery.waitForResult(
                    taskID: rejected, redisURL: fixture.url, timeout: .seconds(30))
                #expect(failure.status == "FAILURE")
                #expect(failure.excType == "ValueError")
            }
        }
    }
}
