import Broker
import Foundation
import TestSupport
import Testing

/// `/metrics` on a real worker node against a real redis-server: celery-exporter's names, types and
/// labels, every priority bucket counted, queues found from kombu bindings, task outcomes from the worker
/// processes, `worker_up` dropping after kill -9, the oldest-message age, and bounded cardinality.
@Suite("/metrics", .serialized)
struct MetricsEndpointTests {
    /// The families celery-exporter exports that a worker node exports too, with their types.
    static let exporterFamilies: [String: String] = [
        "celery_task_received_total": "counter", "celery_task_started_total": "counter",
        "celery_task_succeeded_total": "counter", "celery_task_failed_total": "counter",
        "celery_task_rejected_total": "counter", "celery_task_revoked_total": "counter",
        "celery_task_retried_total": "counter", "celery_worker_up": "gauge", "celery_worker_tasks_active": "gauge",
        "celery_queue_length": "gauge", "celery_active_worker_count": "gauge", "celery_active_process_count": "gauge",
        "celery_task_runtime": "histogram",
    ]

    @Test("celery-exporter's names and labels; queue length sums every priority bucket of every discovered queue")
    func exporterCompatible() async throws {
        try await OperationsFixture.with { fixture in
            // A queue nobody consumes, declared the way a Celery client does (kombu binding), with
            // messages in three of its four priority buckets.
            let separator = PriorityBuckets.separator
            _ = try await fixture.db.send(["SADD", "_kombu.binding.celery", "idle\(separator)\(separator)idle"])
            for (priority, count) in [(0, 2), (3, 3), (9, 1)] {
                let messages = (0..<count).map { _ in TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "idle", priority: priority)) }
                try await fixture.client.send(batch: messages)
            }
            let node = try await fixture.startWorker(name: "ops-a@test")
            var ids: [String] = []
            for _ in 0..<5 { ids.append(try await fixture.client.enqueue("demo.add", args: [1, 2])) }
            for _ in 0..<3 { ids.append(try await fixture.client.enqueue("demo.fail")) }
            for id in ids { _ = try await fixture.client.result(id, timeout: .seconds(30)) }

