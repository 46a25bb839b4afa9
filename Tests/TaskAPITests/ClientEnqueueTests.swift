import Broker
import Foundation
import TaskAPI
import TestSupport
import Testing

private struct Retire: TaskParameters {
    static let taskName = "secrets.retire_previous"
    static let parameters = ["rotation_id"]
    static let queue = "secrets"
    var rotation_id: String
}

@Suite struct ClientEnqueueTests {
    @Test("CelerityClient.enqueue with a countdown or an ETA pushes onto the task's default queue in Redis")
    func countdownKeepsQueue() async throws {
        let server = try await RedisServer.start()
        do {
            let client = CelerityClient(configuration: try RedisConfiguration(url: server.url))
            try await client.enqueue(Retire(rotation_id: "r1"), options: SendOptions(countdown: .seconds(3600)))
            try await client.enqueue(Retire(rotation_id: "r2"), options: SendOptions(eta: Date(timeIntervalSinceNow: 3600)))
            try await client.enqueue(Retire(rotation_id: "r3"), options: SendOptions(queue: "urgent", countdown: .seconds(5)))
            #expect(try await client.redis.send(["LLEN", "secrets"]).integer == 2)
            #expect(try await client.redis.send(["LLEN", "urgent"]).integer == 1)
            #expect(try await client.redis.send(["LLEN", "celery"]).integer == 0)
            let raw = try #require(try await client.redis.send(["LINDEX", "secrets", "0"]).string)
            let message = try TaskMessage.decode(raw)
            #expect(message.eta != nil)
            #expect(message.args == ["r2"])
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
