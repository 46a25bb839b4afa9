import Foundation
import TestSupport
import Testing

@testable import Broker

/// `CelerityClient.close()` and its deinit free the hiredis context: the real redis-server sees the connection go.
@Suite struct ClientCloseTests {
    /// Connections to `server`, not counting the one asking.
    static func connections(_ server: RedisServer) throws -> Int {
        let list = try server.command(["CLIENT", "LIST"]).string ?? ""
        return list.split(separator: "\n").filter { !$0.contains(" cmd=client") }.count
    }

    @Test("close() frees the client's connection and a later call connects again; a released client frees its own")
    func closeAndDeinitFreeTheConnection() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            _ = try await client.enqueue("demo.add", args: [1, 2])
            #expect(try Self.connections(server) == 1)
            client.close()
            try await poll(timeout: .seconds(5), "the closed connection to leave the server") { try Self.connections(server) == 0 }
            _ = try await client.enqueue("demo.add", args: [1, 2])
            #expect(try Self.connections(server) == 1)

            func sendWithAClientOfItsOwn() async throws {
                let other = CelerityClient(configuration: try server.configuration())
                _ = try await other.enqueue("demo.add", args: [3, 4])
                #expect(try Self.connections(server) == 2)
            }
            try await sendWithAClientOfItsOwn()
            try await poll(timeout: .seconds(5), "the released client's connection to leave the server") {
                try Self.connections(server) == 1
            }
            #expect(try server.command(["LLEN", "celery"]).integer == 3)
        }
    }
}
