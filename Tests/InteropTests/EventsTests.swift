import Broker
import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 5, item 5: Celery's event stream from Celerity workers (wire spec §10), and Flower reading it.
@Suite("Events and Flower")
struct EventsTests {
    @Test("a Celerity worker publishes worker-online, a heartbeat every 2 s, task events with -E, and worker-offline")
    func eventStream() async throws {
        try await withInteropFixture { fixture in
            let channels = ["worker.online", "worker.heartbeat", "worker.offline", "task.multi"].map {
                "/0.celeryev/" + $0
            }
            let listener = RedisClient(configuration: fixture.db.connection.configuration)
            defer { listener.connection.close() }
            try await listener.withConnection { try $0.subscribe(channels) }
            let events = Locked<[(routingKey: String, headers: JSONObject, body: JSONValue)]>([])
            let reader = Task {
                while !Task.isCancelled {
                    let push = try await listener.withConnection { try $0.nextPush(timeout: .milliseconds(200)) }
                    guard let parts = push?.array, parts.count == 3, parts[0].string == "message",
                        let payload = parts[2].string, let envelope = try? JSONValue.parse(payload),
                        let (body, headers) = KombuEnvelope.decode(payload)
                    else { continue }
                    let routingKey = envelope["properties"]?["delivery_info"]?["routing_key"]?.stringValue ?? ""
                    #expect(envelope["properties"]?["delivery_info"]?["exchange"] == "celeryev")
                    events.withLock { $0.append((routingKey, headers, body)) }
                }
            }
            defer { reader.cancel() }
            func flattened() -> [JSONValue] {
                events.withLock { list in
                    list.flatMap { event in
                        event.routingKey == "task.multi" ? (event.body.arrayValue ?? []) : [event.body]
                    }
                }
            }

            let node = try await fixture.startCelerity(options: ["-E"])
            let id = try await fixture.client.enqueue("compat.add", args: [2, 3])
            #expect(try await fixture.client.result(id, timeout: .seconds(20)).result == 5)
            let heartbeats = try await pollForValue(timeout: .seconds(15), "worker-online and two heartbeats") {
                let beats = flattened().filter {
                    $0["type"] == "worker-heartbeat" && $0["hostname"] == .string(node.name)
                }
                return beats.count >= 2 ? beats : nil
            }
            let online = flattened().filter { $0["type"] == "worker-online" }
            #expect(online.count == 1)
            #expect(online.first?["hostname"] == .string(node.name))
            let interval =
                (heartbeats[1]["timestamp"]?.doubleValue ?? 0) - (heartbeats[0]["timestamp"]?.doubleValue ?? 0)
            #expect(interval > 1.5 && interval < 3.5, "heartbeat interval \(interval)")
            #expect(heartbeats[0]["freq"] == 2.0)
            #expect(heartbeats[0]["sw_ident"] == "celerity")
            for field in [
                "utcoffset", "pid", "clock", "active", "processed", "loadavg", "sw_ident", "sw_ver", "sw_sys",
            ] {
                #expect(heartbeats[0][field] != nil, "heartbeat has \(field)")
            }
            #expect(events.withLock { $0.allSatisfy { $0.headers["hostname"] == .string(node.name) } })

            try await poll(timeout: .seconds(10), "task-received, task-started and task-succeeded for \(id)") {
                let types = flattened().filter { $0["uuid"] == .string(id) }.compactMap { $0["type"]?.stringValue }
                return types == ["task-received", "task-started", "task-succeeded"]
            }
            let received = try #require(flattened().first { $0["type"] == "task-received" })
            #expect(received["name"] == "compat.add")
            #expect(received["args"] == "[2, 3]")
            let succeeded = try #require(flattened().first { $0["type"] == "task-succeeded" })
            #expect(succeeded["result"] == "5")
            #expect(succeeded["runtime"]?.doubleValue != nil)

            // A node whose short lease makes it beat every second says so in `freq`, as Celery's interval setting does.
            let fast = try await fixture.startCelerity(options: ["--lease-timeout", "3"])
            let fastBeats = try await pollForValue(timeout: .seconds(10), "two heartbeats of the fast node") {
                let beats = flattened().filter {
                    $0["type"] == "worker-heartbeat" && $0["hostname"] == .string(fast.name)
                }
                return beats.count >= 2 ? beats : nil
            }
            let fastInterval =
                (fastBeats[1]["timestamp"]?.doubleValue ?? 0) - (fastBeats[0]["timestamp"]?.doubleValue ?? 0)
            #expect(fastBeats[0]["freq"] == 1.0)
            #expect(fastInterval > 0.5 && fastInterval < 2, "heartbeat interval \(fastInterval)")

            await node.process.stop(gracePeriod: .seconds(20))
            try await poll(timeout: .seconds(5), "worker-offline") {
                flattened().contains { $0["type"] == "worker-offline" && $0["hostname"] == .string(node.name) }
            }
        }
    }

