import Foundation
import TestSupport
import Testing

@testable import Broker

/// `CelerityClient` sending tasks to a real redis-server: the list keys, the LPUSH order, the exact bytes.
@Suite struct ClientIntegrationTests {
    static let separator = "\u{06}\u{16}"

    @Test func enqueueLandsInThePriorityBucketOfItsQueue() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            var sent: [String: (id: String, priority: Int, queue: String)] = [:]
            for (queue, priority, key) in [
                ("backups", 0, "backups"), ("backups", 5, "backups\u{06}\u{16}3"),
                ("backups", 9, "backups\u{06}\u{16}9"),
                ("celery", 0, "celery"), ("celery", 7, "celery\u{06}\u{16}6"),
            ] {
                let id = try await client.enqueue(
                    "backups.run", args: [.int(priority)], options: TaskOptions(queue: queue, priority: priority)
                )
                sent[key] = (id, priority, queue)
            }
            // Exactly these lists exist, one message each, and the sent counter: the client writes nothing else.
            let keys = try #require(try server.command(["KEYS", "*"]).strings).compactMap { $0 }
            #expect(Set(keys) == Set(sent.keys).union([SentCounter.key]))
            for (queue, count) in [("backups", "3"), ("celery", "2")] {
                let field = SentCounter.field(queue: queue, name: "backups.run", sender: client.sender)
                #expect(try server.command(["HGET", SentCounter.key, field]).string == count, "sent to \(queue)")
            }
            for (key, expected) in sent {
                #expect(try server.command(["TYPE", key]).string == "list")
                #expect(try server.command(["LLEN", key]).integer == 1, "LLEN \(key.debugDescription)")
                let raw = try #require(try server.command(["LRANGE", key, "0", "-1"]).strings?.first ?? nil)
                let message = try TaskMessage.decode(raw)
                #expect(message.id == expected.id)
                #expect(message.task == "backups.run")
                #expect(message.args == [.int(expected.priority)])
                #expect(message.priority == expected.priority)
                #expect(message.queue == expected.queue)
                #expect(
                    message.properties["delivery_info"] == ["exchange": "", "routing_key": .string(expected.queue)])
                #expect(message.listKey == key)
            }
            let depths = try await client.queueDepths(["backups", "celery", "empty"])
            #expect(depths.map(\.queue) == ["backups", "celery", "empty"])
            #expect(depths[0].buckets.map(\.count) == [1, 1, 0, 1])
            #expect(depths[1].buckets.map(\.count) == [1, 0, 1, 0])
            #expect(depths[2].total == 0)
            #expect(depths[0].buckets.map(\.step) == [0, 3, 6, 9])
            #expect(try await client.discoverQueues() == ["backups", "celery"])
        }
    }

    /// LPUSH (newest at the head) + RPOP (oldest from the tail) is FIFO, as with a Celery worker's BRPOP.
    @Test func messagesArePushedAtTheHeadAndPoppedFirstInFirstOut() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let first = try await client.enqueue("tasks.add", args: [1, 1])
            let second = try await client.enqueue("tasks.add", args: [2, 2])
            let listed = try #require(try server.command(["LRANGE", "celery", "0", "-1"]).strings)
            #expect(try listed.map { try TaskMessage.decode($0 ?? "").id } == [second, first])

            let popped = try TaskMessage.decode(try #require(try server.command(["RPOP", "celery"]).string))
            #expect(popped.id == first && popped.args == [1, 1])
            #expect(try TaskMessage.decode(try #require(try server.command(["RPOP", "celery"]).string)).id == second)
            #expect(try server.command(["RPOP", "celery"]).isNull)
        }
    }

    @Test func storedBytesAreTheEncodedEnvelope() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let message = TaskMessage.make(
                task: "tasks.add", args: [2, 3], kwargs: ["note": "é"],
                options: TaskOptions(priority: 4, countdown: .seconds(30), expiresIn: .seconds(60), taskID: "fixed")
            )
            try await client.send(message)
            let stored = try #require(try server.command(["LINDEX", "celery\u{06}\u{16}3", "0"]).string)
            #expect(stored == message.encoded())
            #expect(try TaskMessage.decode(stored) == message)
        }
    }

    @Test func codableArgumentsBecomeKwargsOrArgs() async throws {
        struct Invoice: Codable {
            var id: Int
            var customer: String
        }
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let kwargsID = try await client.enqueue("invoices.process", arguments: Invoice(id: 7, customer: "ACME"))
            let argsID = try await client.enqueue("tasks.add", arguments: [2, 3])
            let singleID = try await client.enqueue("tasks.echo", arguments: "hello")
            let listed = try #require(try server.command(["LRANGE", "celery", "0", "-1"]).strings)
            let messages = try listed.map { try TaskMessage.decode($0 ?? "") }
            let byID = Dictionary(uniqueKeysWithValues: messages.map { ($0.id, $0) })
            #expect(byID[kwargsID]?.kwargs["id"] == 7 && byID[kwargsID]?.kwargs["customer"] == "ACME")
            #expect(byID[kwargsID]?.args == [])
            #expect(byID[argsID]?.args == [2, 3] && byID[argsID]?.kwargs == [:])
            #expect(byID[singleID]?.args == ["hello"])
        }
    }

    @Test func batchOfAThousandGoesOutInOnePipeline() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let messages = (0..<1000).map { index in
                TaskMessage.make(task: "tasks.add", args: [.int(index)], options: TaskOptions(priority: index % 10))
            }
            try await client.send(batch: messages)
            let counts = try PriorityBuckets.listKeys(queue: "celery").map { try server.command(["LLEN", $0]).integer }
            #expect(counts == [300, 300, 300, 100])
            // Within a bucket the order is the order sent.
            let oldest = try TaskMessage.decode(
                try #require(try server.command(["RPOP", "celery\u{06}\u{16}9"]).string))
            #expect(oldest.args == [9])
            #expect(Set(messages.map(\.deliveryTag)).count == 1000)
        }
    }

    /// A client made before the server restarts keeps sending afterwards.
    @Test func clientSendsAfterARestart() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let client = CelerityClient(configuration: try server.configuration())
            let before = try await client.enqueue("tasks.add")
            try await server.restart()
            let after = try await client.enqueue("tasks.add")
            let listed = try #require(try server.command(["LRANGE", "celery", "0", "-1"]).strings)
            #expect(try listed.map { try TaskMessage.decode($0 ?? "").id } == [after, before])
        }
    }
}
