import Broker
import Foundation
import TestSupport
import Testing

/// `celery_task_sent_total` on real worker nodes: Celerity's own sends (the client, a worker's chain
/// continuation) and the `task-sent` events of a real Python Celery client with `task_send_sent_event`,
/// counted once cluster-wide and reported alike by every node.
@Suite("celery_task_sent_total", .serialized)
struct SentCounterTests {
    /// A Celery 5.7 client that sends `count` tasks with `task_send_sent_event` on.
    static let pythonSender = """
        import os, sys
        from celery import Celery
        app = Celery("sentprobe", broker=os.environ["CELERITY_REDIS_URL"])
        app.conf.task_send_sent_event = True
        for _ in range(int(sys.argv[1])):
            app.send_task("demo.add", args=[1, 2], queue=sys.argv[2])
        """

    @Test("Celerity's sends and a Python client's task-sent events are counted once, on every node")
    func sentCounted() async throws {
        try await OperationsFixture.with { fixture in
            let celery = try await PythonCelery.prepare()
            let first = try await fixture.startWorker(name: "ops-sent-a@test")
            let second = try await fixture.startWorker(name: "ops-sent-b@test", queues: "other")
            // Both nodes listen for task-sent events before the Python client publishes any.
            let channel = "/0.celeryev/task.sent"
            try await poll(timeout: .seconds(10), "both nodes to subscribe to \(channel)") {
                let reply = try await fixture.db.send(["PUBSUB", "NUMSUB", channel])
                return reply.array?.last?.integer == 2
            }

            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await fixture.client.enqueue("demo.add", args: [1, 2])) }
            // A chain: the client sends the first task, the worker node sends the second.
            ids += try await fixture.client.chain([Signature("demo.add", args: [1, 2]), Signature("demo.add", args: [3])])
            for id in ids { _ = try await fixture.client.result(id, timeout: .seconds(30)) }

            let directory = try fixture.makeDirectory("celerity-sent")
            let script = directory.appendingPathComponent("sent_probe.py")
            try Self.pythonSender.write(to: script, atomically: true, encoding: .utf8)
            _ = try await celery.run(script: script.path, args: ["5", "pyq"], redisURL: fixture.redis.url)

            let client = SentCounter.clientSender
            let expected: [[String: String]: Double] = [
                ["name": "demo.add", "hostname": client, "queue_name": "celery"]: 4,
                ["name": "demo.add", "hostname": "ops-sent-a@test", "queue_name": "celery"]: 1,
            ]
            for node in [first, second] {
                let metrics = try await pollForValue(timeout: .seconds(15), "5 Python sends counted on \(node.name)") {
                    let metrics = try await fixture.scrape(node)
                    let python = metrics.series("celery_task_sent_total").filter { $0.key.labels["queue_name"] == "pyq" }
                    return python.values.reduce(0, +) == 5 ? (metrics, python) : nil
                }
                #expect(metrics.0.types["celery_task_sent_total"] == "counter")
                #expect(metrics.0.help["celery_task_sent_total"]?.isEmpty == false)
                for (labels, value) in expected {
                    #expect(metrics.0.value("celery_task_sent_total", labels) == value, "\(labels) on \(node.name)")
                }
                // One series for the Python client, named by its node name without the pid (`gen@host`).
                let python = try #require(metrics.1.keys.first)
                #expect(metrics.1.count == 1 && python.labels["name"] == "demo.add")
                #expect(python.labels["hostname"]?.hasPrefix("gen@") == true, "\(python.labels)")
            }
            // Counted once, although two nodes heard every event.
            let total = try await fixture.db.send(["HVALS", SentCounter.key]).array?.compactMap { $0.string.flatMap(Int.init) }
            #expect(total?.reduce(0, +) == 10)
        }
    }
}
