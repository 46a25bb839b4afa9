import Foundation
import TestSupport
import Testing

@testable import Broker

/// The Redis result backend against a real redis-server (wire spec §6): the store script, TTLs, the SUCCESS
/// guard, and Celery's SUBSCRIBE → GET → wait-for-PUBLISH read.
@Suite struct ResultBackendIntegrationTests {
    static func success(_ id: String, _ value: JSONValue = 5) -> TaskResult {
        TaskResult(taskID: id, state: .success, result: value, dateDone: Date())
    }

    static func failure(_ id: String) -> TaskResult {
        TaskResult(
            taskID: id, state: .failure, result: RemoteError(type: "ValueError", message: "boom").json,
            traceback: "Traceback (most recent call last):\nValueError: boom\n", dateDone: Date()
        )
    }

    static func started(_ id: String) -> TaskResult {
        TaskResult(taskID: id, state: .started, result: ["pid": 1, "hostname": "celerity@test"])
    }

    @Test func storeThenRead() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let client = CelerityClient(configuration: try server.configuration())
            let stored = Self.success("t-1", ["sum": 5])
            #expect(try ResultBackend().store(stored, on: connection))
            #expect(try server.command(["GET", "celery-task-meta-t-1"]).string == stored.encoded())
            let read = try await client.result("t-1")
            #expect(read.state == .success && read.result == ["sum": 5] && read.taskID == "t-1")
            #expect(read.dateDone.map(CeleryTime.format) == stored.dateDone.map(CeleryTime.format))
            #expect(try ResultBackend().fetch(taskID: "t-1", on: connection).encoded() == stored.encoded())

