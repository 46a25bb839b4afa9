import Foundation
import TestSupport
import Testing

@testable import Broker

/// Which failures are fatal configuration errors (stop, fix the URL) and which are transient (retry).
@Suite struct FatalConfigurationTests {
    // MARK: - Classification of refused connection setup

    @Test(arguments: [
        ("AUTH", "WRONGPASS invalid username-password pair or user is disabled."),
        ("AUTH", "ERR AUTH <password> called without any password configured for the default user."),
        ("PING", "NOAUTH Authentication required."),
        ("SELECT", "ERR DB index is out of range"),
        ("SELECT", "NOPERM this user has no permissions to run the 'select' command"),
    ])
    func refusedSetupIsFatal(command: String, message: String) {
        let error = RedisError.setupRefusal(command: command, message: message, endpoint: "redis://:***@h:1/0")
        #expect(error.code == .configuration && error.isFatal && !error.isTransport)
        #expect(error.description.hasSuffix("fix --redis-url or CELERITY_REDIS_URL"))
    }

    /// A Redis loading its dataset after a restart is not ready yet: transport, retried with backoff.
    @Test(arguments: ["AUTH", "SELECT", "PING"])
    func loadingIsTransient(command: String) {
        let error = RedisError.setupRefusal(
            command: command, message: "LOADING Redis is loading the dataset in memory", endpoint: "redis://h:1/0"
        )
        #expect(error.isTransport && !error.isFatal)
    }

    /// Any other refusal of PING is an ordinary reply error (it surfaces on the first real command).
    @Test func otherPingRefusalIsAReply() {
        let error = RedisError.setupRefusal(command: "PING", message: "MASTERDOWN Link with MASTER is down", endpoint: "redis://h:1/0")
        #expect(error.code == .reply)
    }

    // MARK: - Unix sockets

    @Test func missingSocketDirectoryIsAlwaysFatal() {
        #expect(RedisConnection.socketProblem("/nonexistent-celerity/redis.sock", everConnected: true)?.contains("does not exist") == true)
    }

    /// Redis removes its socket while it restarts: a missing socket file is fatal only before the first connection.
    @Test func missingSocketFileIsFatalOnlyBeforeTheFirstConnection() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("redis.sock").path
        #expect(RedisConnection.socketProblem(path, everConnected: false)?.hasPrefix("no Unix socket at \(path)") == true)
        #expect(RedisConnection.socketProblem(path, everConnected: true) == nil)
        try "not a socket".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(RedisConnection.socketProblem(path, everConnected: true) == "\(path) is not a Unix socket")
    }

    @Test func nonexistentSocketFailsAtOnce() async throws {
        var configuration = try RedisConfiguration(url: "unix:///nonexistent-celerity/redis.sock")
        configuration.reconnectTimeout = .seconds(30)
        let (error, elapsed) = await measure {
            #expect(throws: RedisError.self) { try RedisConnection(configuration: configuration).connect() }
        }
        #expect(error?.isFatal == true)
        #expect(elapsed < .seconds(5))
    }

    /// While a Redis behind a Unix socket restarts (the socket file is gone for a moment) a connection that
    /// was connected waits for it, and carries on.
    @Test func socketRemovedDuringARestartIsTransient() async throws {
        try await withRedisServer(appendOnly: true) { server in
            var configuration = try RedisConfiguration(url: "unix://\(server.unixSocketPath)")
            configuration.reconnectTimeout = .seconds(30)
            let client = RedisClient(configuration: configuration)
            try await client.send(["SET", "k", "v"])
            await server.kill()
            try? FileManager.default.removeItem(atPath: server.unixSocketPath)
            async let reply = client.send(["GET", "k"])
            try await server.restart()
            #expect(try await reply.string == "v")
        }
    }

    // MARK: - URL options

    @Test func unknownURLOptionIsRefused() {
        let error = #expect(throws: RedisURLError.self) { try RedisConfiguration(url: "redis://:pw@h:1/0?socket_timeout=5") }
        #expect(error?.description == "invalid Redis URL: unknown option \"socket_timeout\"; the options are db, password")
        #expect(throws: RedisURLError.self) { try RedisConfiguration(url: "unix:///tmp/r.sock?db=1&dbx=2") }
    }
}
