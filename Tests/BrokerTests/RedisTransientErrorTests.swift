import Foundation
import TestSupport
import Testing

@testable import Broker

/// `RedisError` as a ``TransientError``: which failures of a real redis-server a retry may cure.
@Suite struct RedisTransientErrorTests {
    /// A server over `maxmemory` (OOM) or turned into a replica (READONLY) refuses for a while: transient.
    /// A command against the wrong type (WRONGTYPE) or an unknown command (ERR) fails every time: permanent.
    @Test func errorRepliesOfAPassingStateAreTransientOthersPermanent() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try RedisConfiguration(url: server.url(database: 0)))
            try await client.send(["SET", "text", "v"])

            _ = try server.command("CONFIG", "SET", "maxmemory", "1")
            let outOfMemory = try await refusal(client, ["SET", "k", "v"])
            #expect(outOfMemory.code == .reply && outOfMemory.replyCode == "OOM")
            #expect(isTransient(outOfMemory))
            _ = try server.command("CONFIG", "SET", "maxmemory", "0")

            let wrongType = try await refusal(client, ["LPUSH", "text", "x"])
            #expect(wrongType.replyCode == "WRONGTYPE")
            #expect(!isTransient(wrongType))
            let unknown = try await refusal(client, ["NOSUCHCOMMAND"])
            #expect(unknown.replyCode == "ERR")
            #expect(!isTransient(unknown))

            let closedPort = try FreePort.allocate()
            _ = try server.command("REPLICAOF", "127.0.0.1", String(closedPort))
            let readOnly = try await refusal(client, ["SET", "k", "v"])
            #expect(readOnly.code == .reply && readOnly.replyCode == "READONLY")
            #expect(isTransient(readOnly))
            _ = try server.command("REPLICAOF", "NO", "ONE")
        }
    }

    /// Nothing listening (connection refused) is transient; a wrong password is configuration, permanent.
    @Test func refusedConnectionIsTransientWrongPasswordPermanent() async throws {
        let closedPort = try FreePort.allocate()
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(closedPort)/0")
        configuration.reconnectTimeout = .zero
        let refused = try #require(throws: RedisError.self) {
            try RedisConnection(configuration: configuration).connect()
        }
        #expect(refused.code == .transport)
        #expect(isTransient(refused))

        try await withRedisServer(extraArguments: ["--requirepass", "right-password"]) { server in
            let wrong = try RedisConfiguration(url: "redis://:wrong-password@127.0.0.1:\(server.port)/0")
            let error = try #require(throws: RedisError.self) { try RedisConnection(configuration: wrong).connect() }
            #expect(error.code == .configuration)
            #expect(!isTransient(error))
        }
    }

    /// The reply code is the first word in capitals, after the lower-case context this client adds.
    @Test(arguments: [
        ("OOM command not allowed when used memory > 'maxmemory'.", "OOM", true),
        ("script enqueue: OOM command not allowed when used memory > 'maxmemory'.", "OOM", true),
        ("script take: BUSY Redis is busy running a script.", "BUSY", true),
        ("LOADING Redis is loading the dataset in memory", "LOADING", true),
        ("script take: ERR user_script:1: Script attempted to access nonexistent global variable", "ERR", false),
        ("NOSCRIPT No matching script.", "NOSCRIPT", false),
    ])
    func replyCodeIsReadPastTheContext(message: String, code: String, transient: Bool) {
        let error = RedisError(code: .reply, message: message, endpoint: "redis://h:1/0")
        #expect(error.replyCode == code)
        #expect(error.isTransient == transient)
    }

    @Test func protocolViolationIsPermanentTimeoutTransient() {
        let endpoint = "redis://h:1/0"
        let violation = RedisError(code: .protocolViolation, message: "a reply of an unknown type", endpoint: endpoint)
        #expect(!violation.isTransient)
        #expect(RedisError(code: .timeout, message: "no reply in 10 s", endpoint: endpoint).isTransient)
    }

    private func refusal(_ client: RedisClient, _ command: [String]) async throws -> RedisError {
        do {
            let reply = try await client.send(command)
            Issue.record("\(command) was not refused: \(reply)")
            throw CancellationError()
        } catch let error as RedisError {
            return error
        }
    }

    /// Read through the protocol, as a retry filter does.
    private func isTransient(_ error: any Error) -> Bool { (error as? any TransientError)?.isTransient ?? false }
}
