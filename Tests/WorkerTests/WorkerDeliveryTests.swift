import Broker
import Foundation
import Operations
import TestSupport
import Testing
import Worker

#if canImport(Glibc)
import Glibc
#endif

extension WorkerTests {
    // MARK: 5. malformed envelopes and unknown task names are dead-lettered; requeue works

    @Test("5. every malformed envelope of wire spec §3.7 and an unknown task land in the DLQ with their reason; requeue works")
    func malformedMessagesAreDeadLettered() async throws {
        try await withFixture { f in
            let node = try await f.startWorker()
            let pidsBefore = Set(node.processes().keys)

            let unknown = TaskMessage.make(task: "test.no_such_task", args: [1])
            let cases: [(name: String, envelope: String, reason: String)] = [
                ("missing delivery_tag", try envelope { $0.properties { $0["delivery_tag"] = Optional<JSONValue>.none } },
                 "properties.delivery_tag is missing"),
                ("missing delivery_info", try envelope { $0.properties { $0["delivery_info"] = Optional<JSONValue>.none } },
                 "properties.delivery_info is missing"),
                ("2-element body", try envelope { $0["body"] = .string(Data("[[1, 2], {}]".utf8).base64EncodedString()) },
                 "body has 2 elements"),
                ("pickle content type", try envelope { $0["content-type"] = "application/x-python-serialize" },
                 "content-type \"application/x-python-serialize\" is not supported"),
                ("invalid JSON", "{\"body\": \"W1tdLCB7fSwge31d\", \"headers\": {\"task\": ", "envelope is not valid JSON"),
                ("bad base64", try envelope { $0["body"] = "%%% not base64 %%%" }, "body is not valid base64"),
                ("unknown task", unknown.encoded(), "unknown task name \"test.no_such_task\""),
            ]
            try await f.db.pipeline(cases.map { ["LPUSH", "celery", $0.envelope] })

            let entries = try await f.poll("\(cases.count) dead-letter entries", timeout: .seconds(10), node: node) {
                let entries = try await f.deadLetters()
                return entries.count >= cases.count ? entries : nil
            }
            #expect(entries.count == cases.count)
            for (name, envelope, reason) in cases {
                let entry = entries.first { $0["envelope"]?.stringValue == envelope }
                #expect(entry != nil, "\(name): no dead-letter entry holds the original envelope")
                let stored = entry?["reason"]?.stringValue ?? ""
                #expect(stored.contains(reason), "\(name): reason is \"\(stored)\", expected \"\(reason)\"")
            }
            let failure = try await f.waitForResult(unknown.id, .failure, node: node)
            #expect(failure.error?.type == "NotRegistered")
            #expect(failure.error?.arguments == [.string("test.no_such_task")])
            #expect(failure.error?.module == "celery.exceptions")
            // Never crashing a process, never leaving a message behind.
            #expect(Set(node.processes().keys) == pidsBefore)
            #expect(try await f.messagesInFlight() == 0)

            // The library view agrees with the stored entries.
            let listed = try await f.db.withConnection { try DeadLetterQueue().list(on: $0) }
            #expect(Set(listed.map(\.envelope)) == Set(cases.map(\.envelope)))

            // The CLI: list, show (and show of an unknown id fails).
            let unknownEntry = try #require(listed.first { $0.taskID == unknown.id })
            let list = try await f.celerity(["dlq", "list"])
            #expect(list.status == 0, "dlq list: \(list.output)")
            #expect(list.output.contains("\(cases.count) dead-lettered message(s)"), "\(list.output)")
            for entry in listed { #expect(list.output.contains(entry.id), "dlq list lacks \(entry.id)") }
            let show = try await f.celerity(["dlq", "show", unknownEntry.id])
            #expect(show.status == 0, "dlq show: \(show.output)")
            #expect(show.output.contains("reason:   unknown task name \"test.no_such_task\""), "\(show.output)")
            #expect(show.output.contains("envelope: \(unknown.encoded())"))
            let missing = try await f.celerity(["dlq", "show", "no-such-entry"])
            #expect(missing.status != 0)

            // Requeue: a task that exhausted its retries is dead-lettered; requeued, it runs again.
            let failing = try await f.client.enqueue("test.always_fail", args: ["rec:requeue"])
            let firstEntry = try await f.poll("always_fail to be dead-lettered", timeout: .seconds(10), node: node) {
                try await f.deadLetters().first { $0["task_id"]?.stringValue == failing }
            }
            #expect(try await f.list("rec:requeue").count == 3)
            let entryID = try #require(firstEntry["id"]?.stringValue)
            let requeue = try await f.celerity(["dlq", "requeue", entryID])
            #expect(requeue.status == 0, "dlq requeue: \(requeue.output)")
            #expect(requeue.output.contains("requeued 1 message(s)"), "\(requeue.output)")
            try await f.poll("the requeued message to run again", timeout: .seconds(10), node: node) {
                try await f.list("rec:requeue").count == 4 ? true : nil
            }
            try await f.poll("the requeued message to be dead-lettered again", timeout: .seconds(10), node: node) {
                let again = try await f.deadLetters().filter { $0["task_id"]?.stringValue == failing }
                return again.count == 1 && again[0]["id"]?.stringValue != entryID ? true : nil
            }

            // Purge empties the DLQ.
            let purge = try await f.celerity(["dlq", "purge"])
            #expect(purge.status == 0, "dlq purge: \(purge.output)")
            #expect(purge.output.contains("purged \(cases.count + 1) message(s)"), "\(purge.output)")
            #expect(try await f.send("ZCARD", "celerity:dlq").integer == 0)
            #expect(try await f.send("HLEN", "celerity:dlq:entries").integer == 0)
            let empty = try await f.celerity(["dlq", "list"])
            #expect(empty.status == 0 && empty.output.contains("0 dead-lettered message(s)"), "\(empty.output)")
        }
    }

    // MARK: 6. warm and cold shutdown

    @Test("6. warm shutdown (SIGTERM) waits for the running task; cold shutdown (SIGQUIT) requeues it for the next worker")
    func warmAndColdShutdown() async throws {
        try await withFixture { f in
            // Warm: the running task finishes, then the supervisor exits 0.
            let warm = try await f.startWorker()
            let warmID = try await f.client.enqueue("test.sleep_record", args: ["rec:warm", 2.0])
            try await f.poll("start:\(warmID)", timeout: .seconds(10), node: warm) {
                try await f.list("rec:warm").contains("start:" + warmID) ? true : nil
            }
            warm.process.signal(SIGTERM)
            let warmStatus = try await warm.process.waitForExit(timeout: .seconds(10))
            #expect(warmStatus == .exited(0), "warm shutdown ended with \(warmStatus)")
            #expect(try await f.list("rec:warm") == ["start:" + warmID, "done:" + warmID])
            #expect(try await f.result(warmID).state == .success)
            #expect(try await f.messagesInFlight() == 0)

            // Cold: the supervisor stops at once; the message is back on its queue; the next worker runs it.
            let cold = try await f.startWorker()
            let coldID = try await f.client.enqueue("test.sleep_record", args: ["rec:cold", 3.0])
            try await f.poll("start:\(coldID)", timeout: .seconds(10), node: cold) {
                try await f.list("rec:cold").contains("start:" + coldID) ? true : nil
            }
            let signalled = ContinuousClock.now
            cold.process.signal(SIGQUIT)
            let coldStatus = try await cold.process.waitForExit(timeout: .seconds(5))
            #expect(ContinuousClock.now - signalled < .seconds(2), "cold shutdown waited for the task")
            #expect(coldStatus == .exited(0), "cold shutdown ended with \(coldStatus)")
            #expect(try await f.list("rec:cold") == ["start:" + coldID])
            let queued = try await f.list("celery").compactMap { try? TaskMessage.decode($0).id }
            #expect(queued == [coldID], "after a cold shutdown the ready list holds \(queued)")
            #expect(try await f.processingListLengths().values.reduce(0, +) == 0)

            let next = try await f.startWorker()
            try await f.waitForResult(coldID, .success, timeout: .seconds(10), node: next)
            #expect(try await f.list("rec:cold") == ["start:" + coldID, "start:" + coldID, "done:" + coldID])
        }
    }

    // MARK: 7. retries with backoff

    @Test("7. retries with backoff publish RETRY states, then SUCCESS; exhausted retries end in FAILURE and the DLQ")
    func retriesWithBackoff() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--result-extended"])

            // test.flaky fails twice (200 ms, then 400 ms backoff, no jitter), then succeeds on run 3.
            let flakyID = UUID().uuidString.lowercased()
            let flaky = try await f.collectPublishedStates(of: flakyID) {
                try await f.client.enqueue("test.flaky", args: ["rec:flaky", 2], options: TaskOptions(taskID: flakyID))
            }
            #expect(flaky.map(\.result.state) == [.retry, .retry, .success], "states: \(flaky.map(\.result.state))")
            if flaky.count == 3 {
                #expect(flaky[0].result.error?.type == "ConnectionError")
                #expect(flaky[0].result.error?.message == "flaky run 1")
                #expect(flaky[1].result.error?.message == "flaky run 2")
                #expect(flaky[2].result.result == .int(3))
                #expect(flaky[2].result.extended["retries"] == .int(2))
                #expect(flaky[1].at - flaky[0].at >= .milliseconds(180), "first backoff \(flaky[1].at - flaky[0].at)")
                #expect(flaky[2].at - flaky[1].at >= .milliseconds(380), "second backoff \(flaky[2].at - flaky[1].at)")
            }
            #expect(try await f.send("GET", "rec:flaky").integer == 3)
            // Each retry sends a new message: counted in celery_task_sent_total under the node that retried.
            let retriesSent = SentCounter.field(queue: "celery", name: "test.flaky", sender: node.name)
            #expect(try await f.send("HGET", SentCounter.key, retriesSent).string == "2")

            // test.always_fail: two retries, then FAILURE and a dead-letter entry with the last error.
            let failID = UUID().uuidString.lowercased()
            let failing = try await f.collectPublishedStates(of: failID) {
                try await f.client.enqueue("test.always_fail", args: ["rec:fail"], options: TaskOptions(taskID: failID))
            }
            #expect(failing.map(\.result.state) == [.retry, .retry, .failure], "states: \(failing.map(\.result.state))")
            #expect(failing.last?.result.error?.type == "RuntimeError")
            #expect(failing.last?.result.error?.message == "always fails")
            let entry = try await f.poll("a dead-letter entry for \(failID)", timeout: .seconds(5), node: node) {
                try await f.deadLetters().first { $0["task_id"]?.stringValue == failID }
            }
            #expect(entry["reason"]?.stringValue?.contains("retries exhausted") == true, "reason: \(entry["reason"] ?? nil)")
            #expect(entry["error"]?.stringValue?.contains("always fails") == true, "error: \(entry["error"] ?? nil)")
            let envelope = try TaskMessage.decode(try #require(entry["envelope"]?.stringValue))
            #expect(envelope.retries == 2)
            #expect(try await f.list("rec:fail").count == 3)
            #expect(try await f.messagesInFlight() == 0)
        }
    }

