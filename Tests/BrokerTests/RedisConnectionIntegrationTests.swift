import Foundation
import TestSupport
import Testing

@testable import Broker

/// The hiredis connection against a real redis-server: restarts, error kinds, AUTH, unix sockets, SELECT,
/// pipelining and binary safety.
@Suite struct RedisConnectionIntegrationTests {
    // MARK: - Restarts

    /// After a restart the *next* command succeeds: the connection sees that its idle socket was closed by the
    /// server, drops it and reconnects before sending, so no command is lost to the restart.
    @Test func nextCommandAfterARestartSucceeds() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let connection = RedisConnection(configuration: try server.configuration())
            try connection.send(["SET", "k", "v"])
            let firstID = try #require(try connection.send(["CLIENT", "ID"]).integer)
            for round in 1...3 {
                try await server.restart()
                #expect(try connection.send(["GET", "k"]).string == "v", "after restart \(round)")
            }
            #expect(try connection.send(["CLIENT", "ID"]).integer != firstID)  // a new connection
        }
    }

    /// A command in flight when Redis goes away fails with a transport error (it may or may not have run, so it
    /// is not resent); the command after it reconnects and succeeds.
    @Test func commandInFlightDuringARestartFailsAndTheNextSucceeds() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let client = RedisClient(configuration: try server.configuration())
            try await client.send(["SET", "k", "v"])
            async let blocked = client.send(["BLPOP", "empty", "30"], blockingFor: .seconds(30))
            try await poll(timeout: .seconds(20), "BLPOP is waiting in Redis") {
                try server.command(["CLIENT", "LIST"]).string?.contains(" cmd=blpop ") == true
            }
            try await server.restart()
            do {
                let reply = try await blocked
                Issue.record("BLPOP returned \(reply) across a restart")
            } catch let error as RedisError {
                #expect(error.code == .transport && error.isTransport)
            }
            #expect(try await client.send(["GET", "k"]).string == "v")
        }
    }

    /// The same through the async `RedisClient`.
    @Test func asyncClientSurvivesARestart() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let client = RedisClient(configuration: try server.configuration())
            try await client.send(["RPUSH", "l", "a"])
            try await server.restart()
            #expect(try await client.send(["RPUSH", "l", "b"]) == .integer(2))
        }
    }

    /// A command sent while Redis is down waits (reconnecting with backoff) and succeeds once Redis is back.
    @Test func commandWaitsForTheServerToComeBack() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let log = LogRecorder()
            let client = RedisClient(
                configuration: try server.configuration(reconnectTimeout: .seconds(60)), logger: log.logger)
            try await client.send(["SET", "k", "before"])
            await server.kill()
            async let reply = client.send(["GET", "k"])
            try await poll(timeout: .seconds(20), "the connection reports it cannot reach Redis") {
                log.messages.contains { $0.hasPrefix("cannot reach Redis; retrying") }
            }
            try await server.restart()
            #expect(try await reply.string == "before")
            #expect(log.messages.contains { $0.hasPrefix("connected to Redis") })
        }
    }

    /// Redis accepts connections while it loads its dataset and answers `LOADING` until it is done; a connection
    /// made then waits (as redis-py does with BusyLoadingError) instead of failing its command with an error reply.
    @Test func reconnectWaitsWhileRedisLoadsItsDataset() async throws {
        // Each key takes 100 ms to load, so the 40 keys saved below keep Redis loading for about 4 s, and Redis
        // serves clients (with LOADING) after every 1 KiB loaded, that is after every key.
        let slowLoading = ["--key-load-delay", "100000", "--loading-process-events-interval-bytes", "1024"]
        try await withRedisServer(extraArguments: slowLoading) { server in
            let log = LogRecorder()
            let client = RedisClient(
                configuration: try server.configuration(reconnectTimeout: .seconds(60)), logger: log.logger
            )
            let padding = String(repeating: "x", count: 2048)
            try await client.pipeline((1...40).map { ["SET", "key-\($0)", "value-\($0)-\(padding)"] })
            #expect(try await client.send(["SAVE"]) == .status("OK"))  // loaded from dump.rdb at the next start
            await server.kill()
            // The command is reconnecting when Redis comes back, so it reaches Redis while the dataset loads.
            async let reply = client.send(["GET", "key-40"])
            try await poll(timeout: .seconds(20), "the connection reports it cannot reach Redis") {
                log.messages.contains { $0.hasPrefix("cannot reach Redis; retrying") }
            }
            try await server.restart()
            #expect(try await reply.string == "value-40-\(padding)")
            #expect(try await client.send(["DBSIZE"]) == .integer(40))
        }
    }

    /// When Redis stays away longer than the reconnect timeout, the command fails with a transport error;
    /// the same connection works again once Redis is back.
    @Test func transportErrorWhenRedisIsGone() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let connection = RedisConnection(
                configuration: try server.configuration(password: nil, reconnectTimeout: .milliseconds(200))
            )
            try connection.send(["SET", "k", "v"])
            await server.kill()
            let error = #expect(throws: RedisError.self) { try connection.send(["GET", "k"]) }
            #expect(error?.code == .transport)
            #expect(error?.isTransport == true)
            #expect(error?.endpoint == "redis://127.0.0.1:\(server.port)/0")
            #expect(
                error?.description.hasPrefix("cannot talk to Redis at redis://127.0.0.1:\(server.port)/0: ") == true)
            try await server.restart()
            #expect(try connection.send(["GET", "k"]).string == "v")
        }
    }

    @Test func connectionRefusedIsATransportErrorWithoutThePassword() throws {
        var configuration = try RedisConfiguration(url: "redis://:hunter2@127.0.0.1:\(try FreePort.allocate())/0")
        configuration.reconnectTimeout = .zero
        let error = #expect(throws: RedisError.self) {
            try RedisConnection(configuration: configuration).send(["PING"])
        }
        #expect(error?.code == .transport)
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.description.contains(":***@127.0.0.1") == true)
    }

    /// A reply that does not come within the command timeout is a `.timeout` error; the next command reconnects.
    @Test func slowReplyIsATimeout() async throws {
        try await withRedisServer { server in
            var configuration = try server.configuration()
            configuration.commandTimeout = .milliseconds(200)
            let connection = RedisConnection(configuration: configuration)
            let error = #expect(throws: RedisError.self) { try connection.send(["BLPOP", "nothing", "5"]) }
            #expect(error?.code == .timeout)
            #expect(error?.isTransport == true)
            #expect(error?.description.contains("did not answer in time") == true)
            #expect(try connection.send(["PING"]) == .status("PONG"))
            // A blocking command that says how long it blocks gets that much extra time.
            #expect(try connection.send(["BLPOP", "nothing", "0.5"], blockingFor: .milliseconds(500)).isNull)
        }
    }

    /// Redis saying no is a `.reply` error, not a transport error, and leaves the connection as it was.
    @Test func errorRepliesAreNotTransportErrors() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            try connection.send(["SET", "s", "x"])
            let clientID = try connection.send(["CLIENT", "ID"]).integer
            let wrongType = #expect(throws: RedisError.self) { try connection.send(["LPUSH", "s", "y"]) }
            #expect(wrongType?.code == .reply && wrongType?.isTransport == false)
            #expect(wrongType?.message.hasPrefix("WRONGTYPE") == true)
            #expect(
                wrongType?.description.hasPrefix(
                    "Redis at redis://127.0.0.1:\(server.port)/0 replied with an error: WRONGTYPE") == true)
            let unknown = #expect(throws: RedisError.self) { try connection.send(["NOSUCHCOMMAND"]) }
            #expect(unknown?.code == .reply && unknown?.message.hasPrefix("ERR unknown command") == true)
            #expect(try connection.send(["CLIENT", "ID"]).integer == clientID)  // same connection, not reconnected
            #expect(try connection.send(["GET", "s"]).string == "x")
        }
    }

    // MARK: - AUTH, unix socket, SELECT

    @Test func authWithAPassword() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "s3cret"]) { server in
            let good = RedisConnection(configuration: try server.configuration(password: "s3cret"))
            #expect(try good.send(["PING"]) == .status("PONG"))
            let asDefault = RedisConnection(
                configuration: try server.configuration(password: "s3cret", username: "default"))
            #expect(try asDefault.send(["ACL", "WHOAMI"]).string == "default")
            let fromURL = RedisConnection(
                configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/0"))
            #expect(try fromURL.send(["PING"]) == .status("PONG"))

            // Authentication is repeated after a reconnect.
            try await server.restart()
            #expect(try good.send(["PING"]) == .status("PONG"))
        }
    }

    @Test func authWithAnACLUserAndAnEncodedPassword() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "s3cret"]) { server in
            let admin = RedisConnection(configuration: try server.configuration(password: "s3cret"))
            try admin.send(["ACL", "SETUSER", "app", "on", ">p@ss:w/rd?", "~*", "&*", "+@all"])
            let app = RedisConnection(
                configuration: try RedisConfiguration(url: "redis://app:p%40ss%3Aw%2Frd%3F@127.0.0.1:\(server.port)/0")
            )
            #expect(try app.send(["ACL", "WHOAMI"]).string == "app")
        }
    }

    /// The reconnect logs name the endpoint, never the password.
    @Test func reconnectLogsDoNotContainThePassword() async throws {
        try await withRedisServer(appendOnly: true, extraArguments: ["--requirepass", "pa55-word"]) { server in
            let log = LogRecorder()
            var configuration = try RedisConfiguration(url: "redis://:pa55-word@127.0.0.1:\(server.port)/0")
            configuration.reconnectTimeout = .seconds(60)
            let client = RedisClient(configuration: configuration, logger: log.logger)
            try await client.send(["SET", "k", "v"])
            await server.kill()
            async let reply = client.send(["GET", "k"])
            try await poll(timeout: .seconds(20), "the connection reports it cannot reach Redis") {
                log.messages.contains { $0.hasPrefix("cannot reach Redis; retrying") }
            }
            try await server.restart()
            #expect(try await reply.string == "v")
            let lines = log.messages
            #expect(lines.contains { $0.hasPrefix("connected to Redis") })
            #expect(lines.contains { $0.contains("redis.endpoint=redis://:***@127.0.0.1:\(server.port)/0") })
            for line in lines {
                #expect(!line.contains("pa55-word"), "\(line)")
            }
        }
    }

    /// A wrong password is a fatal `.configuration` error at once (no reconnect loop), without the password.
    @Test func wrongPasswordIsAConfigurationErrorWithoutThePassword() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "s3cret"]) { server in
            let configuration = try RedisConfiguration(url: "redis://:wrong-password@127.0.0.1:\(server.port)/0")
            #expect(configuration.reconnectTimeout == .seconds(30))
            let (error, elapsed) = await measure {
                #expect(throws: RedisError.self) { try RedisConnection(configuration: configuration).send(["PING"]) }
            }
            #expect(elapsed < .seconds(10))
            #expect(error?.code == .configuration && error?.isFatal == true && error?.isTransport == false)
            #expect(error?.message.hasPrefix("AUTH failed: WRONGPASS") == true)
            #expect(error?.description.contains("wrong-password") == false)
            #expect("\(String(describing: error))".contains("wrong-password") == false)

            let named = try RedisConfiguration(url: "redis://someone:wrong-password@127.0.0.1:\(server.port)/0")
            let namedError = #expect(throws: RedisError.self) { try RedisConnection(configuration: named).connect() }
            #expect(namedError?.code == .configuration && namedError?.description.contains("wrong-password") == false)

            // No password at all: the connection's PING is refused with NOAUTH, also fatal.
            let anonymous = RedisConnection(configuration: try server.configuration())
            let noAuth = #expect(throws: RedisError.self) { try anonymous.send(["GET", "k"]) }
            #expect(noAuth?.code == .configuration && noAuth?.message.hasPrefix("PING failed: NOAUTH") == true)
        }
    }

    @Test func unixSocketURL() async throws {
        try await withRedisServer { server in
            let tcp = RedisConnection(configuration: try server.configuration(database: 2))
            try tcp.send(["SET", "where", "db2"])
            for scheme in ["unix", "redis+socket"] {
                let unix = RedisConnection(
                    configuration: try RedisConfiguration(url: "\(scheme)://\(server.unixSocketPath)?db=2"))
                #expect(try unix.send(["GET", "where"]).string == "db2")
                let info = try #require(try unix.send(["CLIENT", "INFO"]).string)
                #expect(info.contains("laddr=\(server.unixSocketPath)") || info.contains("addr=/"))
            }
        }
    }

    @Test func unixSocketWithPassword() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "s3cret"]) { server in
            let unix = RedisConnection(
                configuration: try RedisConfiguration(url: "unix://\(server.unixSocketPath)?db=3&password=s3cret")
            )
            try unix.send(["SET", "k", "v"])
            let tcp = RedisConnection(configuration: try server.configuration(database: 3, password: "s3cret"))
            #expect(try tcp.send(["GET", "k"]).string == "v")
        }
    }

    @Test func selectDatabase() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let db5 = RedisConnection(configuration: try server.configuration(database: 5))
            try db5.send(["SET", "k", "five"])
            let keyspace = try #require(try server.command(["INFO", "keyspace"]).string)
            #expect(keyspace.contains("db5:keys=1"))
            #expect(!keyspace.contains("db0:"))
            #expect(try server.command(["GET", "k"]).isNull)  // the harness client is on db 0
            // The database is selected again after a reconnect.
            try await server.restart()
            #expect(try db5.send(["GET", "k"]).string == "five")
            #expect(try db5.send(["CLIENT", "INFO"]).string?.contains(" db=5 ") == true)
        }
    }

    @Test func databaseOutOfRangeIsAConfigurationError() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration(database: 99))
            let error = #expect(throws: RedisError.self) { try connection.send(["PING"]) }
            #expect(error?.code == .configuration && error?.isFatal == true)
            #expect(error?.message.hasPrefix("SELECT failed: ERR DB index is out of range") == true)
        }
    }

    // MARK: - Pipelining and binary safety

    @Test func thousandCommandsInOnePipeline() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let replies = try connection.pipeline((1...1000).map { ["LPUSH", "p", String($0)] })
            #expect(replies.count == 1000)
            #expect(replies == (1...1000).map { RedisReply.integer($0) })
            #expect(try server.command(["LLEN", "p"]).integer == 1000)
            #expect(try server.command(["LINDEX", "p", "0"]).string == "1000")

            let client = RedisClient(configuration: try server.configuration())
            let asyncReplies = try await client.pipeline((1...1000).map { _ in ["RPOP", "p"] })
            #expect(asyncReplies.count == 1000)
            #expect(asyncReplies.first?.string == "1" && asyncReplies.last?.string == "1000")
            #expect(try connection.pipeline([]) == [])
        }
    }

    @Test func pipelineReturnsErrorRepliesInPlace() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let replies = try connection.pipeline([
                ["SET", "s", "x"], ["LPUSH", "s", "y"], ["GET", "s"], ["GET", "none"],
            ])
            #expect(replies.count == 4)
            #expect(replies[0] == .status("OK"))
            guard case .error(let message) = replies[1] else {
                Issue.record("expected an error reply, got \(replies[1])")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(replies[2].string == "x" && replies[3].isNull)
        }
    }

    @Test func argumentsAndRepliesAreBinarySafe() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let key = "celery\u{06}\u{16}9"
            let value = "nul \u{0} sep \u{06}\u{16} é 😀 \r\n end"
            try connection.send(["SET", key, value])
            #expect(try connection.send(["GET", key]) == .bulk(Array(value.utf8)))
            #expect(try connection.send(["STRLEN", key]).integer == value.utf8.count)
            #expect(try connection.send(["GET", ""]).isNull)
            try connection.send(["SET", "", ""])
            #expect(try connection.send(["GET", ""]) == .bulk([]))

            let large = String(repeating: "x", count: 4 << 20)
            try connection.send(["SET", "large", large])
            #expect(try connection.send(["GET", "large"]).string?.utf8.count == 4 << 20)
        }
    }

    @Test func nestedRepliesAreCopied() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            try connection.send(["ZADD", "z", "1.5", "a", "2", "b"])
            #expect(
                try connection.send(["ZRANGE", "z", "0", "-1", "WITHSCORES"]).array?.compactMap(\.string) == [
                    "a", "1.5", "b", "2",
                ])
            let multi = try connection.pipeline([["MULTI"], ["INCR", "n"], ["LRANGE", "z-none", "0", "-1"], ["EXEC"]])
            #expect(multi[3] == .array([.integer(1), .array([])]))
        }
    }

    @Test func luaScripts() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let script = RedisScript(name: "echo", source: "return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}")
            #expect(
                try connection.evaluate(script, keys: ["k"], arguments: ["a", "41"])
                    == .array([.bulk(Array("k".utf8)), .bulk(Array("a".utf8)), .integer(42)]))
            let failing = RedisScript(name: "failing", source: "return redis.call('NOSUCHCOMMAND')")
            let error = #expect(throws: RedisError.self) { try connection.evaluate(failing) }
            #expect(error?.code == .reply && error?.message.hasPrefix("script failing:") == true)
        }
    }
}
