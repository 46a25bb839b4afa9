import Broker
import Foundation
import TestSupport
import Testing

/// Issue 26, part 5: unmodified Flower 2.0.1, driven through its web UI in headless Chromium (the DevTools
/// protocol, from `python/flower_ui.py`), is a complete operator UI for a Celerity node: its worker page shows the
/// pool, queues, stats and registered tasks, its buttons change the node, and its task page shows args and events.
@Suite("Flower's UI in headless Chromium")
struct FlowerUITests {
    @Test("worker page, grow pool, add consumer, rate limit, revoke and terminate: the node changes as Flower says")
    func flowerUI() async throws {
        let celery = try await PythonCelery.prepare()
        try await Flower.install(into: celery)
        try await DevToolsClient.install(into: celery)
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(queues: ["celery"], concurrency: 1, options: ["-E"])
            let flowerPort = try FreePort.allocate()
            let flower = try ChildProcess(
                celery.python,
                arguments: ["-m", "celery", "-A", "compat", "flower", "--address=127.0.0.1", "--port=\(flowerPort)"],
                environment: [
                    "CELERITY_REDIS_URL": fixture.url, "FLOWER_UNAUTHENTICATED_API": "true", "PYTHONDONTWRITEBYTECODE": "1",
                ],
                workingDirectory: PythonCelery.scriptsDirectory
            )
            fixture.adopt(flower)
            let devToolsPort = try FreePort.allocate()
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-flower-ui-\(devToolsPort)")
            defer { try? FileManager.default.removeItem(at: profile) }
            let chromium = try ChildProcess(
                "chromium",
                arguments: [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)",
                    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=\(devToolsPort)", "about:blank",
                ]
            )
            fixture.adopt(chromium)
            let base = "http://127.0.0.1:\(flowerPort)"
            /// Runs `flower_ui.py` steps in Chromium's tab; returns what the `wait:` and `eval:` steps recorded.
            func browse(_ steps: [String]) async throws -> [InteropJSON] {
                if let ended = flower.termination { throw InteropFailure("Flower exited (\(ended))\n\(flower.diagnostics())") }
                if let ended = chromium.termination {
                    throw InteropFailure("Chromium exited (\(ended))\n\(chromium.diagnostics())")
                }
                let run = try await ChildProcess.run(
                    celery.python, arguments: [PythonCelery.scriptsDirectory.appendingPathComponent("flower_ui.py").path,
                        String(devToolsPort)] + steps,
                    environment: ["PYTHONDONTWRITEBYTECODE": "1"], timeout: .seconds(120))
                guard run.termination.isSuccess, let line = run.standardOutput.split(separator: "\n").last,
                    case .array(let values) = try InteropJSON(parsing: String(line))
                else {
                    throw InteropFailure("flower_ui.py \(steps) failed (\(run.termination)):\n\(run.standardOutput)\n\(run.standardError)")
                }
                return values
            }
            func workers() async throws -> String { try await fixture.celerity(["workers"]).output }
            let workerPage = "\(base)/worker/\(node.name)"
            /// Flower's alert after a button, e.g. "pool will grow" (show_alert puts it in a `.alert` element).
            let alert = "wait:(document.querySelector('.alert') || {}).innerText"
            // Chromium and Flower are up, and Flower knows the node (from its heartbeats).
            try await poll(timeout: .seconds(60), "Chromium's DevTools and Flower answer") {
                (try? await browse(["open:\(base)/workers", "wait:document.body.innerText.includes(\(Self.js(node.name)))"])) != nil
            }

            // The worker page: pool, queues, stats, registered tasks. Flower asks the node over the pidbox when the
            // page is requested but renders what it had before the replies: "Unknown worker" until they came.
            try await poll(timeout: .seconds(30), "Flower's worker page renders the node") {
                try await browse(["open:\(workerPage)", "eval:document.getElementById('workername') !== null"]).first == true
            }
            let page = try await browse([
                "open:\(workerPage)", "wait:document.getElementById('workername') && document.body.textContent",
                "eval:document.getElementById('worker-queues').textContent",
                "eval:document.getElementById('limits-table').textContent",
            ])
            let text = page.first?.string ?? ""
            // Pool (implementation, PID), stats (rusage on the System tab), queues, registered tasks (Limits tab).
            for shown in ["celerity:prefork", "worker pid", "utime", "maxrss"] {
                #expect(text.lowercased().contains(shown), "the worker page does not show \(shown)")
            }
            #expect(page[1].string?.contains("celery") == true, "queues: \(page[1])")
            #expect(page[2].string?.contains("compat.add") == true && page[2].string?.contains("compat.sleep") == true)

            // Grow pool: the node runs one more process.
            let grown = try await browse(["open:\(workerPage)", "eval:document.getElementById('worker-pool-grow').click()", alert])
            #expect(grown.last?.string?.contains("Growing") == true, "\(grown)")
            try await poll(timeout: .seconds(20), "celerity workers shows 2 processes") {
                try await workers().contains("concurrency=2")
            }