            let failed = Self.failure("t-2")
            try ResultBackend().store(failed, on: connection)
            let readFailure = try await client.result("t-2")
            #expect(
                readFailure.state == .failure && readFailure.error == RemoteError(type: "ValueError", message: "boom"))
        }
    }

    @Test func pendingWhenThereIsNoKey() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let result = try await client.result("never-sent")
            #expect(result.state == .pending && result.taskID == "never-sent" && result.result == .null)
        }
    }

    @Test func timeToLive() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            #expect(ResultBackend().timeToLive == .seconds(86400))
            try ResultBackend().store(Self.success("default"), on: connection)
            let ttl = try #require(try server.command(["TTL", "celery-task-meta-default"]).integer)
            #expect(ttl > 86_300 && ttl <= 86_400)

            try ResultBackend(timeToLive: nil).store(Self.success("forever"), on: connection)
            #expect(try server.command(["TTL", "celery-task-meta-forever"]).integer == -1)
            #expect(try server.command(["EXISTS", "celery-task-meta-forever"]).integer == 1)

            try ResultBackend(timeToLive: .seconds(60)).store(Self.success("minute"), on: connection)
            let minute = try #require(try server.command(["TTL", "celery-task-meta-minute"]).integer)
            #expect(minute > 0 && minute <= 60)

            // A fraction of a second rounds up: Redis TTLs are whole seconds, and zero would mean "gone".
            try ResultBackend(timeToLive: .milliseconds(1500)).store(Self.success("short"), on: connection)
            let short = try #require(try server.command(["PTTL", "celery-task-meta-short"]).integer)
            #expect(short > 1000 && short <= 2000)
        }
    }

    /// The worker never overwrites SUCCESS (wire spec §6.1, trap 9), and a refused store publishes nothing.
    @Test func successIsNeverOverwritten() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let subscriber = RedisConnection(configuration: try server.configuration())
            let key = ResultBackend.key(taskID: "t")
            try subscriber.subscribe([key])

            #expect(try ResultBackend().store(Self.started("t"), on: connection))
            #expect(try ResultBackend().store(Self.failure("t"), on: connection))  // FAILURE replaces STARTED
            let success = Self.success("t", 42)
            #expect(try ResultBackend().store(success, on: connection))
            #expect(try ResultBackend().store(Self.failure("t"), on: connection) == false)
            #expect(try ResultBackend().store(Self.started("t"), on: connection) == false)
            #expect(try ResultBackend().store(Self.success("t", 43), on: connection) == false)
            #expect(try server.command(["GET", key]).string == success.encoded())
            let client = CelerityClient(configuration: try server.configuration())
            #expect(try await client.result("t").result == 42)

            // Published: STARTED, FAILURE, SUCCESS, and then nothing until our marker.
            #expect(try server.command(["PUBLISH", key, "marker"]).integer == 1)
            var payloads: [String] = []
            while payloads.last != "marker" {
                let push = try #require(try subscriber.nextPush(timeout: .seconds(10)))
                payloads.append(try #require(push.array?[2].string))
            }
            let states = try payloads.dropLast().map { try TaskResult.decode($0, taskID: "t").state }
            #expect(states == [.started, .failure, .success])
            #expect(payloads[2] == success.encoded())
        }
    }

    /// The store publishes the same bytes it stores, on the channel named like the key.
    @Test func storePublishesTheStoredBytes() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            let subscriber = RedisConnection(configuration: try server.configuration())
            try subscriber.subscribe([ResultBackend.key(taskID: "p")])
            let result = Self.success("p", "é")
            try ResultBackend().store(result, on: connection)
            let push = try #require(try subscriber.nextPush(timeout: .seconds(10)))
            #expect(
                push
                    == .array([
                        .bulk(Array("message".utf8)), .bulk(Array("celery-task-meta-p".utf8)),
                        .bulk(Array(result.encoded().utf8)),
                    ]))
            #expect(try server.command(["GET", "celery-task-meta-p"]).string == result.encoded())
            // Nothing else arrives; the connection stays usable after a wait that times out.
            #expect(try subscriber.nextPush(timeout: .milliseconds(50)) == nil)
        }
    }

    /// A reader that is already waiting wakes on the PUBLISH, long before its timeout.
    @Test func waitingReaderWakesOnPublish() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let configuration = try server.configuration()
            let start = ContinuousClock.now
            async let waited = client.result("w", timeout: .seconds(60))
            try await server.waitForResultReader(taskID: "w")
            // Another task stores the states, as a worker would.
            let writer = Task {
                let connection = RedisConnection(configuration: configuration)
                try ResultBackend().store(Self.started("w"), on: connection)  // not ready: the reader keeps waiting
                try ResultBackend().store(Self.success("w", 42), on: connection)
            }
            let result = try await waited
            try await writer.value
            #expect(result.state == .success && result.result == 42)
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    /// A reader keeps waiting across a Redis restart: it subscribes again, reads again (a PUBLISH sent while it
    /// was disconnected is lost), and returns the result stored after the restart.
    @Test func waitingReaderSurvivesARedisRestart() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let client = CelerityClient(configuration: try server.configuration())
            async let waited = client.result("rs", timeout: .seconds(60))
            try await server.waitForResultReader(taskID: "rs")
            try await server.restart()
            try ResultBackend().store(
                Self.success("rs", 9), on: RedisConnection(configuration: try server.configuration()))
            let result = try await waited
            #expect(result.state == .success && result.result == 9)
        }
    }

    /// After a restart the reader reads again: a document it could not see before (SET without PUBLISH after its
    /// first GET, kept in the AOF) is found by the GET that follows its new SUBSCRIBE.
    @Test func readerReadsAgainAfterReconnecting() async throws {
        try await withRedisServer(appendOnly: true) { server in
            let client = CelerityClient(configuration: try server.configuration())
            async let waited = client.result("rr", timeout: .seconds(60))
            try await server.waitForResultReader(taskID: "rr")
            try server.command(["SET", "celery-task-meta-rr", Self.success("rr", 10).encoded()])
            try await server.restart()
            let result = try await waited
            #expect(result.result == 10)
        }
    }

    @Test func waitingReaderReturnsAFailure() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            async let waited = client.result("f", timeout: .seconds(60))
            try await server.waitForResultReader(taskID: "f")
            try ResultBackend().store(Self.failure("f"), on: RedisConnection(configuration: try server.configuration()))
            let result = try await waited
            #expect(result.state == .failure && result.error?.message == "boom")
        }
    }

    /// Capture 11: a document written with a plain SET (no PUBLISH) after the reader's GET never wakes it.
    @Test func plainSetWithoutPublishDoesNotWakeTheReader() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            async let waited = measure { try await client.result("s", timeout: .seconds(3)) }
            try await server.waitForResultReader(taskID: "s")
            #expect(try server.command(["SET", "celery-task-meta-s", Self.success("s").encoded()]) == .simple("OK"))
            do {
                let (result, _) = try await waited
                Issue.record("the reader woke without a PUBLISH: \(result.state)")
            } catch let error as ResultTimeoutError {
                #expect(error.taskID == "s" && error.lastState == .pending)
            }
            // The document is there for the next GET.
            #expect(try await client.result("s").state == .success)
        }
    }

    /// The same, without waiting for a timeout: the reader returns what was published, not what was SET.
    @Test func readerReturnsThePublishedDocumentNotTheSetOne() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            async let waited = client.result("d", timeout: .seconds(60))
            try await server.waitForResultReader(taskID: "d")
            try server.command(["SET", "celery-task-meta-d", Self.success("d", 1).encoded()])
            #expect(try server.command(["PUBLISH", "celery-task-meta-d", Self.success("d", 2).encoded()]).integer == 1)
            #expect(try await waited.result == 2)
        }
    }

    /// …but a document SET before the read starts is found by the first GET.
    @Test func plainSetBeforeTheReadIsFoundByTheFirstGet() async throws {
        try await withRedisServer { server in
            try server.command(["SET", "celery-task-meta-b", Self.success("b", 7).encoded()])
            let client = CelerityClient(configuration: try server.configuration())
            let (result, elapsed) = try await measure { try await client.result("b", timeout: .seconds(30)) }
            #expect(result.result == 7)
            #expect(elapsed < .seconds(10))
        }
    }

    @Test func timeoutSaysWhatWasSeenLast() async throws {
        try await withRedisServer { server in
            let client = CelerityClient(configuration: try server.configuration())
            let pending = await #expect(throws: ResultTimeoutError.self) {
                try await measure { try await client.result("slow", timeout: .milliseconds(300)) }
            }
            #expect(
                pending?.taskID == "slow" && pending?.lastState == .pending && pending?.waited == .milliseconds(300))

            try ResultBackend().store(
                Self.started("busy"), on: RedisConnection(configuration: try server.configuration()))
            let (error, elapsed) = await measure {
                await #expect(throws: ResultTimeoutError.self) {
                    try await client.result("busy", timeout: .milliseconds(300))
                }
            }
            #expect(error?.lastState == .started)
            #expect(error?.description == "task busy is still STARTED after waiting 0.3s")
            #expect(elapsed >= .milliseconds(300))
            // The subscriber connection is closed afterwards.
            #expect(try server.command(["PUBSUB", "NUMSUB", "celery-task-meta-busy"]).array?.last?.integer == 0)
        }
    }

    /// The store script is loaded again when Redis forgot it (SCRIPT FLUSH, or a restart).
    @Test func storeSurvivesAScriptFlushAndARestart() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try server.configuration())
            #expect(try ResultBackend().store(Self.started("r"), on: connection))
            #expect(try server.command(["SCRIPT", "FLUSH"]) == .simple("OK"))
            #expect(try ResultBackend().store(Self.failure("r"), on: connection))
            try await server.restart()
            #expect(try ResultBackend().store(Self.success("r"), on: connection))
            #expect(try ResultBackend().fetch(taskID: "r", on: connection).state == .success)
        }
    }

    @Test func unreadableDocumentIsAnError() async throws {
        try await withRedisServer { server in
            try server.command(["SET", "celery-task-meta-x", "not json"])
            let client = CelerityClient(configuration: try server.configuration())
            await #expect(throws: ResultDecodingError.self) { try await client.result("x") }
        }
    }
}