            let metrics = try await pollForValue(timeout: .seconds(10), "the 8 tasks to be counted") {
                let metrics = try await fixture.scrape(node)
                let done = (metrics.value("celery_task_succeeded_total", ["name": "demo.add"]) ?? 0)
                    + (metrics.value("celery_task_failed_total", ["name": "demo.fail", "exception": "ValueError"]) ?? 0)
                return done == 8 ? metrics : nil
            }
            for (family, type) in Self.exporterFamilies {
                #expect(metrics.types[family] == type, "TYPE of \(family)")
                #expect(metrics.help[family]?.isEmpty == false, "HELP of \(family)")
            }
            let labels = ["name": "demo.add", "hostname": "ops-a@test", "queue_name": "celery"]
            #expect(metrics.value("celery_task_succeeded_total", labels) == 5)
            #expect(metrics.value("celery_task_received_total", labels) == 5)
            #expect(metrics.value("celery_task_runtime_count", labels) == 5)
            #expect(metrics.value("celery_task_runtime_bucket", labels.merging(["le": "+Inf"]) { $1 }) == 5)
            #expect(
                metrics.value(
                    "celery_task_failed_total",
                    ["name": "demo.fail", "hostname": "ops-a@test", "queue_name": "celery", "exception": "ValueError"]
                ) == 3
            )
            #expect(metrics.value("celery_queue_length", ["queue_name": "idle"]) == 6)
            #expect(metrics.value("celerity_queue_messages", ["queue_name": "idle", "priority": "3"]) == 3)
            #expect(metrics.value("celery_queue_length", ["queue_name": "celery"]) == 0)
            #expect(metrics.value("celery_worker_up", ["hostname": "ops-a@test"]) == 1)
            // What the node would run, for external autoscalers (KEDA): without --autoscale, its pool size.
            #expect(metrics.value("celerity_worker_desired_processes", ["hostname": "ops-a@test"]) == 2)
            #expect(metrics.value("celery_active_worker_count", ["queue_name": "celery"]) == 1)
            #expect(metrics.value("celery_active_process_count", ["queue_name": "celery"]) == 2)
            #expect(metrics.value("celery_active_worker_count", ["queue_name": "idle"]) == 0)
            #expect(metrics.value("celerity_build_info") == 1)

            // Prometheus's own linter parses the page; its only complaints are celery-exporter's two names,
            // kept as they are for the mixin's dashboards.
            let (_, body) = try await OperationsFixture.get(node.url + "/metrics")
            let lint = try await ChildProcess.run("promtool", arguments: ["check", "metrics"], standardInput: Data(body.utf8))
            let complaints = (lint.standardOutput + lint.standardError).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let expected: Set<String> = [
                "celery_active_process_count non-histogram and non-summary metrics should not have \"_count\" suffix",
                "celery_active_worker_count non-histogram and non-summary metrics should not have \"_count\" suffix",
            ]
            #expect(lint.termination == .exited(0) || lint.termination == .exited(3), "promtool: \(complaints)")
            #expect(Set(complaints.filter { !$0.isEmpty }).isSubset(of: expected), "promtool check metrics: \(complaints)")

            let health = try await OperationsFixture.get(node.url + "/healthz")
            #expect(health.status == 200 && health.body.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        }
    }

    @Test("a node killed with kill -9 is reported worker_up 0 by another node within its lease")
    func workerUpAfterKill() async throws {
        try await OperationsFixture.with { fixture in
            let watcher = try await fixture.startWorker(name: "ops-watcher@test")
            let victim = try await fixture.startWorker(name: "ops-victim@test", queues: "backups", metrics: false)
            try await poll(timeout: .seconds(10), "the watcher to see the victim up") {
                try await fixture.scrape(watcher).value("celery_worker_up", ["hostname": "ops-victim@test"]) == 1
            }
            victim.process.kill()
            let killed = ContinuousClock.now
            try await poll(timeout: .seconds(10), interval: .milliseconds(100), "the victim to be reported down") {
                try await fixture.scrape(watcher).value("celery_worker_up", ["hostname": "ops-victim@test"]) == 0
            }
            let elapsed = ContinuousClock.now - killed
            // The lease is 2 s, so the node is reported down 2 s after its last heartbeat at most; polling with a
            // curl every 100 ms adds a little, more on a loaded CI machine.
            #expect(elapsed < .seconds(3.5), "reported down after \(elapsed)")
            let metrics = try await fixture.scrape(watcher)
            #expect(metrics.value("celery_worker_tasks_active", ["hostname": "ops-victim@test"]) == 0)
            #expect(metrics.value("celery_active_worker_count", ["queue_name": "backups"]) == 0)
        }
    }

    @Test("the oldest-message age counts from when a message was first seen, and drops when it is consumed")
    func oldestMessageAge() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "ops-age@test")
            // Declared like a Celery client declares a queue, before the node's first scrape discovers bindings.
            let separator = PriorityBuckets.separator
            _ = try await fixture.db.send(["SADD", "_kombu.binding.stale", "stale\(separator)\(separator)stale"])
            let pushed = ContinuousClock.now
            try await fixture.client.send(batch: [TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "stale"))])
            let first = try await fixture.scrape(node)
            #expect(first.value("celery_queue_length", ["queue_name": "stale"]) == 1)
            let age = try await pollForValue(timeout: .seconds(10), interval: .milliseconds(200), "the age to pass 1.5 s") {
                let value = try await fixture.scrape(node).value("celerity_queue_oldest_message_age_seconds", ["queue_name": "stale"]) ?? 0
                return value >= 1.5 ? value : nil
            }
            // A lower bound: never more than the message's real age.
            #expect(age <= (ContinuousClock.now - pushed).seconds)

            // A newer message is seen; then the old one is consumed: the age restarts from the newer one's sighting.
            let second = ContinuousClock.now
            try await fixture.client.send(batch: [TaskMessage.make(task: "demo.add", args: [3, 4], options: TaskOptions(queue: "stale"))])
            _ = try await fixture.scrape(node)
            _ = try await fixture.db.send(["RPOP", "stale"])
            let after = try await fixture.scrape(node)
            let newAge = try #require(after.value("celerity_queue_oldest_message_age_seconds", ["queue_name": "stale"]))
            #expect(after.value("celery_queue_length", ["queue_name": "stale"]) == 1)
            #expect(newAge < age)
            #expect(newAge <= (ContinuousClock.now - second).seconds)

            _ = try await fixture.db.send(["RPOP", "stale"])
            let empty = try await fixture.scrape(node)
            #expect(empty.value("celerity_queue_oldest_message_age_seconds", ["queue_name": "stale"]) == 0)
            #expect(try await fixture.db.send(["EXISTS", "celerity:queue-samples:stale"]).integer == 0)
        }
    }

    @Test("with Redis down /healthz and /metrics answer 503 naming it; after a restart the reconnects are counted")
    func redisOutage() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "ops-outage@test")
            #expect(try await fixture.scrape(node).value("celerity_redis_reconnects_total") == 0)
            await fixture.redis.kill()
            let health = try await OperationsFixture.get(node.url + "/healthz")
            #expect(health.status == 503 && health.body.contains("cannot reach Redis"), "\(health)")
            let metrics = try await OperationsFixture.get(node.url + "/metrics")
            #expect(metrics.status == 503 && metrics.body.contains("cannot read Redis"), "\(metrics)")
            try await fixture.redis.restart()
            let reconnects = try await pollForValue(timeout: .seconds(20), interval: .milliseconds(200), "reconnects to be counted") {
                try? await fixture.scrape(node).value("celerity_redis_reconnects_total", ["hostname": "ops-outage@test"])
            }
            #expect(reconnects >= 1)
        }
    }

    @Test("10,000 tasks with distinct ids and error texts leave the number of series unchanged")
    func boundedCardinality() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "ops-card@test")
            func failing(_ range: Range<Int>) -> [TaskMessage] {
                range.map { TaskMessage.make(task: "demo.add", args: [.string("distinct error text \($0)"), 1]) }
            }
            try await fixture.client.send(batch: failing(0..<100))
            let before = try await pollForValue(timeout: .seconds(30), "the first 100 failures") {
                let metrics = try await fixture.scrape(node)
                return metrics.value("celery_task_failed_total", ["name": "demo.add", "exception": "TypeError"]) == 100 ? metrics : nil
            }
            for start in stride(from: 100, to: 10_000, by: 1000) {
                try await fixture.client.send(batch: failing(start..<min(start + 1000, 10_000)))
            }
            let (after, text) = try await pollForValue(timeout: .seconds(180), interval: .milliseconds(500), "10,000 failures") {
                let (_, body) = try await OperationsFixture.get(node.url + "/metrics")
                let metrics = PrometheusText(body)
                return metrics.value("celery_task_failed_total", ["name": "demo.add", "exception": "TypeError"]) == 10_000
                    ? (metrics, body) : nil
            }
            #expect(Set(after.samples.keys) == Set(before.samples.keys))
            #expect(!text.contains("distinct error text"))
            #expect(!text.contains("task_id") && !text.contains("uuid"))
        }
    }
}
