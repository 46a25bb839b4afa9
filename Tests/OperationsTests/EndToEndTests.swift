import Broker
import Foundation
import TaskAPI
import Tasks
import TestSupport
import Testing

/// The whole alerting path on loopback: worker nodes → real Prometheus with the shipped rules → real
/// Alertmanager with the shipped routing → a fake Slack. 1,001 messages with no consumer fire the seeds'
/// CeleryQueueBacklog; starting consumers resolves it. Then every Grafana dashboard query returns data.
@Suite("end to end: Prometheus, Alertmanager, Slack, Grafana queries", .serialized)
struct EndToEndTests {
    @Test("1,001 queued tasks with no consumer reach Slack as a backlog alert; consumers resolve it")
    func backlogAlertFiresAndResolves() async throws {
        try await OperationsFixture.with { fixture in
            let slack = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
            defer { slack.stop() }
            let separator = PriorityBuckets.separator
            _ = try await fixture.db.send(["SADD", "_kombu.binding.backlog", "backlog\(separator)\(separator)backlog"])
            // 1,001 across two priority buckets: only the sum crosses the threshold.
            try await fixture.client.send(batch: (0..<1001).map { index in
                TaskMessage.make(task: "demo.add", args: [.int(index), 1], options: TaskOptions(queue: "backlog", priority: index % 2 == 0 ? 0 : 6))
            })
            let node = try await fixture.startWorker(name: "e2e-default@test")
            let stack = try await MonitoringStack.start(fixture: fixture, scrapeTargets: ["127.0.0.1:\(node.port!)"], slackURL: slack.url("/services/T000/B000/secret"))

            let firing = try await pollForValue(timeout: .seconds(60), interval: .milliseconds(250), "the backlog alert at Slack") {
                slack.requests.compactMap(SlackPost.init).first { $0.title.contains("CeleryQueueBacklog") && !$0.title.contains("RESOLVED") }
            }
            #expect(firing.channel == "#alerts")
            #expect(firing.text.contains("backlog"), "text: \(firing.text)")
            #expect(firing.title == "Alert: CeleryQueueBacklog")

            // Consumers start; the queue drains; the resolved message follows.
            _ = try await fixture.startWorker(name: "e2e-backlog@test", queues: "backlog", concurrency: 2, metrics: false)
            let resolved = try await pollForValue(timeout: .seconds(90), interval: .milliseconds(250), "the resolved message at Slack") {
                slack.requests.compactMap(SlackPost.init).first { $0.title == "RESOLVED: CeleryQueueBacklog" }
            }
            #expect(resolved.channel == "#alerts")
            #expect(try await fixture.db.send(["LLEN", "backlog"]).integer == 0)
            _ = stack
        }
    }

    @Test("every Grafana dashboard query returns data from a live Prometheus scraping a worker pool")
    func dashboardQueriesReturnData() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "e2e-dash@test", queues: "celery,backups")
            let stack = try await MonitoringStack.start(fixture: fixture, scrapeTargets: ["127.0.0.1:\(node.port!)"], slackURL: "http://127.0.0.1:9/unused")

            // Give every panel something to show: successes, a failure, a retry-free dead letter, an ETA wait,
            // a message parked in the ETA set, a killed worker process, a schedule entry, the job families.
            var ids = [try await fixture.client.enqueue("demo.fail")]
            for _ in 0..<20 { ids.append(try await fixture.client.enqueue("demo.add", args: [1, 2])) }
            ids.append(try await fixture.client.enqueue("demo.add", args: [1, 2], options: TaskOptions(countdown: .seconds(1))))
            _ = try await fixture.client.enqueue("demo.add", args: [1, 2], options: TaskOptions(countdown: .seconds(3600)))
            _ = try await fixture.client.enqueue("no.such.task")
            for id in ids { _ = try await fixture.client.result(id, timeout: .seconds(30)) }
            let schedule = try fixture.makeDirectory("celerity-schedule").appendingPathComponent("schedule.yaml")
            try "entries:\n  - name: flush\n    task: demo.add\n    args: [1, 2]\n    every: 1s\n".write(to: schedule, atomically: true, encoding: .utf8)
            _ = try fixture.start(OperationsFixture.celerity, ["scheduler", "--schedule", schedule.path], environment: ["CELERITY_REDIS_URL": fixture.redis.url])
            // The job families' gauges, recorded through the API the families use.
            let now = Date()
            try await fixture.db.withConnection { connection in
                try JobFamilyMetrics.backupLastSuccess.set(now, labels: ["kind": "postgres"], on: connection)
                try JobFamilyMetrics.backupLastVerification.set(now.addingTimeInterval(-86400), labels: ["kind": "postgres"], on: connection)
                try JobFamilyMetrics.inflationRateApplied.set(0.042, on: connection)
                try JobFamilyMetrics.inflationRateUpdated.set(now, on: connection)
                try JobFamilyMetrics.secretRotationLastStatus.set(1, on: connection)
                try JobFamilyMetrics.secretRotationLastRun.set(now, on: connection)
            }
            let children = try await ChildProcess.run("pgrep", arguments: ["-P", String(node.process.pid)])
            let child = try #require(children.standardOutput.split(separator: "\n").first.flatMap { Int32($0) })
            kill(child, SIGKILL)

            let lines = try await ChildProcess.run(
                "python3", arguments: [MonitoringStack.repository.appendingPathComponent("deploy/tools/dashboard_queries.py").path,
                                       MonitoringStack.repository.appendingPathComponent("deploy/grafana/dashboards/celerity.json").path]
            ).standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count >= 25)
            // Poll until every query has data (rates need two scrapes); name the ones that never do.
            var empty = lines
            let deadline = ContinuousClock.now + .seconds(60)
            while !empty.isEmpty, ContinuousClock.now < deadline {
                var still: [String] = []
                for line in empty {
                    let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
                    if try await stack.seriesCount(parts[1]) == 0 { still.append(line) }
                }
                empty = still
                if !empty.isEmpty { try await Task.sleep(for: .seconds(1)) }
            }
            #expect(empty.isEmpty, "queries without data: \(empty)")

            // The node's own counters saw what happened: the killed process, the dead letter, the schedule.
            let metrics = try await fixture.scrape(node)
            #expect(metrics.value("celerity_worker_process_restarts_total", ["cause": "signal"]) == 1)
            #expect(metrics.value("celerity_dead_lettered_total", ["reason": "unknown_task"]) == 1)
            #expect(metrics.value("celery_task_rejected_total", ["name": "unregistered"]) == 1)
            #expect((metrics.value("celerity_scheduler_lag_seconds", ["entry": "flush"]) ?? -1) >= 0)
            let verified = try #require(metrics.value("celerity_backup_last_verification_timestamp_seconds", ["kind": "postgres"]))
            #expect(abs(verified - (now.timeIntervalSince1970 - 86400)) < 0.01)
            #expect(metrics.value("celerity_inflation_rate_applied_ratio") == 0.042)
        }
    }
}
