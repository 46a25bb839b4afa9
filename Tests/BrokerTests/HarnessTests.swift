import Foundation
import TestSupport
import Testing

/// Proves the integration-test harness: real redis-server and PostgreSQL processes on loopback.
@Suite("Harness")
struct HarnessTests {
    @Test("redis-server starts on a free port and answers commands over TCP and the unix socket")
    func redisStartsAndAnswers() async throws {
        try await withRedisServer { redis in
            #expect(redis.url == "redis://127.0.0.1:\(redis.port)/0")
            #expect(try redis.command("PING") == .simple("PONG"))
            #expect(try redis.command("SET", "greeting", "hello") == .simple("OK"))
            #expect(try redis.command("GET", "greeting").string == "hello")
            #expect(try redis.command("RPUSH", "list", "a", "b") == .integer(2))
            #expect(try redis.command("LRANGE", "list", "0", "-1").strings == ["a", "b"])
            #expect(try redis.command("GET", "missing") == .null)
            #expect(try redis.commandOverUnixSocket(["GET", "greeting"]).string == "hello")
            guard case .error(let message) = try redis.command("NOSUCHCOMMAND") else {
                Issue.record("an unknown command should return an error reply")
                return
            }
            #expect(message.hasPrefix("ERR"))
        }
    }

    @Test("two servers started at once get different ports and separate data")
    func redisServersAreIndependent() async throws {
        try await withRedisServer { first in
            try await withRedisServer { second in
                #expect(first.port != second.port)
                try first.command("SET", "owner", "first")
                #expect(try second.command("GET", "owner") == .null)
            }
        }
    }

    @Test("restart keeps AOF data, on the same port")
    func redisRestartKeepsAppendOnlyData() async throws {
        try await withRedisServer(appendOnly: true) { redis in
            let port = redis.port
            let pidBefore = try #require(redis.pid)
            try redis.command("SET", "survivor", "yes")
            try redis.command("RPUSH", "queue", "m1", "m2")
            try await redis.restart()
            #expect(redis.port == port)
            #expect(redis.pid != pidBefore)
            #expect(try redis.command("GET", "survivor").string == "yes")
            #expect(try redis.command("LLEN", "queue") == .integer(2))
        }
    }

    @Test("kill stops the server at once; restart brings back what reached the AOF")
    func redisKillThenRestart() async throws {
        try await withRedisServer(appendOnly: true) { redis in
            try redis.command("SET", "acknowledged", "1")
            await redis.kill()
            #expect(redis.pid == nil)
            #expect(throws: HarnessError.self) { try redis.command("PING") }
            try await redis.restart()
            #expect(try redis.command("GET", "acknowledged").string == "1")
        }
    }

    @Test("the scoped form stops the server and removes its directory when the body throws")
    func redisStoppedAfterThrow() async throws {
        struct Expected: Error {}
        var escaped: RedisServer?
        await #expect(throws: Expected.self) {
            try await withRedisServer { redis in
                escaped = redis
                throw Expected()
            }
        }
        let redis = try #require(escaped)
        #expect(redis.pid == nil)
        #expect(throws: HarnessError.self) { try redis.command("PING") }
        #expect(!FileManager.default.fileExists(atPath: redis.directory.path))
    }

    @Test("poll reports what it waited for when the deadline passes")
    func pollTimesOutDescriptively() async throws {
        let error = await #expect(throws: HarnessError.self) {
            try await poll(timeout: .milliseconds(50), "the moon turns blue") { false }
        }
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("condition not met within 0.05 s: the moon turns blue") == true)
    }

    @Test("ChildProcess captures output, reports exit status and kills on demand")
    func childProcessLifecycle() async throws {
        let echo = try await ChildProcess.run("/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"])
        #expect(echo.termination == .exited(3))
        #expect(echo.standardOutput == "out\n")
        #expect(echo.standardError == "err\n")

        try await withChildProcess("/bin/sh", arguments: ["-c", "echo started; exec sleep 30"]) { child in
            try await poll(timeout: .seconds(5), "child printed 'started'") { child.output.contains("started") }
            #expect(child.isRunning)
            child.kill()
            #expect(try await child.waitForExit(timeout: .seconds(5)) == .signalled(SIGKILL))
        }
    }

    @Test("PostgreSQL starts on a free port and accepts psql connections")
    func postgresStartsAndAcceptsConnections() async throws {
        try await withPostgresServer { postgres in
            #expect(postgres.url == "postgresql://postgres@127.0.0.1:\(postgres.port)/postgres")
            let result = try await ChildProcess.run(
                "psql",
                arguments: ["-X", "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "postgres", "-c", "select 1"]
            )
            #expect(result.termination.isSuccess, "psql failed: \(result.standardError)")
            #expect(result.standardOutput.contains("(1 row)"))
            try await postgres.psql("create table t (id int primary key, name text)")
            try await postgres.psql("insert into t values (1, 'one'), (2, 'two')")
            #expect(try await postgres.psql("select id, name from t order by id") == "1|one\n2|two")
        }
    }
}
