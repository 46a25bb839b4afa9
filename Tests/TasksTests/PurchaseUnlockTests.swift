import Broker
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Tasks

/// `purchases.apply_purchase_unlocks_async`: all or nothing, idempotent, cache invalidation; in a real worker
/// through the Python module path's alias, with a failure injected by the database and a kill -9 mid-task.
@Suite("Purchases: unlocks", .serialized)
struct PurchaseUnlockTests {
    /// An item with three unlocks and a paid purchase of it by `user`; cache keys for `user` and user `user`0.
    static func seed(_ fixture: JobsFixture, user: Int, item: Int = 9) async throws {
        try await fixture.postgres.psql(
            """
            INSERT INTO item_unlock_rules (item_id, unlock_key) VALUES (\(item), 'chapter:1'), (\(item), 'chapter:2'),
                (\(item), 'vip') ON CONFLICT DO NOTHING;
            INSERT INTO purchases (user_id, item_id, status, paid_at) VALUES (\(user), \(item), 'paid', now());
            """,
            database: "celerity"
        )
        for key in ["user:\(user):balance", "user:\(user):vip", "user:\(user)0:balance"] {
            _ = try fixture.redis.command("SET", key, "cached")
        }
    }

    /// Makes the second grant of every run fail once with a serialization failure (a transient error), through a
    /// trigger whose counter is a sequence (sequences are not rolled back).
    static func failSecondGrantOnce(_ fixture: JobsFixture) async throws {
        try await fixture.postgres.psql(
            """
            CREATE SEQUENCE grant_calls;
            CREATE FUNCTION fail_second_grant() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('grant_calls') = 2 THEN
                    RAISE EXCEPTION 'injected failure between two grants' USING ERRCODE = '40001';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER fail_second_grant BEFORE INSERT ON user_unlocks FOR EACH ROW EXECUTE FUNCTION fail_second_grant();
            """,
            database: "celerity"
        )
    }

    static func unlocks(_ fixture: JobsFixture, user: Int) throws -> [String] {
        try fixture.database.query(
            "SELECT unlock_key FROM user_unlocks WHERE user_id = $1 ORDER BY unlock_key", [.int(user)]
        ).map { row throws(PostgresError) in try row.decode("unlock_key") }
    }

