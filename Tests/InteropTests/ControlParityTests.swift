import Broker
import Foundation
import TestSupport
import Testing

/// Issue 26, parts 1 and 3: every `celery control` command, sent by the real Celery 5.7 CLI to a Celerity node and
/// to a Python Celery worker on the same Redis, gets a reply of the same shape from both; and each command changes
/// the Celerity node as it changes a Celery worker (events, limits, queues, the pool).
@Suite("Control: celery control side by side with Celery")
struct ControlParityTests {
    @Test("every celery control command: a reply from both nodes with the same keys and value types")
    func sameControlReplies() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(queues: ["swift"], concurrency: 1)
            _ = try await fixture.startPython(celery, queues: ["python"], extraArgs: ["--pool=prefork", "--concurrency=1"])
            let pythonName = try await pollForValue(timeout: .seconds(30), "the Python worker answers ping") {
                try await ControlTests.inspect(celery, fixture, ["ping"]).members?.keys.first { $0 != node.name }
            }
            let commands: [[String]] = [
                ["enable_events"], ["enable_events"], ["disable_events"], ["disable_events"],
                ["time_limit", "compat.sleep", "10", "20"], ["time_limit", "no.such.task", "1"],
                ["rate_limit", "compat.add", "100/m"], ["rate_limit", "compat.add", "bogus"],
                ["rate_limit", "no.such.task", "1/s"], ["add_consumer", "extra"], ["cancel_consumer", "extra"],
                ["pool_grow", "1"], ["pool_shrink", "1"], ["autoscale", "2", "1"], ["pool_restart"], ["heartbeat"],
                ["revoke", "parity-revoked"], ["terminate", "SIGTERM", "parity-unknown"],
            ]
            for command in commands {
                let all = try await Self.control(celery, fixture, command)
                let mine = try #require(all[node.name], "no Celerity reply to \(command): \(all)")
                let theirs = try #require(all[pythonName], "no Celery reply to \(command): \(all)")
                #expect(Self.shape(mine) == Self.shape(theirs), "\(command): \(mine) vs \(theirs)")
            }
            // A command no worker knows: both answer with an error (Celery's pidbox answers a KeyError).
            let unknown = try await InspectParityTests.broadcast(celery, fixture, "no_such_command")
            #expect(unknown[node.name]?["error"] != nil && unknown[pythonName]?["error"] != nil, "\(unknown)")
        }
    }

    @Test("enable_events, time_limit, rate_limit, add_consumer, pool_grow/shrink/restart change the Celerity node")
    func commandsTakeEffect() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(queues: ["swift"], concurrency: 1)
            func control(_ command: [String]) async throws -> InteropJSON {
                let all = try await Self.control(celery, fixture, command + ["--destination", node.name])
                return try #require(all[node.name], "no reply to \(command): \(all)")
            }
            // enable_events: task events without -E, from the running processes.
            let listener = RedisClient(configuration: fixture.db.connection.configuration)
            defer { listener.connection.close() }
            try await listener.withConnection { try $0.subscribe(["/0.celeryev/task.multi"]) }
            #expect(try await control(["enable_events"])["ok"] == "task events enabled")
            try await poll(timeout: .seconds(20), "a task-started event from the node's process") {
                let id = try await fixture.client.enqueue("compat.add", args: [1, 2], options: TaskOptions(queue: "swift"))
                try await fixture.waitForReady(id)
                while let push = try await listener.withConnection({ try $0.nextPush(timeout: .milliseconds(200)) }) {
                    guard let payload = push.array?.last?.string, let (body, _) = KombuEnvelope.decode(payload) else { continue }
                    let events = body.arrayValue ?? [body]
                    if events.contains(where: { $0["type"] == "task-started" && $0["hostname"] == .string(node.name) }) {
                        return true
                    }
                }
                return false
            }
            #expect(try await control(["disable_events"])["ok"] == "task events disabled")

            // inspect active: the running task's arguments; a value too large to pass on shows Celery's repr,
            // cut to 1,024 characters as Celery cuts `kwargsrepr`.
            let padded = try await fixture.client.enqueue(
                "compat.sleep", args: [4], kwargs: ["pad": .string(String(repeating: "x", count: 5000))],
                options: TaskOptions(queue: "swift"))
            let active = try await pollForValue(timeout: .seconds(20), "inspect active shows the task") {
                try await ControlTests.inspect(celery, fixture, ["active"])[node.name]?.arrayValues?
                    .first { $0["id"]?.string == padded }
            }
            #expect(active["args"] == [4], "\(active)")
            let kwargs = try #require(active["kwargs"]?.string, "\(active)")
            #expect(kwargs.count == 1024 && kwargs.hasPrefix("{'pad': 'xxx") && kwargs.hasSuffix("..."), "\(kwargs.count)")
            #expect(try await fixture.waitForReady(padded).state == .success)

            // time_limit: the next run of the task is killed at the new hard limit.
            #expect(try await control(["time_limit", "compat.sleep", "0.5", "1"])["ok"] == "time limits set successfully")
            // The processes read the node's settings once a second: a run that started before may still succeed.
            let limited = try await pollForValue(timeout: .seconds(30), "compat.sleep(3) stopped at the new limit") {
                let slow = try await fixture.client.enqueue("compat.sleep", args: [3], options: TaskOptions(queue: "swift"))
                let result = try await fixture.waitForReady(slow, timeout: .seconds(10))
                return result.state == .failure ? result : nil
            }
            #expect(["TimeLimitExceeded", "SoftTimeLimitExceeded"].contains(limited.result["exc_type"]?.stringValue ?? ""), "\(limited)")

            // rate_limit: the cluster-wide hash the take script reads (contract with `flow`).
            #expect(try await control(["rate_limit", "compat.add", "100/m"])["ok"] == "new rate limit set successfully")
            #expect(try await fixture.db.send(["HGET", "celerity:rate_limits", "compat.add"]).string == "100/m")

            // add_consumer: a queue consumed until restart, shown by active_queues and `celerity workers`.
            #expect(try await control(["add_consumer", "extra"])["ok"] == "add consumer extra")
            let extra = try await fixture.client.enqueue("compat.add", args: [2, 2], options: TaskOptions(queue: "extra"))
            #expect(try await fixture.waitForReady(extra, timeout: .seconds(15)).result == 4)
            let queues = try await ControlTests.inspect(celery, fixture, ["active_queues"])[node.name]?.arrayValues
            #expect(queues?.compactMap { $0["name"]?.string }.sorted() == ["extra", "swift"])
            try await poll(timeout: .seconds(10), "celerity workers shows the added queue") {
                try await fixture.celerity(["workers"]).output.contains("extra")
            }

            // pool_grow / pool_shrink: the processes Celery's stats shows; pool_restart: new processes, warm.
            func processes() async throws -> [Int] {
                let stats = try await ControlTests.inspect(celery, fixture, ["stats"])[node.name]
                return stats?["pool"]?["processes"]?.arrayValues?.compactMap(\.intValue) ?? []
            }
            #expect(try await control(["pool_grow", "2"])["ok"] == "pool will grow")
            try await poll(timeout: .seconds(20), "the pool grew to 3") { try await processes().count == 3 }
            #expect(try await control(["pool_shrink", "1"])["ok"] == "pool will shrink")
            try await poll(timeout: .seconds(20), "the pool shrank to 2") { try await processes().count == 2 }
            let before = Set(try await processes())
            #expect(try await control(["pool_restart"])["ok"] == "reload started")
            try await poll(timeout: .seconds(20), "every process was restarted") {
                let now = try await processes()
                return now.count == 2 && before.isDisjoint(with: now)
            }
            #expect(node.process.isRunning)
        }
    }

    @Test("pool_shrink while every process is busy: the retired process finishes its task first, nothing is lost")
    func shrinkIsWarm() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(queues: ["swift"], concurrency: 2)
            let ids = [
                try await fixture.client.enqueue("compat.sleep", args: [2], options: TaskOptions(queue: "swift")),
                try await fixture.client.enqueue("compat.sleep", args: [2], options: TaskOptions(queue: "swift")),
            ]
            try await poll(timeout: .seconds(20), "both processes run a task") {
                try await ControlTests.inspect(celery, fixture, ["active"])[node.name]?.arrayValues?.count == 2
            }
            let reply = try await Self.control(celery, fixture, ["pool_shrink", "1", "--destination", node.name])
            #expect(reply[node.name]?["ok"] == "pool will shrink")
            for id in ids {
                let result = try await fixture.waitForReady(id, timeout: .seconds(20))
                #expect(result.state == .success, "\(result)")
            }
            try await poll(timeout: .seconds(20), "one process left") {
                let stats = try await ControlTests.inspect(celery, fixture, ["stats"])[node.name]
                return stats?["pool"]?["processes"]?.arrayValues?.count == 1
            }
            try await fixture.waitUntilIdle(queues: ["swift"])
        }
    }

    @Test("--autoscale 3,1: a backlog grows the pool to MAX, idle time shrinks it to MIN, nothing lost; autoscale adjusts it")
    func autoscale() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(
                queues: ["auto"], concurrency: 1, options: ["--autoscale", "3,1", "--autoscale-keepalive", "2"])
            func registration() async throws -> InteropJSON? {
                guard let raw = try await fixture.db.send(["GET", "celerity:worker:" + node.name]).string else { return nil }
                return try InteropJSON(parsing: raw)
            }
            let ids = try await (0..<9).asyncMap { _ in
                try await fixture.client.enqueue("compat.sleep", args: [1], options: TaskOptions(queue: "auto"))
            }
            try await poll(timeout: .seconds(20), "the pool grew to MAX and exports it") {
                let info = try await registration()
                return info?["concurrency"]?.intValue == 3 && info?["desired_processes"]?.intValue == 3
            }
            for id in ids {
                #expect(try await fixture.waitForReady(id, timeout: .seconds(30)).state == .success)
            }
            try await poll(timeout: .seconds(30), "the idle pool shrank to MIN") {
                let info = try await registration()
                return info?["concurrency"]?.intValue == 1 && info?["desired_processes"]?.intValue == 1
            }
            try await fixture.waitUntilIdle(queues: ["auto"])
            // The autoscale command changes the range; pool_grow is refused under autoscale, as Celery refuses it.
            let changed = try await Self.control(celery, fixture, ["autoscale", "2", "2", "--destination", node.name])
            #expect(changed[node.name]?["ok"] == "autoscale now max=2 min=2")
            try await poll(timeout: .seconds(20), "the pool follows the new minimum") {
                try await registration()?["concurrency"]?.intValue == 2
            }
            let grow = try await Self.control(celery, fixture, ["pool_grow", "1", "--destination", node.name])
            #expect(grow[node.name]?["error"]?.string?.contains("autoscale") == true, "\(grow)")
        }
    }

    /// `celery -A compat control <command> --json`: the replies of every node, merged into one object.
    static func control(_ celery: PythonCelery, _ fixture: InteropFixture, _ command: [String]) async throws
        -> [String: InteropJSON]
    {
        let run = try await ControlTests.command(celery, fixture, ["control"] + command + ["--json", "--timeout", "2"])
        guard run.termination.isSuccess, let line = run.standardOutput.split(separator: "\n").last else {
            throw InteropFailure("celery control \(command) failed (\(run.termination)):\n\(run.standardOutput)\n\(run.standardError)")
        }
        var merged: [String: InteropJSON] = [:]
        for reply in try InteropJSON(parsing: String(line)).arrayValues ?? [] {
            for (name, value) in reply.members ?? [:] { merged[name] = value }
        }
        return merged
    }

    /// A reply's shape: its keys and the type of each value (or the type of a non-object reply).
    static func shape(_ value: InteropJSON) -> String {
        func type(_ value: InteropJSON) -> String {
            switch value {
            case .null: "null"
            case .bool: "bool"
            case .int, .double: "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }
        guard let members = value.members else { return type(value) }
        return members.keys.sorted().map { "\($0):\(type(members[$0]!))" }.joined(separator: ",")
    }
}

extension InteropJSON {
    /// The members, if this is an object.
    fileprivate var members: [String: InteropJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements, if this is an array.
    fileprivate var arrayValues: [InteropJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The number, if this is an integer.
    fileprivate var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }
}

extension Sequence {
    /// The results of `transform` on each element, in order, one at a time.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
