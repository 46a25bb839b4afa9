import Broker
import Foundation
import TestSupport
import Testing

@testable import Worker

#if canImport(Glibc)
import Glibc
#endif

/// Issue 22: no message, header or Redis reply takes a node down or loses acknowledged work. Real redis-server,
/// real `celerity-test-worker` nodes.
extension WorkerTests {
    /// The four messages of the issue, as Celery 5.7's `send_task` writes them (the Python-sent versions are in
    /// InteropTests' `HostileCeleryTests`).
    static func issueMessages() -> [(name: String, message: TaskMessage, field: String)] {
        var forgedID = TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(taskID: "x1\nstart\tv\tn\tnan\t0\tq"))
        forgedID.headers["root_id"] = "r1"
        var hard = TaskMessage.make(task: "demo.sleep", args: [1.5])
        hard.headers["timelimit"] = [1e16, nil]
        var soft = TaskMessage.make(task: "demo.add", args: [1, 2])
        soft.headers["timelimit"] = [nil, 1e12]
        var infinite = TaskMessage.make(task: "demo.add", args: [1, 2])
        infinite.headers["timelimit"] = [.double(.infinity), nil]
        return [
            ("task id with a newline and tabs", forgedID, "headers.id contains a control character"),
            ("time_limit=1e16", hard, "headers.timelimit hard limit"),
            ("soft_time_limit=1e12", soft, "headers.timelimit soft limit"),
            ("time_limit=inf", infinite, "headers.timelimit hard limit"),
        ]
    }

    @Test("22. the issue's four messages each end as a dead letter naming the field (and FAILURE when the id is usable); the node keeps serving")
    func issueMessagesDoNotStopTheNode() async throws {
        try await withFixture { f in
            let node = try await f.startWorker()
            let supervisor = node.pid
            let processes = Set(node.processes().keys)
            let cases = Self.issueMessages()
            let encoded = cases.map { $0.message.encoded() }
            #expect(encoded[3].contains("Infinity"), "the ∞ message is not sent as Python's json writes it")
            try await f.db.pipeline(encoded.map { ["LPUSH", "celery", $0] })

            let entries = try await f.poll("4 dead letters", timeout: .seconds(20), node: node) {
                let entries = try await f.deadLetters()
                return entries.count >= 4 ? entries : nil
            }
            #expect(entries.count == 4)
            for ((name, message, field), raw) in zip(cases, encoded) {
                let entry = entries.first { $0["envelope"]?.stringValue == raw }
                let reason = entry?["reason"]?.stringValue ?? "none"
                #expect(reason.hasPrefix(field), "\(name): reason \(reason)")
                if name != cases[0].name {
                    let result = try await f.waitForResult(message.id, .failure, timeout: .seconds(10), node: node)
                    #expect(result.error?.type == "InvalidTaskError", "\(name)")
                }
            }
            // Nothing for the forged id, and nothing that its text names.
            #expect(try await f.send("EXISTS", "celery-task-meta-v").integer == 0)
            #expect(try await f.send("KEYS", "celery-task-meta-x1*").array?.isEmpty == true)

            let add = try await f.client.enqueue("demo.add", args: [2, 3])
            let sum = try await f.waitForResult(add, .success, timeout: .seconds(20), node: node)
            #expect(sum.result == 5)
            #expect(node.pid == supervisor && node.process.isRunning, "the supervisor changed or died")
            #expect(Set(node.processes().keys) == processes, "a worker process died: \(f.diagnostics(node))")
            #expect(try await f.messagesInFlight() == 0)
        }
    }

    @Test("22. an envelope over --max-message-bytes is dead-lettered undecoded, with only a header excerpt kept")
    func oversizedMessageIsDeadLettered() async throws {
        try await withFixture { f in
            let node = try await f.startWorker(["--max-message-bytes", "65536"])
            let big = TaskMessage.make(task: "demo.echo", kwargs: ["blob": .string(String(repeating: "x", count: 200_000))])
            try await f.client.send(big)
            let entry = try await f.poll("a dead letter", timeout: .seconds(10), node: node) { try await f.deadLetters().first }
            #expect(entry["reason"]?.stringValue?.hasPrefix("message is ") == true, "\(entry)")
            let kept = entry["envelope"]?.stringValue ?? ""
            #expect(kept.utf8.count <= MessageLimits.excerptBytes + 3 && kept.contains(big.id), "\(kept.utf8.count) bytes kept")
            #expect(try await f.messagesInFlight() == 0)
            let add = try await f.client.enqueue("demo.add", args: [1, 1])
            _ = try await f.waitForResult(add, .success, timeout: .seconds(20), node: node)
        }
    }
}
