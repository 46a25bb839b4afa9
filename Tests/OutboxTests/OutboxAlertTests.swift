import Broker
import Foundation
import Outbox
import Postgres
import TestSupport
import Testing

/// The shipped outbox alert in a real Prometheus, scraping a real worker node, with the relay stopped.
@Suite("outbox: the alert in a live Prometheus", .serialized)
struct OutboxAlertTests {
    @Test("with every relay stopped, CelerityOutboxStuck fires in Prometheus within a minute and a half")
    func firesWithTheRelayStopped() async throws {
        try await OutboxFixture.with { fixture in
            let port = try FreePort.allocate()
            let worker = try ChildProcess(
                try OutboxFixture.binary("celerity"),
                arguments: ["worker", "-Q", "celery", "-c", "1", "--metrics-address", "127.0.0.1:\(port)"],
                environment: ["CELERITY_REDIS_URL": fixture.redis.url]
            )
            defer { worker.kill() }

            // A relay counts the outbox once (the report is in Redis), then is killed; rows keep being committed.
            let relay = try fixture.startRelay()
            try await poll(timeout: .seconds(30), "the relay's first count") {
                try fixture.redis.command(["HGET", "celerity:outbox:stats", "observed"]).string != nil
            }
            relay.kill()
            _ = try await relay.waitForExit(timeout: .seconds(10))
            _ = try fixture.database.withTransaction { transaction in
                try transaction.enqueue("demo.add", args: [1, 2])
            }

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-outbox-prometheus-\(port)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let rules = OutboxFixture.repository.appendingPathComponent("deploy/prometheus/rules/celerity.yml")
            let prometheusPort = try FreePort.allocate()
            try """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: ["\(rules.path)"]
                scrape_configs:
                  - job_name: celerity
                    static_configs:
                      - targets: ["127.0.0.1:\(port)"]

                """.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
            let prometheus = try ChildProcess(
                "prometheus",
                arguments: [
                    "--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/tsdb",
                    "--web.listen-address=127.0.0.1:\(prometheusPort)",
                ]
            )
            defer { prometheus.kill() }

            let started = ContinuousClock.now
            let firing = try await pollForValue(timeout: .seconds(120), interval: .milliseconds(500), "CelerityOutboxStuck firing") {
                if let ended = prometheus.termination { throw HarnessError(.processFailed, "prometheus exited (\(ended))\n\(prometheus.diagnostics())") }
                let result = try await ChildProcess.run(
                    "curl", arguments: ["-s", "-m", "5", "http://127.0.0.1:\(prometheusPort)/api/v1/alerts"]
                )
                let body = result.standardOutput
                return body.contains("\"alertname\":\"CelerityOutboxStuck\"") && body.contains("\"state\":\"firing\"") ? body : nil
            }
            #expect(firing.contains("\"reason\":\"no_relay\""), "\(firing)")
            #expect(firing.contains("No outbox relay has counted the outbox for"))
            print("outbox alert fired \(ContinuousClock.now - started) after Prometheus started")
            // The row committed while no relay ran is still there, pending, not lost.
            #expect(try await fixture.pending() == 1)
        }
    }
}
