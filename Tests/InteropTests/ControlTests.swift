import Broker
import Foundation
import TestSupport
import Testing

/// Issue 5, item 4: Celery's remote control (pidbox, wire spec §9) reaches Celerity workers.
@Suite("Control: celery inspect and revoke")
struct ControlTests {
    @Test(
        "`celery inspect ping` gets a pong from every Celerity worker; registered, active_queues, stats answer too",
        arguments: CeleryVersions.all)
    func inspectPing(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let first = try await fixture.startCelerity()
            let second = try await fixture.startCelerity(queues: ["celery", "other"])

            let ping = try await Self.inspect(celery, fixture, ["ping"])
            #expect(ping == [first.name: ["ok": "pong"], second.name: ["ok": "pong"]])

            let one = try await Self.inspect(celery, fixture, ["ping", "--destination", second.name])
            #expect(one == [second.name: ["ok": "pong"]])

            let registered = try await Self.inspect(celery, fixture, ["registered"])
            for node in [first.name, second.name] {
                let names = registered[node]?.array?.compactMap(\.string) ?? []
                #expect(names.contains("compat.add") && names.contains("compat.tsum"), "\(node): \(names)")
            }
            let queues = try await Self.inspect(celery, fixture, ["active_queues", "--destination", second.name])
            #expect(queues[second.name]?.array?.compactMap { $0["name"]?.string } == ["celery", "other"])
            let stats = try await Self.inspect(celery, fixture, ["stats", "--destination", first.name])
            #expect(stats[first.name]?["pool"]?["max-concurrency"] == 2)
        }
    }

    /// Runs the real `celery -A compat inspect <arguments> --json` from the virtual environment and parses the replies.
    static func inspect(_ celery: PythonCelery, _ fixture: InteropFixture, _ arguments: [String]) async throws
        -> InteropJSON
    {
        let run = try await command(celery, fixture, ["inspect"] + arguments + ["--json", "--timeout", "2"])
        guard run.termination.isSuccess, let line = run.standardOutput.split(separator: "\n").last else {
            throw InteropFailure(
                "celery inspect \(arguments) failed (\(run.termination)):\n\(run.standardOutput)\n\(run.standardError)")
        }
        return try InteropJSON(parsing: String(line))
    }

    /// Runs the real `celery -A compat <arguments>` from the virtual environment.
    static func command(_ celery: PythonCelery, _ fixture: InteropFixture, _ arguments: [String]) async throws
        -> ChildProcess.Result
    {
        try await ChildProcess.run(
            celery.python, arguments: ["-m", "celery", "-A", "compat"] + arguments,
            environment: ["CELERITY_REDIS_URL": fixture.url, "PYTHONDONTWRITEBYTECODE": "1"],
            workingDirectory: PythonCelery.scriptsDirectory, timeout: .seconds(60)
        )
    }

    @Test(
        "app.control.revoke(id) from Python: Celerity does not run the task, stores REVOKED, and remembers it for workers started later"
    )
    func revoke() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            try await fixture.startCelerity(concurrency: 1)

            // A countdown task waits in Celerity's ETA set; Python revokes it before it is due.
            let delayed = try await celery.sendTask(
                "compat.record", args: ["runs", "delayed"], options: ["countdown": 600], redisURL: fixture.url
            )
            try await poll(timeout: .seconds(20), "the Celerity worker holds the task for its ETA") {
                try await fixture.db.send(["ZCARD", "celerity:eta"]).integer == 1
            }
            _ = try await fixture.scenario(celery, ["revoke", delayed])
            let outcome = try await fixture.scenario(celery, ["wait", delayed])
            #expect(outcome[0]?["state"] == "REVOKED")
            #expect(outcome[0]?["exc_type"] == "TaskRevokedError")
            #expect(outcome[0]?["exc_args"] == ["revoked"])
            // Make it due now rather than waiting ten minutes: the worker takes it and drops it unrun.
            let held = try #require(
                try await fixture.db.send(["ZRANGE", "celerity:eta", "0", "0"]).array?.first?.string)
            try await fixture.db.send(["ZADD", "celerity:eta", "XX", String(Date().timeIntervalSince1970), held])
            try await fixture.waitUntilIdle(timeout: .seconds(20))
            #expect(try await fixture.client.result(delayed).state == .revoked)

            // Revoked while no worker of its queue runs: a node started afterwards still does not run it.
            let later = try await celery.sendTask(
                "compat.record", args: ["runs", "later"], options: ["queue": "later"], redisURL: fixture.url
            )
            _ = try await fixture.scenario(celery, ["revoke", later])
            try await poll(timeout: .seconds(10), "the revoke is recorded") {
                try await fixture.db.send(["ZSCORE", "celerity:revoked", later]).string != nil
            }
            let control = try await celery.sendTask(
                "compat.record", args: ["runs", "control"], options: ["queue": "later"], redisURL: fixture.url
            )
            try await fixture.startCelerity(queues: ["later"], concurrency: 1)
            #expect(try await fixture.waitForReady(control).result == 1)
            try await fixture.waitUntilIdle(queues: ["later"])
            #expect(try await fixture.list("runs") == ["control"])
            let revoked = try await fixture.client.result(later)
            #expect(revoked.state == .revoked)
            #expect(
                revoked.error == RemoteError(type: "TaskRevokedError", message: "revoked", module: "celery.exceptions"))
        }
    }

    @Test("app.control.revoke(id, terminate=True) from Python kills the running task on its Celerity worker")
    func revokeTerminate() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(options: ["--track-started"])
            let id = try await celery.sendTask("compat.sleep", args: [60], redisURL: fixture.url)
            try await poll(timeout: .seconds(20), "the task has started") {
                try await fixture.client.result(id).state == .started
            }
            let started = ContinuousClock.now
            _ = try await fixture.scenario(celery, ["revoke", id, "--terminate"])
            let outcome = try await fixture.scenario(celery, ["wait", id])
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(outcome[0]?["state"] == "REVOKED")
            #expect(outcome[0]?["exc_type"] == "TaskRevokedError")
            #expect(outcome[0]?["exc_args"] == ["terminated"])
            try await fixture.waitUntilIdle()
            #expect(node.process.output.contains("task terminated by revoke"), "\(node.process.diagnostics())")

            // The node carries on with a fresh process.
            let next = try await celery.sendTask("compat.add", args: [1, 2], redisURL: fixture.url)
            #expect(
                try await celery.waitForResult(taskID: next, redisURL: fixture.url, timeout: .seconds(20)).result == 3)

            // The CLI's spelling, `celery control terminate SIGKILL <id>`, is the same revoke.
            let second = try await celery.sendTask("compat.sleep", args: [60], redisURL: fixture.url)
            try await poll(timeout: .seconds(20), "the second task has started") {
                try await fixture.client.result(second).state == .started
            }
            let reply = try await Self.command(
                celery, fixture, ["control", "terminate", "SIGKILL", second, "--timeout", "2"])
            #expect(reply.termination.isSuccess, "\(reply.standardOutput)\(reply.standardError)")
            #expect(reply.standardOutput.contains(node.name))
            let terminated = try await fixture.waitForReady(second, timeout: .seconds(20))
            #expect(
                terminated.error
                    == RemoteError(type: "TaskRevokedError", message: "terminated", module: "celery.exceptions"))
        }
    }

    @Test(
        "`celerity revoke ID` reaches Python Celery workers too (mixed deployment), over Celery's pidbox",
        arguments: CeleryVersions.all)
    func celerityRevokeReachesPython(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let worker = try await fixture.startPython(celery)
            let id = try await fixture.client.enqueue(
                "compat.record", args: ["runs", "revoked"], options: TaskOptions(countdown: .seconds(10))
            )
            try await poll(timeout: .seconds(20), "the Celery worker holds the task for its ETA") {
                worker.output.contains("Task compat.record[\(id)] received")
            }
            let revoked = try await fixture.celerity(["revoke", id])
            #expect(revoked.status.isSuccess, "\(revoked.output)")
            // At its ETA the Celery worker discards it instead of running it.
            try await poll(timeout: .seconds(30), "the Celery worker discards the revoked task") {
                worker.output.contains("Discarding revoked task: compat.record[\(id)]")
            }
            let control = try await fixture.client.enqueue("compat.record", args: ["runs", "control"])
            #expect(try await fixture.client.result(control, timeout: .seconds(20)).result == 1)
            #expect(try await fixture.list("runs") == ["control"])
            #expect(try await fixture.client.result(id).state == .revoked)
        }
    }

    @Test("`celery control shutdown` stops the Celerity node it names, warmly, and only that one")
    func remoteShutdown() async throws {
        let celery = try await PythonCelery.prepare()
        try await withInteropFixture { fixture in
            let stays = try await fixture.startCelerity()
            let leaves = try await fixture.startCelerity()
            // Celery's workers do not reply to shutdown, so the CLI reports that no node replied.
            _ = try await Self.command(
                celery, fixture, ["control", "shutdown", "--destination", leaves.name, "--timeout", "1"])
            #expect(try await leaves.process.waitForExit(timeout: .seconds(30)) == .exited(0))
            #expect(leaves.process.output.contains("shutdown requested over Celery control"))
            #expect(stays.process.isRunning)
            #expect(try await Self.inspect(celery, fixture, ["ping"]) == [stays.name: ["ok": "pong"]])
        }
    }
}
