import Broker
import Foundation
import TestSupport
import Testing

/// Issue 26, part 1: every inspect command a Celery 5.7 worker answers, a Celerity node answers with the same reply
/// shape — asked side by side in one `celery inspect` call reaching a Celerity node and a Python Celery worker.
@Suite("Control: inspect replies match Celery's")
struct InspectParityTests {
    @Test("clock, report, active, query_task, scheduled, reserved, revoked, registered, dump_*: same keys as Celery 5.7")
    func sameReplyShapes() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(queues: ["swift"], concurrency: 1)
            // Prefork, as in production: a solo pool cannot answer inspect while its task runs.
            let python = try await fixture.startPython(celery, queues: ["python"], extraArgs: ["--pool=prefork", "--concurrency=1"])
            // One long task running on each side, so active and query_task have something to show.
            let onCelerity = try await celery.sendTask(
                "compat.sleep", args: [30], options: ["queue": "swift"], redisURL: fixture.url)
            let onPython = try await celery.sendTask(
                "compat.sleep", args: [30], options: ["queue": "python"], redisURL: fixture.url)
            try await poll(timeout: .seconds(20), "both tasks run") {
                let active = try await ControlTests.inspect(celery, fixture, ["active"])
                return active.object?.values.allSatisfy { ($0.array?.count ?? 0) == 1 } == true
                    && active.object?.count == 2
            }
            let pythonName = try #require(
                try await ControlTests.inspect(celery, fixture, ["ping"]).object?.keys.first { $0 != node.name })
            #expect(python.isRunning)

            func replies(_ arguments: [String]) async throws -> (celerity: InteropJSON, python: InteropJSON) {
                // The CLI knows commands by their own names; the `dump_*` aliases go over app.control.broadcast.
                let all =
                    arguments[0].hasPrefix("dump_")
                    ? try await Self.broadcast(celery, fixture, arguments[0])
                    : try await ControlTests.inspect(celery, fixture, arguments)
                let mine = try #require(all[node.name], "no Celerity reply to \(arguments): \(all)")
                let theirs = try #require(all[pythonName], "no Celery reply to \(arguments): \(all)")
                return (mine, theirs)
            }
            func keys(_ value: InteropJSON?) -> [String] { (value?.object?.keys).map { $0.sorted() } ?? [] }

            for command in ["clock", "report"] {
                let (mine, theirs) = try await replies([command])
                #expect(keys(mine) == keys(theirs), "\(command): \(mine) vs \(theirs)")
            }
            for command in ["active", "dump_active"] {
                let (mine, theirs) = try await replies([command])
                #expect(keys(mine.array?.first) == keys(theirs.array?.first), "\(command): \(mine) vs \(theirs)")
                #expect(mine.array?.first?["id"]?.string == onCelerity)
                #expect(mine.array?.first?["args"] == theirs.array?.first?["args"], "the args of compat.sleep(30), as Celery")
            }
            let (queried, pythonQueried) = try await replies(["query_task", onCelerity, onPython])
            #expect(keys(queried) == [onCelerity] && keys(pythonQueried) == [onPython])
            #expect(queried[onCelerity]?.array?.first == "active")
            #expect(
                keys(queried[onCelerity]?.array?.last) == keys(pythonQueried[onPython]?.array?.last),
                "\(queried) vs \(pythonQueried)")
            for command in [
                "scheduled", "reserved", "revoked", "registered", "dump_tasks", "dump_revoked", "dump_reserved", "dump_schedule",
            ] {
                let (mine, theirs) = try await replies([command])
                #expect(mine.array != nil && theirs.array != nil, "\(command): \(mine) vs \(theirs)")
            }
            for command in ["conf", "dump_conf"] {
                let (mine, theirs) = try await replies([command])
                #expect(mine.object != nil && theirs.object != nil, "\(command): \(mine) vs \(theirs)")
                #expect(mine["broker_url"]?.string == fixture.url, "no password here, so the redacted URL is the URL")
            }
            let (queues, pythonQueues) = try await replies(["active_queues"])
            #expect(keys(queues.array?.first) == keys(pythonQueues.array?.first), "\(queues) vs \(pythonQueues)")
            let (stats, pythonStats) = try await replies(["stats"])
            #expect(Set(keys(pythonStats)).subtracting(keys(stats)).isEmpty, "\(stats) vs \(pythonStats)")

            // Heap inspection has no meaning for a Swift process: an error reply that says so, never silence.
            for command in ["objgraph", "memsample", "memdump"] {
                let all = try await ControlTests.inspect(celery, fixture, [command])
                #expect(all[node.name]?["error"]?.string?.contains("Celerity") == true, "\(command): \(all)")
            }
        }
    }

    /// `app.control.broadcast(method, reply=True)` from Python: every node's reply, merged into one object.
    static func broadcast(_ celery: PythonCelery, _ fixture: InteropFixture, _ method: String) async throws -> InteropJSON {
        let script = """
            import json, sys, compat
            replies = compat.app.control.broadcast(sys.argv[1], reply=True, timeout=2)
            print(json.dumps({node: reply for one in replies for node, reply in one.items()}))
            """
        let run = try await ChildProcess.run(
            celery.python, arguments: ["-c", script, method],
            environment: ["CELERITY_REDIS_URL": fixture.url, "PYTHONDONTWRITEBYTECODE": "1"],
            workingDirectory: PythonCelery.scriptsDirectory, timeout: .seconds(60))
        guard run.termination.isSuccess, let line = run.standardOutput.split(separator: "\n").last else {
            throw InteropFailure("broadcast \(method) failed (\(run.termination)):\n\(run.standardOutput)\n\(run.standardError)")
        }
        return try InteropJSON(parsing: String(line))
    }

    @Test("mingle's hello from a Python worker: the Celerity node answers with its revoked ids and takes the caller's")
    func hello() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(concurrency: 1)
            let revoked = try await fixture.celerity(["revoke", "revoked-on-celerity"])
            #expect(revoked.status.isSuccess, "\(revoked.output)")
            let script = """
                import json, compat
                print(json.dumps(compat.app.control.inspect(timeout=2).hello("other@host", revoked=["from-python", "bad\\nid"])))
                """
            let run = try await ChildProcess.run(
                celery.python, arguments: ["-c", script],
                environment: ["CELERITY_REDIS_URL": fixture.url, "PYTHONDONTWRITEBYTECODE": "1"],
                workingDirectory: PythonCelery.scriptsDirectory, timeout: .seconds(60))
            let line = try #require(run.standardOutput.split(separator: "\n").last, "\(run.standardError)")
            let reply = try InteropJSON(parsing: String(line))
            // As Celery's hello: merge the caller's ids first, then answer with the whole set.
            #expect(reply[node.name]?["revoked"]?.array?.compactMap(\.string).sorted() == ["from-python", "revoked-on-celerity"])
            #expect(reply[node.name]?["clock"]?.int != nil)
            // The caller's revoked ids are remembered, as a Celery worker merges them; a malformed one is not.
            #expect(try await fixture.db.send(["ZSCORE", "celerity:revoked", "from-python"]).string != nil)
            #expect(try await fixture.db.send(["ZCARD", "celerity:revoked"]).integer == 2)
        }
    }
}

extension InteropJSON {
    /// The members, if this is an object.
    fileprivate var object: [String: InteropJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The number, if this is an integer.
    fileprivate var int: Int? {
        if case .int(let value) = self { return value }
        return nil
    }
}