    @Test(
        "Flower 2.0.1 lists a Celerity worker in /api/workers and the tasks it ran in /api/tasks",
        arguments: CeleryVersions.all)
    func flower(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await Flower.install(into: celery)
        try await withInteropFixture { fixture in
            let node = try await fixture.startCelerity(options: ["-E"])
            let port = try FreePort.allocate()
            let flower = try ChildProcess(
                celery.python,
                arguments: ["-m", "celery", "-A", "compat", "flower", "--address=127.0.0.1", "--port=\(port)"],
                environment: [
                    "CELERITY_REDIS_URL": fixture.url, "FLOWER_UNAUTHENTICATED_API": "true",
                    "PYTHONDONTWRITEBYTECODE": "1",
                ],
                workingDirectory: PythonCelery.scriptsDirectory
            )
            fixture.adopt(flower)
            let base = "http://127.0.0.1:\(port)"
            func get(_ path: String) async throws -> InteropJSON? {
                if let ended = flower.termination {
                    throw InteropFailure("Flower exited (\(ended))\n\(flower.diagnostics())")
                }
                guard let (data, response) = try? await URLSession.shared.data(from: URL(string: base + path)!),
                    (response as? HTTPURLResponse)?.statusCode == 200
                else { return nil }
                return try InteropJSON(parsing: String(decoding: data, as: UTF8.self))
            }

            // Flower follows the worker's heartbeats: it is listed as alive.
            let status = try await pollForValue(timeout: .seconds(60), "Flower sees the worker's heartbeats") {
                () -> InteropJSON? in
                let status = try await get("/api/workers?status=true")
                return status?[node.name] == true ? status : nil
            }
            #expect(status[node.name] == true)

            let ids = [
                try await fixture.client.enqueue("compat.add", args: [2, 3]),
                try await fixture.client.enqueue("compat.echo", kwargs: ["a": 1]),
                try await fixture.client.enqueue("compat.fail"),
            ]
            for id in ids { _ = try await fixture.client.result(id, timeout: .seconds(20)) }
            let tasks = try await pollForValue(timeout: .seconds(30), "Flower lists the three tasks as finished") {
                () -> InteropJSON? in
                guard let tasks = try await get("/api/tasks") else { return nil }
                let states = ids.map { tasks[$0]?["state"]?.string }
                // `.some`: InteropJSON is nil-literal convertible, so a bare `nil` here would be JSON null, not "not yet".
                return states == ["SUCCESS", "SUCCESS", "FAILURE"] ? .some(tasks) : .none
            }
            #expect(tasks[ids[0]]?["name"] == "compat.add", "\(tasks)")
            #expect(tasks[ids[0]]?["worker"] == .string(node.name))
            #expect(tasks[ids[0]]?["result"] == "5")
            #expect(tasks[ids[2]]?["exception"]?.string?.contains("boom") == true)

            // With refresh, Flower asks the workers over the pidbox (stats, registered, active_queues, …).
            let workers = try await pollForValue(timeout: .seconds(30), "Flower's inspect of the worker") {
                () -> InteropJSON? in
                let workers = try await get("/api/workers?refresh=true")
                return workers?[node.name]?["registered"] != nil ? workers : nil
            }
            let registered = workers[node.name]?["registered"]?.array?.compactMap(\.string) ?? []
            #expect(registered.contains("compat.add"))
            #expect(workers[node.name]?["stats"]?["pool"]?["max-concurrency"] == 2)
            #expect(workers[node.name]?["active_queues"]?[0]?["name"] == "celery")
        }
    }
}

/// Flower, the Celery monitoring UI, installed from PyPI into a Celery test environment.
enum Flower {
    /// The pinned Flower version: 2.0.1 works with Celery 5.5 and 5.7.
    static let version = "2.0.1"

    static func install(into celery: PythonCelery) async throws {
        try await celery.install(["flower==\(version)"])
    }
}
