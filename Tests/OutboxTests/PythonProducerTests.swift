import Broker
import Foundation
import TestSupport
import Testing

/// Python producers writing the outbox with real psycopg in their own transactions, relayed to a real Python
/// Celery worker: only committed rows become tasks, each runs once.
@Suite("outbox: Python producers (psycopg, SQLAlchemy) to a Python Celery worker", .serialized)
struct PythonProducerTests {
    @Test("1,000 rows in 1,000 psycopg transactions, 100 rolled back: exactly the 900 committed tasks run, each once")
    func committedRowsRunOnce() async throws {
        let python = try await OutboxPython.prepare()
        try await OutboxFixture.with { fixture in
            let relay = try fixture.startRelay()
            defer { relay.kill() }
            let worker = try await python.startWorker(redisURL: fixture.redis.url, queues: ["outbox"])
            defer { worker.kill() }

            let output = try await python.run(
                script: OutboxFixture.pythonDirectory.appendingPathComponent("produce.py").path,
                args: [fixture.databaseURL, "1000", "10", "outbox", "outbox:ran"], redisURL: fixture.redis.url,
                timeout: .seconds(300)
            )
            let lines = output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            let committedOrders = Set(lines.filter { $0.first == "committed" }.map { $0[2] })
            let rolledBack = Set(lines.filter { $0.first == "rolled-back" }.map { $0[2] })
            #expect(committedOrders.count == 900)
            #expect(rolledBack.count == 100)

            let ran = try await pollForValue(timeout: .seconds(120), interval: .milliseconds(100), "900 runs recorded") {
                let ran = try fixture.list("outbox:ran")
                return ran.count >= 900 ? ran : nil
            }
            // Nothing is left to run: no pending row, no message in the queue.
            try await poll(timeout: .seconds(5), "the relay reports nothing pending") {
                try await fixture.pending() == 0 && fixture.redis.command(["LLEN", "outbox"]).integer == 0
            }
            let final = try fixture.list("outbox:ran")
            #expect(final.count == 900, "\(final.count) runs: a task ran twice or a rolled-back one ran")
            #expect(Set(final) == committedOrders, "runs differ from the committed orders")
            #expect(Set(ran).isDisjoint(with: rolledBack))
            #expect(try await fixture.count("SELECT count(*) FROM celerity_outbox") == 900)
            #expect(try await fixture.count("SELECT count(*) FROM outbox_test_orders") == 900)
            #expect(try fixture.redis.command(["HGET", "celerity:outbox:stats", "relayed"]).integer == 900)
            #expect(worker.output.contains("compat.record"), "the Python worker ran the relayed messages")
        }
    }

    @Test("the SQLAlchemy snippet of docs/outbox.md inserts a row that a Python Celery worker runs")
    func sqlAlchemySnippet() async throws {
        let python = try await OutboxPython.prepare()
        try await OutboxFixture.with { fixture in
            try await fixture.postgres.psql(
                "CREATE TABLE outbox_test_orders (n integer PRIMARY KEY, task_id text NOT NULL)", database: "celerity"
            )
            let relay = try fixture.startRelay()
            defer { relay.kill() }
            let worker = try await python.startWorker(redisURL: fixture.redis.url, queues: ["outbox"])
            defer { worker.kill() }
            let id = try await python.run(
                script: OutboxFixture.pythonDirectory.appendingPathComponent("sqlalchemy_enqueue.py").path,
                args: [fixture.databaseURL, "outbox", "outbox:sqlalchemy"], redisURL: fixture.redis.url
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            try await poll(timeout: .seconds(60), "the SQLAlchemy-inserted task ran") {
                try fixture.list("outbox:sqlalchemy") == ["sqlalchemy-order"]
            }
            let outcome = try await python.waitForResult(taskID: id, redisURL: fixture.redis.url)
            #expect(outcome.status == "SUCCESS", "\(outcome)")
        }
    }
}