    // MARK: 8. soft and hard time limits

    @Test("8. the soft limit cancels the task (SoftTimeLimitExceeded); the hard limit kills and replaces its process")
    func timeLimits() async throws {
        try await withFixture { f in
            let node = try await f.startWorker()

            let started = ContinuousClock.now
            let soft = try await f.client.enqueue("demo.sleep", args: [5], options: TaskOptions(softTimeLimit: .milliseconds(500)))
            let softResult = try await f.waitForResult(soft, timeout: .seconds(4), node: node)
            #expect(softResult.state == .failure)
            #expect(softResult.error?.type == "SoftTimeLimitExceeded")
            #expect(ContinuousClock.now - started < .seconds(4))

            let before = node.processes()
            let hard = try await f.client.enqueue("test.busy", args: [10], options: TaskOptions(hardTimeLimit: .seconds(1)))
            let processID = try await f.processRunning(hard)
            let victim = try #require(node.pid(ofProcess: processID))
            let hardResult = try await f.waitForResult(hard, timeout: .seconds(5), node: node)
            #expect(hardResult.state == .failure)
            #expect(hardResult.error?.type == "TimeLimitExceeded")
            let after = try await f.poll("the killed process to be replaced", timeout: .seconds(5), node: node) {
                let now = node.processes()
                return now.count == 2 && now[victim] == nil ? now : nil
            }
            #expect(!processIsAlive(victim))
            #expect(Set(after.keys).subtracting(before.keys).count == 1, "before \(before), after \(after)")
            let add = try await f.client.enqueue("demo.add", args: [1, 2])
            #expect(try await f.waitForResult(add, .success, node: node).result == .int(3))
            #expect(try await f.messagesInFlight() == 0)
        }
    }

