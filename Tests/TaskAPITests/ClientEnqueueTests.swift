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

/// `archive(rotation_ids, reason)`: a chord body; Celery puts the header's results first.
private struct Archive: TaskParameters {
    static let taskName = "secrets.archive"
    static let parameters = ["rotation_ids", "reason"]
    static let queue = "archive"
    var rotation_ids: [String]
    var reason: String
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

    @Test("CelerityClient.chord with a typed body pushes the header with the body's kwargs and queue embedded")
    func typedChord() async throws {
        let server = try await RedisServer.start()
        do {
            let client = CelerityClient(configuration: try RedisConfiguration(url: server.url))
            let handle = try await client.chord(
                [try Signature(Retire(rotation_id: "a")), try Signature(Retire(rotation_id: "b"))],
                body: Archive(rotation_ids: [], reason: "expired")
            )
            #expect(handle.headerIDs.count == 2)
            #expect(try await client.redis.send(["LLEN", "secrets"]).integer == 2)
            let raw = try #require(try await client.redis.send(["LINDEX", "secrets", "0"]).string)
            let body = try #require(try TaskMessage.decode(raw).embed["chord"])
            #expect(body["task"]?.stringValue == "secrets.archive")
            #expect(body["args"] == [])
            #expect(body["kwargs"] == ["reason": "expired"])
            #expect(body["options"]?["queue"]?.stringValue == "archive")
            #expect(body["options"]?["task_id"]?.stringValue == handle.bodyID)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
