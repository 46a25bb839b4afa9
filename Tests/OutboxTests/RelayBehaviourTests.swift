import Broker
import Foundation
import Outbox
import Postgres
import TestSupport
import Testing

/// Several relays at once, pruning, rows that cannot become messages, and bad configuration.
@Suite("outbox: relays sharing the table, pruning, bad rows, bad configuration", .serialized)
struct RelayBehaviourTests {
    @Test("three relays woken by one commit share 3,000 rows with SKIP LOCKED: each task pushed once")
    func severalRelaysShareTheWork() async throws {
        try await OutboxFixture.with { fixture in
            let relays = try (0..<3).map { _ in try fixture.startRelay(["--batch-size", "10", "--log-level", "debug"]) }
            defer { relays.forEach { $0.kill() } }
            try await poll(timeout: .seconds(30), "three relays listening") {
                let listening = try await fixture.count("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN celerity_outbox'")
                return listening == 3 && relays.allSatisfy { $0.output.contains("outbox relay started") }
            }
            try fixture.database.withTransaction { transaction in
                for _ in 0..<3000 { try transaction.enqueue("test.record", args: ["outbox:ran"], options: TaskOptions(queue: "outbox")) }
            }
            try await poll(timeout: .seconds(60), interval: .milliseconds(100), "all rows sent") { try await fixture.pending() == 0 }
            let ids = try fixture.list("outbox").map { try TaskMessage.decode($0).id }
            #expect(ids.count == 3000)
            #expect(Set(ids).count == 3000, "a task id was pushed twice")
            let working = relays.filter { $0.output.contains("outbox rows relayed") }.count
            #expect(working >= 2, "only \(working) relay(s) took rows")
        }
    }

    @Test("one relay outlives PostgreSQL and Redis restarts: it LISTENs again and relays rows committed after each")
    func relayOutlivesRestarts() async throws {
        try await OutboxFixture.with(appendOnly: true) { fixture in
            let relay = try fixture.startRelay(["--poll-interval", "30"])  // Only a NOTIFY wakes it within this test.
            defer { relay.kill() }
            let listening = "SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN celerity_outbox'"
            try await poll(timeout: .seconds(30), "the relay listening") { try await fixture.count(listening) == 1 }
            func commitAndSee(_ n: Int) async throws {
                _ = try fixture.database.withTransaction { transaction in
                    try transaction.enqueue("demo.add", args: [.int(n), 1], options: TaskOptions(queue: "outbox"))
                }
                try await poll(timeout: .seconds(20), interval: .milliseconds(50), "row \(n) relayed") {
                    try fixture.redis.command(["LLEN", "outbox"]).integer == n
                }
            }
            try await commitAndSee(1)
            try await fixture.postgres.restart()
            try await poll(timeout: .seconds(30), "the relay listening again") { try await fixture.count(listening) == 1 }
            try await commitAndSee(2)
            try await fixture.redis.restart()
            try await commitAndSee(3)
            #expect(relay.isRunning, "the relay exited: \(relay.diagnostics())")
            #expect(try fixture.redis.command(["HGET", "celerity:outbox:stats", "relayed"]).integer == 3)
        }
    }

    @Test("with --no-listen the relay polls")
    func pollsWithoutListen() async throws {
        try await OutboxFixture.with { fixture in
            let relay = try fixture.startRelay(["--no-listen", "--poll-interval", "0.2"])
            defer { relay.kill() }
            _ = try fixture.database.withTransaction { transaction in
                try transaction.enqueue("demo.add", args: [1, 2], options: TaskOptions(queue: "outbox"))
            }
            try await poll(timeout: .seconds(20), interval: .milliseconds(50), "the row relayed by polling") {
                try fixture.redis.command(["LLEN", "outbox"]).integer == 1
            }
            #expect(try await fixture.count("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN celerity_outbox'") == 0)
        }
    }

    @Test("sent rows are deleted after the retention; a row that cannot become a message is kept with its error")
    func pruneAndFailedRows() async throws {
        try await OutboxFixture.with { fixture in
            try await fixture.postgres.psql(
                """
                INSERT INTO celerity_outbox (task_id, task_name, queue, args, options)
                    VALUES ('good-1', 'demo.add', 'outbox', '[1, 2]', '{}'),
                           ('bad-eta', 'demo.add', 'outbox', '[1, 2]', '{"eta": "next tuesday"}');
                """, database: "celerity"
            )
            let relay = try fixture.startRelay(["--retention", "1"])
            defer { relay.kill() }
            try await poll(timeout: .seconds(30), interval: .milliseconds(100), "the sent row pruned") {
                try await fixture.count("SELECT count(*) FROM celerity_outbox WHERE task_id = 'good-1'") == 0
            }
            let failed = try await fixture.postgres.psql(
                "SELECT error FROM celerity_outbox WHERE task_id = 'bad-eta' AND sent_at IS NULL", database: "celerity"
            )
            #expect(failed.contains("eta must be an ISO 8601 time"), "\(failed)")
            #expect(try fixture.list("outbox").count == 1, "only the good row was pushed")
            #expect(relay.output.contains("outbox row cannot become a message"))
            try await poll(timeout: .seconds(30), "the failed row counted") {
                try fixture.redis.command(["HGET", "celerity:outbox:stats", "failed"]).string == "1"
            }
            #expect(try fixture.redis.command(["HGET", "celerity:outbox:stats", "pending"]).string == "0")
        }
    }

    @Test("a bad row fails the application's INSERT, naming the check", arguments: [
        ("('x y', 'demo.add', 'celery', '[]', '{}')", "celerity_outbox_task_id_format"),
        ("('t1', 'demo.add', 'celery', '{}', '{}')", "celerity_outbox_args_array"),
        ("('t2', 'demo.add', 'celery', '[]', '{\"priority\": 10}')", "celerity_outbox_options_valid"),
        ("('t3', 'demo.add', 'celery', '[]', '{\"retries\": 1}')", "celerity_outbox_options_valid"),
    ])
    func checksRefuseBadRows(values: String, check: String) async throws {
        try await OutboxFixture.with { fixture in
            #expect {
                try fixture.database.query("INSERT INTO celerity_outbox (task_id, task_name, queue, args, options) VALUES \(values)")
            } throws: { "\($0)".contains(check) }
        }
    }

    @Test("without a database URL, or with a bad setting, `celerity outbox relay` exits 1 with one line naming it")
    func badConfiguration() async throws {
        let celerity = try OutboxFixture.binary("celerity")
        let missing = try await ChildProcess.run(celerity, arguments: ["outbox", "relay"])
        #expect(missing.termination == .exited(1))
        #expect(missing.standardError.contains("the outbox needs the application's database"), "\(missing.standardError)")
        let bad = try await ChildProcess.run(
            celerity, arguments: ["outbox", "relay", "--batch-size", "0"],
            environment: ["CELERITY_DATABASE_URL": "postgresql://app:hunter2-outbox@127.0.0.1:1/x"]
        )
        #expect(bad.termination == .exited(1))
        #expect(bad.standardError.contains("--batch-size must be a whole number from 1 to 5000"), "\(bad.standardError)")
        #expect(!bad.standardError.contains("hunter2-outbox"))
        #expect(bad.standardError.split(separator: "\n").count == 1, "\(bad.standardError)")
    }
}
