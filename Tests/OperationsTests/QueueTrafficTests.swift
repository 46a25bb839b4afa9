import Broker
import Foundation
import Operations
import TestSupport
import Testing
import Worker

/// What arrival counting (docs/operations.md) gives on-call, against a real redis-server and real worker
/// nodes: `celery_task_queue_wait_time` for messages without an ETA, and the per-queue in/out rates of
/// `celerity status`.
@Suite("queue wait and rates", .serialized)
struct QueueTrafficTests {
    @Test("a backlog left 4 s is observed as waits over 2.5 s; messages taken at once as waits under 2.5 s")
    func queueWaitFromArrivals() async throws {
        try await OperationsFixture.with { fixture in
            // Reads before and after the push record the arrivals (a scrape or `celerity status` does it in production).
            let before = ContinuousClock.now
            let read = try await fixture.run(["status", "-Q", "waitq", "--rate-interval", "0"])
            #expect(read.termination == .exited(0), "\(read.standardError)")
            let pushed = ContinuousClock.now  // after the first read's record
            let ids = (0..<20).map { _ in RandomID.uuidString() }
            try await fixture.client.send(batch: ids.map { TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "waitq", taskID: $0)) })
            // A list gets at most two records a second (QueueArrivals.minSpacing): the second read must come later.
            try await poll(timeout: .seconds(5), interval: .milliseconds(50), "0.5 s after the first read") {
                ContinuousClock.now - pushed >= .seconds(0.5)
            }
            _ = try await fixture.run(["status", "-Q", "waitq", "--rate-interval", "0"])
            // The arrival lies between the two reads: that is this test's error bound.
            let bracket = (ContinuousClock.now - before).seconds
            // 4 s: the last of the backlog is placed at the end of the bracket, at most about 1 s after the push.
            try await poll(timeout: .seconds(10), interval: .milliseconds(100), "the backlog to be 4 s old") {
                ContinuousClock.now - pushed >= .seconds(4)
            }

            let node = try await fixture.startWorker(name: "ops-wait@test", queues: "waitq")
            for id in ids { _ = try await fixture.client.result(id, timeout: .seconds(30)) }
            let drained = (ContinuousClock.now - pushed).seconds
            let labels = ["name": "demo.add", "hostname": "ops-wait@test", "queue_name": "waitq"]
            let metrics = try await pollForValue(timeout: .seconds(10), "20 queue waits observed") {
                let metrics = try await fixture.scrape(node)
                return metrics.value("celery_task_queue_wait_time_count", labels) == 20 ? metrics : nil
            }
            let mean = try #require(metrics.value("celery_task_queue_wait_time_sum", labels)) / 20
            #expect(mean >= 4 - bracket && mean <= drained + bracket, "mean wait \(mean), drained after \(drained), bracket \(bracket)")
            #expect(metrics.value("celery_task_queue_wait_time_bucket", labels.merging(["le": "2.5"]) { $1 }) == 0)

            // With the node running (it samples its lists every second), messages are taken at once.
            let quick = (0..<10).map { _ in RandomID.uuidString() }
            try await fixture.client.send(batch: quick.map { TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "waitq", taskID: $0)) })
            for id in quick { _ = try await fixture.client.result(id, timeout: .seconds(30)) }
            let after = try await pollForValue(timeout: .seconds(10), "30 queue waits observed") {
                let metrics = try await fixture.scrape(node)
                return metrics.value("celery_task_queue_wait_time_count", labels) == 30 ? metrics : nil
            }
            #expect(after.value("celery_task_queue_wait_time_bucket", labels.merging(["le": "2.5"]) { $1 }) == 10)
        }
    }

    @Test("celerity status reports per-queue in and out rates that match Redis's counters")
    func inAndOutRates() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "ops-rates@test", queues: "rates")
            let separator = PriorityBuckets.separator
            _ = try await fixture.db.send(["SADD", "_kombu.binding.parked", "parked\(separator)\(separator)parked"])
            let connection = fixture.db.connection
            let scrape = ClusterScrape(connection: connection, queues: ["rates", "parked"], leaseTimeout: .seconds(10))
            func redisCounts(_ queue: String) throws -> (popped: Int, ready: Int) {
                let lists = PriorityBuckets.listKeys(queue: queue)
                let replies = try connection.pipeline(lists.map { ["GET", "celerity:popped:" + $0] } + lists.map { ["LLEN", $0] })
                return (
                    replies.prefix(4).reduce(0) { $0 + ($1.string.flatMap(Int.init) ?? 0) },
                    replies.suffix(4).reduce(0) { $0 + ($1.integer ?? 0) }
                )
            }
            let first = try StatusReport.read(scrape: scrape, on: connection)
            let start = (rates: try redisCounts("rates"), parked: try redisCounts("parked"))

            var ids: [String] = []
            for index in 0..<12 {
                ids.append(try await fixture.client.enqueue("demo.add", args: [.int(index), 1], options: TaskOptions(queue: "rates", priority: index % 2 == 0 ? 0 : 6)))
            }
            for id in ids { _ = try await fixture.client.result(id, timeout: .seconds(30)) }
            try await fixture.client.send(batch: (0..<6).map { _ in TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "parked")) })

            let second = try StatusReport.read(scrape: scrape, on: connection, previous: first)
            let end = (rates: try redisCounts("rates"), parked: try redisCounts("parked"))
            let elapsed = second.snapshot.time.timeIntervalSince(first.snapshot.time)
            let rates = try #require(second.queueRates?["rates"])
            let parked = try #require(second.queueRates?["parked"])
            #expect(end.rates.popped - start.rates.popped == 12)
            #expect(abs(rates.out * elapsed - 12) < 1e-6, "\(rates)")
            #expect(abs(rates.in * elapsed - Double(12 + end.rates.ready - start.rates.ready)) < 1e-6, "\(rates)")
            #expect(abs(parked.in * elapsed - 6) < 1e-6 && parked.out == 0 && abs(parked.change * elapsed - 6) < 1e-6, "\(parked)")

            let json = second.json()
            let row = try #require(json["queues"]?.arrayValue?.first { $0["name"]?.stringValue == "parked" })
            #expect(row["in_per_second"]?.doubleValue == parked.in && row["out_per_second"]?.doubleValue == 0)
            #expect(second.text().contains("IN/S") && second.text().contains("OUT/S"))
            let page = try await OperationsFixture.get(node.url + "/")
            #expect(page.status == 200 && page.body.contains("data-field=\"in\"") && page.body.contains("data-field=\"out\""))
        }
    }
}