            // Add consumer: the node consumes the new queue.
            let added = try await browse([
                "open:\(workerPage)",
                "eval:document.getElementById('add-consumer-name').value = 'flowerq'; document.getElementById('worker-add-consumer').click()",
                alert,
            ])
            #expect(added.last?.string?.contains("add consumer flowerq") == true, "\(added)")
            try await poll(timeout: .seconds(20), "celerity workers shows the queue") {
                try await workers().contains("queues=celery,flowerq")
            }
            let viaNewQueue = try await fixture.client.enqueue("compat.add", args: [20, 22], options: TaskOptions(queue: "flowerq"))
            #expect(try await fixture.waitForReady(viaNewQueue, timeout: .seconds(20)).result == 42)

            // Rate limit: written to the cluster-wide hash the fetch enforces.
            let limited = try await browse([
                "open:\(workerPage)",
                "eval:const b = document.getElementById('task-rate-limit-compat.add'); b.previousElementSibling.value = '5'; b.click()",
                alert,
            ])
            #expect(limited.last?.string?.contains("new rate limit set successfully") == true, "\(limited)")
            #expect(try await fixture.db.send(["HGET", "celerity:rate_limits", "compat.add"]).string == "5")

            // Revoke, on the page of a task received and waiting for its ETA: REVOKED, and it never runs.
            var later = TaskOptions()
            later.eta = Date().addingTimeInterval(60)
            let waiting = try await fixture.client.enqueue("compat.add", args: [1, 1], options: later)
            try await poll(timeout: .seconds(30), "Flower shows the waiting task with its Revoke button") {
                try await browse(["open:\(base)/task/\(waiting)", "eval:document.getElementById('task-revoke') !== null"])
                    .first == true
            }
            let revoked = try await browse(["open:\(base)/task/\(waiting)", "eval:document.getElementById('task-revoke').click()", alert])
            #expect(revoked.last?.string?.contains("Revoked") == true, "\(revoked)")
            #expect(try await fixture.waitForReady(waiting, timeout: .seconds(10)).state == .revoked)
            #expect(try await fixture.db.send(["ZSCORE", "celerity:revoked", waiting]).string != nil)

            // The task page of a running task: its args and its events (the timeline: received, started).
            let running = try await fixture.client.enqueue("compat.sleep", args: [30])
            try await poll(timeout: .seconds(20), "the task runs") { try await workers().contains(running) }
            let taskText = try await pollForValue(timeout: .seconds(30), "Flower's task page shows the started task") {
                let text = try await browse(["open:\(base)/task/\(running)", "eval:document.body.innerText"]).first?.string
                return text?.contains("STARTED") == true ? text : nil
            }
            #expect(taskText.contains("(30,)") || taskText.contains("[30]"), "no args on the task page: \(taskText)")
            for event in ["Received", "Started"] {
                #expect(taskText.localizedCaseInsensitiveContains(event), "no \(event) on the task page: \(taskText)")
            }

            // Terminate, on the running task's page: its process is killed, the task stored REVOKED.
            let doomed = running
            _ = try await browse(["open:\(base)/task/\(doomed)", "eval:document.getElementById('task-terminate').click()", alert])
            let result = try await fixture.waitForReady(doomed, timeout: .seconds(15))
            #expect(result.state == .revoked, "\(result)")
            var shown = ""
            do {
                try await poll(timeout: .seconds(20), "celerity workers no longer shows the task") {
                    shown = try await workers()
                    return !shown.contains(doomed)
                }
            } catch {
                Issue.record("celerity workers still shows \(doomed):\n\(shown)\n\(node.process.diagnostics())")
            }
        }
    }

    /// A JavaScript string literal.
    static func js(_ text: String) -> String { JSONValue.string(text).serialized }
}

/// Installs websocket-client (the DevTools protocol's transport for `flower_ui.py`) into a Celery environment, once.
enum DevToolsClient {
    static let version = "1.9.2"
    private static let installs = Locked<[String: Task<Void, any Error>]>([:])

    static func install(into celery: PythonCelery) async throws {
        let task = installs.withLock { installs in
            if let task = installs[celery.virtualEnvironment.path] { return task }
            let task = Task {
                let marker = celery.virtualEnvironment.appendingPathComponent(".celerity-websocket-client-\(version)")
                if FileManager.default.fileExists(atPath: marker.path) { return }
                let pip = try await ChildProcess.run(
                    celery.python,
                    arguments: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "websocket-client==\(version)"],
                    timeout: .seconds(600))
                guard pip.termination.isSuccess else {
                    throw InteropFailure("pip install websocket-client failed (\(pip.termination))\n\(pip.standardError)")
                }
                try Data("websocket-client==\(version)\n".utf8).write(to: marker)
            }
            installs[celery.virtualEnvironment.path] = task
            return task
        }
        try await task.value
    }
}