    @Test("a failure between two grants commits nothing; the retry grants all; a second run grants nothing new")
    func allOrNothingAndIdempotent() async throws {
        try await JobsFixture.with { fixture in
            try await Self.seed(fixture, user: 7)
            try await Self.failSecondGrantOnce(fixture)
            let cache = RedisConnection(configuration: try RedisConfiguration(url: fixture.redis.url))
            defer { cache.close() }
            let unlocks = PurchaseUnlocks(database: fixture.database, cache: cache, logger: fixture.logs.logger)

            #expect(throws: PostgresError.self) {
                try unlocks.apply(userID: 7, itemID: 9, taskID: "t-1", deadline: nil)
            }
            #expect(try Self.unlocks(fixture, user: 7).isEmpty, "the first grant was rolled back")
            #expect(try fixture.redis.command("EXISTS", "user:7:vip") == .integer(1), "nothing committed, cache kept")

            let granted = try unlocks.apply(userID: 7, itemID: 9, taskID: "t-1", deadline: nil)
            #expect(granted == ["chapter:1", "chapter:2", "vip"])
            #expect(try Self.unlocks(fixture, user: 7) == granted)
            #expect(try fixture.redis.command("EXISTS", "user:7:vip", "user:7:balance") == .integer(0))
            #expect(try fixture.redis.command("EXISTS", "user:70:balance") == .integer(1), "another user's cache stays")

            let again = try unlocks.apply(userID: 7, itemID: 9, taskID: "t-2", deadline: nil)
            #expect(again == granted)
            let owners = try fixture.database.query("SELECT DISTINCT task_id FROM user_unlocks WHERE user_id = 7")
            #expect(try owners.map { row throws(PostgresError) -> String in try row.decode("task_id") } == ["t-1"])

            // No paid purchase: a clear ValueError.
            try await fixture.postgres.psql(
                "INSERT INTO purchases (user_id, item_id, status) VALUES (8, 9, 'pending')", database: "celerity"
            )
            do {
                _ = try unlocks.apply(userID: 8, itemID: 9, taskID: "t-3", deadline: nil)
                Issue.record("an unpaid purchase was unlocked")
            } catch {
                #expect("\(error)".hasPrefix("ValueError: no paid purchase of item 9 by user 8 (found only: pending)"))
            }
        }
    }

    @Test("in a worker: the alias, a transient failure retried, a duplicate .delay, and a kill -9 mid-task")
    func inAWorker() async throws {
        try await JobsFixture.with { fixture in
            try await Self.seed(fixture, user: 7)
            try await Self.seed(fixture, user: 8)
            try await Self.failSecondGrantOnce(fixture)
            let worker = try fixture.startWorker(queues: "purchases", concurrency: 1)
            let options = TaskOptions(queue: "purchases")

            // What the app's `.delay(7, 9)` sends under its module path: retried after the injected failure.
            let first = try await fixture.client.enqueue(
                "myapp.tasks.apply_purchase_unlocks_async", args: [7, 9], options: options
            )
            let result = try await fixture.client.result(first, timeout: .seconds(60))
            #expect(result.state == .success, "\(result.result)\n\(worker.diagnostics())")
            #expect(result.result == ["chapter:1", "chapter:2", "vip"])
            #expect(try await fixture.postgres.psql("SELECT last_value FROM grant_calls", database: "celerity") == "5")
            #expect(try fixture.redis.command("EXISTS", "user:7:vip") == .integer(0))

            // A duplicate `.delay`: the same result, nothing new.
            let duplicate = try await fixture.client.enqueue(
                "purchases.apply_purchase_unlocks_async", args: [7, 9], options: options
            )
            #expect(try await fixture.client.result(duplicate, timeout: .seconds(30)).result == result.result)
            #expect(try Self.unlocks(fixture, user: 7) == ["chapter:1", "chapter:2", "vip"])

            // Kill the worker process while its transaction waits on a lock another session holds.
            let blocker = try ChildProcess(
                fixture.postgres.binDirectory.appendingPathComponent("psql").path,
                arguments: [
                    "-X", "-q", "-d",
                    "postgresql://postgres@127.0.0.1:\(fixture.postgres.port)/celerity?application_name=blocker",
                    "-c", "BEGIN; LOCK TABLE user_unlocks IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;",
                ]
            )
            try await poll(timeout: .seconds(20), "the blocker holds the lock") {
                try await fixture.postgres.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'blocker' AND query LIKE '%pg_sleep%' AND state = 'active'",
                    database: "celerity"
                ) == "1"
            }
            let killed = try await fixture.client.enqueue(
                "purchases.apply_purchase_unlocks_async", kwargs: ["user_id": 8, "item_id": 9], options: options
            )
            try await poll(timeout: .seconds(20), "the task waits on the lock") {
                try await fixture.postgres.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'celerity'",
                    database: "celerity"
                ) == "1"
            }
            let victim = try #require(JobsFixture.children(of: worker).first, "no pool process")
            kill(victim, SIGKILL)
            try await fixture.postgres.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'blocker'",
                database: "celerity"
            )
            let rerun = try await fixture.client.result(killed, timeout: .seconds(60))
            #expect(rerun.state == .success, "\(rerun.result)\n\(worker.diagnostics())")
            #expect(rerun.result == ["chapter:1", "chapter:2", "vip"])
            #expect(try Self.unlocks(fixture, user: 8) == ["chapter:1", "chapter:2", "vip"])
            await blocker.stop()
            await worker.stop()
        }
    }
}