    // MARK: 9. revoke

    @Test("9. revoked tasks never run (also on a worker started later); revoke --terminate kills the running task")
    func revoke() async throws {
        try await withFixture { f in
            // Revoked before any worker exists; the worker started later skips it.
            let early = UUID().uuidString.lowercased()
            let revokeEarly = try await f.celerity(["revoke", early])
            #expect(revokeEarly.status == 0 && revokeEarly.output.contains("revoked \(early)"), "\(revokeEarly.output)")
            let node = try await f.startWorker()
            try await f.client.enqueue("test.record", args: ["rec:revoked"], options: TaskOptions(taskID: early))

            // A countdown task revoked while it waits for its ETA.
            let delayed = try await f.client.enqueue("test.record", args: ["rec:revoked"], options: TaskOptions(countdown: .seconds(2)))
            try await f.poll("the countdown task to wait in celerity:eta", timeout: .seconds(5), node: node) {
                try await f.send("ZCARD", "celerity:eta").integer == 1 ? true : nil
            }
            let revokeDelayed = try await f.celerity(["revoke", delayed])
            #expect(revokeDelayed.status == 0, "\(revokeDelayed.output)")
            try await f.poll("both revoked messages to be consumed", timeout: .seconds(10), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            for id in [early, delayed] {
                let result = try await f.result(id)
                #expect(result.state == .revoked, "\(id): \(result.state)")
                #expect(result.error?.type == "TaskRevokedError")
            }
            #expect(try await f.list("rec:revoked").isEmpty, "a revoked task ran")

            // --terminate: the process running the task is killed; REVOKED 'terminated'; `done:` never recorded.
            let running = try await f.client.enqueue("test.sleep_record", args: ["rec:terminate", 3.0])
            try await f.poll("start:\(running)", timeout: .seconds(10), node: node) {
                try await f.list("rec:terminate").contains("start:" + running) ? true : nil
            }
            let victim = try #require(node.pid(ofProcess: try await f.processRunning(running)))
            let terminate = try await f.celerity(["revoke", running, "--terminate"])
            #expect(terminate.status == 0, "\(terminate.output)")
            let result = try await f.waitForResult(running, .revoked, timeout: .seconds(2.5), node: node)
            #expect(result.error?.arguments == [.string("terminated")])
            try await f.poll("the terminated process to be gone", timeout: .seconds(5)) { processIsAlive(victim) ? nil : true }
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            #expect(try await f.list("rec:terminate") == ["start:" + running])
            #expect(try await f.result(running).state == .revoked)
        }
    }

    // MARK: 10. Redis restarted mid-run

    @Test("10. Redis killed and restarted (AOF) during 300 tasks: every task still completes")
    func redisRestartMidRun() async throws {
        try await withFixture(appendOnly: true) { f in
            let total = 300
            let node = try await f.startWorker()
            let messages = (0..<total).map { _ in TaskMessage.make(task: "test.record", args: ["rec:restart"]) }
            let ids = messages.map(\.id)
            try await f.client.send(batch: messages)
            let recordedAtRestart = try await f.poll("some tasks to run", timeout: .seconds(20), every: .milliseconds(2), node: node) {
                let count = try await f.send("LLEN", "rec:restart").integer ?? 0
                return count >= 50 ? count : nil
            }
            await f.redis.kill()  // a crash: SIGKILL
            try await f.redis.restart()
            try #require(recordedAtRestart < total, "every task finished before the restart; the test proves nothing")

            let results = try await f.poll("all \(total) tasks to complete", timeout: .seconds(60), every: .milliseconds(200), node: node) {
                let results = try await f.results(ids)
                return results.allSatisfy { $0.state.isReady } ? results : nil
            }
            let failed = results.filter { $0.state != .success }
            #expect(failed.isEmpty, "not SUCCESS: \(failed.prefix(5).map { "\($0.taskID) \($0.state) \($0.error.map(String.init(describing:)) ?? "")" })")
            let records = try await f.list("rec:restart")
            let missing = Set(ids).subtracting(records)
            print("Redis restarted after \(recordedAtRestart) of \(total) records; records: \(records.count); missing: \(missing.count)")
            #expect(missing.isEmpty, "tasks never recorded: \(missing.prefix(10))")
            try await f.poll("nothing left in flight", timeout: .seconds(10), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
            #expect(node.process.isRunning)
        }
    }
}

// MARK: - Helpers

/// A valid `demo.add` envelope as a JSON object, changed by `edit`, serialised.
private func envelope(_ edit: (inout JSONObject) -> Void) throws -> String {
    let valid = TaskMessage.make(task: "demo.add", args: [1, 2]).encoded()
    guard case .object(var object) = try JSONValue.parse(valid) else { throw TestFailure("envelope is not an object") }
    edit(&object)
    return JSONValue.object(object).serialized
}

extension JSONObject {
    /// Edits the `properties` member in place.
    fileprivate mutating func properties(_ edit: (inout JSONObject) -> Void) {
        var properties = self["properties"]?.objectValue ?? [:]
        edit(&properties)
        self["properties"] = .object(properties)
    }
}

/// A result document as published, and when it arrived.
struct PublishedState: Sendable {
    var result: TaskResult
    var at: ContinuousClock.Instant
}

extension WorkerFixture {
    /// Subscribes to the task's result channel, runs `send`, and collects every published document
    /// until a ready state (SUCCESS, FAILURE, REVOKED) or `timeout`.
    func collectPublishedStates(
        of taskID: String, timeout: Duration = .seconds(15), send: () async throws -> String
    ) async throws -> [PublishedState] {
        let subscriber = RedisClient(configuration: configuration)
        defer { subscriber.connection.close() }
        let channel = ResultBackend.key(taskID: taskID)
        try await subscriber.withConnection { try $0.subscribe([channel]) }
        _ = try await send()
        return try await subscriber.withConnection { connection in
            var states: [PublishedState] = []
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                guard let push = try connection.nextPush(timeout: deadline - ContinuousClock.now), let parts = push.array,
                    parts.count == 3, parts[0].string == "message", let payload = parts[2].string
                else { continue }
                let result = try TaskResult.decode(payload, taskID: taskID)
                states.append(PublishedState(result: result, at: .now))
                if result.state.isReady { return states }
            }
            throw TestFailure("no ready state published for \(taskID) within \(timeout); saw \(states.map(\.result.state))")
        }
    }
}
