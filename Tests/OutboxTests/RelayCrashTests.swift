import Broker
import Foundation
import Logging
import Outbox
import Postgres
import TestSupport
import Testing

/// The relay killed with `kill -9` at random points, Redis (AOF) and PostgreSQL restarted under it: every
/// committed task runs, and no task id is pushed twice.
@Suite("outbox: the relay killed, Redis and PostgreSQL restarted", .serialized)
struct RelayCrashTests {
    static let rows = 5000
    static let transactions = 100

    @Test("5,000 rows, the relay kill -9ed 20 times, Redis and PostgreSQL restarted once: each task pushed and run once")
    func killedRelayPushesEachTaskOnce() async throws {
        try await OutboxFixture.with(appendOnly: true) { fixture in
            // The producer: 100 transactions of 50 rows, paced over the chaos; a transaction that fails (the database
            // restarting) is simply not counted: the table says what committed.
            let producer = Task {
                let connection = PostgresConnection(configuration: try PostgresConfiguration(url: fixture.databaseURL), logger: fixture.logs.logger)
                defer { connection.close() }
                var done = 0
                while done < Self.transactions {
                    do {
                        try connection.withTransaction { transaction in
                            for _ in 0..<(Self.rows / Self.transactions) {
                                try transaction.enqueue("test.record", args: ["outbox:ran"], options: TaskOptions(queue: "outbox"))
                            }
                        }
                        done += 1
                    } catch {
                        try await Task.sleep(for: .milliseconds(50))  // The server is restarting; try again.
                    }
                    try await Task.sleep(for: .milliseconds(40))  // Pacing, so the rows arrive during the kills.
                }
            }

            var kills = 0
            var relays: [ChildProcess] = []
            while kills < 20 {
                let relay = try fixture.startRelay(["--batch-size", "50", "--poll-interval", "0.05", "--log-level", "debug"])
                relays.append(relay)
                try await Task.sleep(for: .milliseconds(Int64.random(in: 80...500)))
                if kills == 7 { try await fixture.redis.restart() }
                if kills == 14 { try await fixture.postgres.restart() }
                relay.kill()
                _ = try await relay.waitForExit(timeout: .seconds(10))
                kills += 1
            }
            try await producer.value
            let last = try fixture.startRelay(["--log-level", "debug"])
            relays.append(last)
            try await poll(timeout: .seconds(120), interval: .milliseconds(100), "the last relay sends every committed row") {
                try await fixture.pending() == 0
            }
            await last.stop()
            let alreadyQueued = relays.reduce(0) { $0 + $1.output.components(separatedBy: "already queued").count - 1 }

            let committed = Set(try await fixture.postgres.psql("SELECT task_id FROM celerity_outbox", database: "celerity").split(separator: "\n").map(String.init))
            #expect(committed.count >= Self.rows - 3 * (Self.rows / Self.transactions), "too few transactions committed: \(committed.count)")

            // Every push is in the queue (no worker ran yet): one message per committed task id, none twice.
            let messages = try fixture.list("outbox")
            let ids = try messages.map { try TaskMessage.decode($0).id }
            #expect(ids.count == committed.count, "\(ids.count) messages for \(committed.count) committed rows")
            #expect(Set(ids).count == ids.count, "a task id was pushed twice")
            #expect(Set(ids) == committed)
            // The push script's own counter, incremented in the same Lua step as each push.
            #expect(try fixture.redis.command(["HGET", "celerity:outbox:stats", "relayed"]).integer == committed.count)

            // Then workers run them: each committed task once.
            let worker = try fixture.startTestWorker(queues: "outbox")
            defer { worker.kill() }
            let ran = try await pollForValue(timeout: .seconds(180), interval: .milliseconds(200), "every committed task ran") {
                let ran = try fixture.list("outbox:ran")
                return ran.count >= committed.count ? ran : nil
            }
            #expect(ran.count == committed.count, "\(ran.count) runs for \(committed.count) tasks")
            #expect(Set(ran) == committed)
            print("outbox crash test: \(committed.count) rows, \(kills) kills, rows found already queued after a kill: \(alreadyQueued)")
        }
    }
}
