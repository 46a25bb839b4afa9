import Foundation
import Testing
import TestSupport

@testable import Broker

/// The client, the result backend and the hiredis connection against a real redis-server.
@Suite struct RedisIntegrationTests {
    @Test func enqueueLandsInItsPriorityBucketWithLPUSH() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try RedisConfiguration(url: server.url))
            let first = try await client.enqueue("demo.add", args: [1, 2])
            let second = try await client.enqueue("demo.add", args: [3, 4])
            let urgent = try await client.enqueue("demo.add", options: TaskOptions(queue: "backups", priority: 9))
            let middle = try await client.enqueue("demo.add", options: TaskOptions(priority: 5))
            #expect(try server.command(["LLEN", "celery"]).integer == 2)
            #expect(try server.command(["LLEN", "backups\u{06}\u{16}9"]).integer == 1)
            #expect(try server.command(["LLEN", "celery\u{06}\u{16}3"]).integer == 1)
            // LPUSH + RPOP is FIFO: the first sent comes out first.
            let popped = try TaskMessage.decode(try server.command(["RPOP", "celery"]).string ?? "")
            #expect(popped.id == first && popped.args == [1, 2])
            #expect(try TaskMessage.decode(try server.command(["RPOP", "celery"]).string ?? "").id == second)
            #expect(try TaskMessage.decode(try server.command(["RPOP", "backups\u{06}\u{16}9"]).string ?? "").id == urgent)
            #expect(try TaskMessage.decode(try server.command(["RPOP", "celery\u{06}\u{16}3"]).string ?? "").id == middle)
            let depths = try await client.queueDepths(["celery"])
            #expect(depths.first?.total == 0)
        }
    }

    @Test func resultsAreStoredPublishedAndNeverOverwriteSuccess() async throws {
        try await withRedisServer { server in
            let configuration = try RedisConfiguration(url: server.url)
            let client = CelerityClient(configuration: configuration)
            let connection = RedisConnection(configuration: configuration)
            #expect(try await client.result("nothing").state == .pending)

            let success = TaskResult(taskID: "t1", state: .success, result: 5, dateDone: Date())
            #expect(try ResultBackend().store(success, on: connection))
            let ttl = try server.command(["TTL", "celery-task-meta-t1"]).integer ?? 0
            #expect(ttl > 86_000 && ttl <= 86_400)
            let failure = TaskResult(taskID: "t1", state: .failure, result: RemoteError(type: "ValueError", message: "late").json)
            #expect(try ResultBackend().store(failure, on: connection) == false)
            #expect(try await client.result("t1").result == 5)

            try ResultBackend(timeToLive: nil).store(TaskResult(taskID: "t2", state: .success, result: 1), on: connection)
            #expect(try server.command(["TTL", "celery-task-meta-t2"]).integer == -1)
        }
    }

    @Test func waitingReaderWakesOnPublish() async throws {
        try await withRedisServer { server in
            let configuration = try RedisConfiguration(url: server.url)
            let client = CelerityClient(configuration: configuration)
            let started = ContinuousClock.now
            async let waited = client.result("t3", timeout: .seconds(20))
            // Store once the reader has subscribed (it shows up in PUBSUB NUMSUB).
            try await poll(timeout: .seconds(5), "reader subscribed") {
                try server.command(["PUBSUB", "NUMSUB", "celery-task-meta-t3"]).array?.last?.integer == 1
            }
            let connection = RedisConnection(configuration: configuration)
            try ResultBackend().store(TaskResult(taskID: "t3", state: .started, result: ["pid": 1]), on: connection)
            try ResultBackend().store(TaskResult(taskID: "t3", state: .success, result: 42, dateDone: Date()), on: connection)
            let result = try await waited
            #expect(result.state == .success && result.result == 42)
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func resultWrittenBeforeTheWaitIsFoundByTheFirstGet() async throws {
        try await withRedisServer { server in
            let configuration = try RedisConfiguration(url: server.url)
            // A plain SET with no PUBLISH (as an old writer might do) before the reader starts.
            try server.command(["SET", "celery-task-meta-t4", TaskResult(taskID: "t4", state: .success, result: 7).encoded()])
            let result = try await CelerityClient(configuration: configuration).result("t4", timeout: .seconds(5))
            #expect(result.result == 7)
        }
    }

    @Test func waitTimesOutWithTheLastState() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try RedisConfiguration(url: server.url))
            await #expect(throws: ResultTimeoutError.self) { try await client.result("never", timeout: .milliseconds(300)) }
        }
    }

    @Test func connectionSurvivesARedisRestart() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: server.url))
            try connection.send(["SET", "k", "v"])
            try await server.restart()
            // The closed idle socket is noticed before the next command, which reconnects and succeeds.
            #expect(try connection.send(["GET", "k"]).string == "v")
        }
    }

    @Test func transportErrorsAreDistinctFromErrorReplies() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: server.url))
            try connection.send(["SET", "s", "x"])
            do {
                try connection.send(["LPUSH", "s", "y"])
                Issue.record("WRONGTYPE expected")
            } catch let error as RedisError {
                #expect(error.code == .reply && error.message.hasPrefix("WRONGTYPE"))
            }
        }
        var unreachable = try RedisConfiguration(url: "redis://:hunter2@127.0.0.1:\(try FreePort.allocate())/0")
        unreachable.reconnectTimeout = .zero
        do {
            try RedisConnection(configuration: unreachable).send(["PING"])
            Issue.record("connection to a closed port succeeded")
        } catch {
            #expect(error.code == .transport && error.isTransport)
            #expect(!error.description.contains("hunter2") && error.description.contains("127.0.0.1"))
        }
    }

    @Test func authSelectAndUnixSocket() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "s3cret"]) { server in
            let good = RedisConnection(configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/3"))
            try good.send(["SET", "in-db-3", "yes"])
            #expect(try server.command(["AUTH", "s3cret"]).string == "OK")
            var wrong = try RedisConfiguration(url: "redis://:wrong-password@127.0.0.1:\(server.port)/0")
            wrong.reconnectTimeout = .zero
            do {
                try RedisConnection(configuration: wrong).send(["PING"])
                Issue.record("a wrong password was accepted")
            } catch let error as RedisError {
                #expect(error.code == .reply && !error.description.contains("wrong-password"))
            }
            let unix = RedisConnection(configuration: try RedisConfiguration(url: "unix://\(server.unixSocketPath)?db=3&password=s3cret"))
            #expect(try unix.send(["GET", "in-db-3"]).string == "yes")
        }
    }

    @Test func pipelineReturnsEveryReply() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: server.url))
            let replies = try connection.pipeline((0..<1000).map { ["LPUSH", "p", String($0)] })
            #expect(replies.count == 1000 && replies.last == .integer(1000))
        }
    }
}
