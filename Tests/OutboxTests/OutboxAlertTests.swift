import Broker
import Foundation
import Outbox
import Postgres
import TestSupport
import Testing

/// The shipped outbox alert in a real Prometheus, scraping a real worker node: with the relay stopped, then with a
/// relay back and one row stuck.
@Suite("outbox: the alert in a live Prometheus", .serialized)
struct OutboxAlertTests {
    @Test("CelerityOutboxStuck fires with every relay stopped (no_relay), then for a stuck row a relay counts (oldest_pending)")
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

            /// The firing CelerityOutboxStuck alerts' `reason` labels and summaries.
            func firing() async throws -> [String: String] {
                if let ended = prometheus.termination { throw HarnessError(.processFailed, "prometheus exited (\(ended))\n\(prometheus.diagnostics())") }
                let result = try await ChildProcess.run("curl", arguments: ["-s", "-m", "5", "http://127.0.0.1:\(prometheusPort)/api/v1/alerts"])
                let json = try? JSONValue.parse(result.standardOutput)
                var reasons: [String: String] = [:]
                for alert in json?["data"]?["alerts"]?.arrayValue ?? [] where alert["state"]?.stringValue == "firing"
                    && alert["labels"]?["alertname"]?.stringValue == "CelerityOutboxStuck"
                {
                    reasons[alert["labels"]?["reason"]?.stringValue ?? "?"] = alert["annotations"]?["summary"]?.stringValue ?? ""
                }
                return reasons
            }

            let started = ContinuousClock.now
            let noRelay = try await pollForValue(timeout: .seconds(120), interval: .milliseconds(500), "CelerityOutboxStuck firing, no relay") {
                try await firing()["no_relay"]
            }
            #expect(noRelay.hasPrefix("No outbox relay has counted the outbox for"), "\(noRelay)")
            print("outbox alert (no relay) fired \(ContinuousClock.now - started) after Prometheus started")
            // The row committed while no relay ran is still there, pending, not lost.
            #expect(try await fixture.pending() == 1)

            // A relay comes back, but one row stays stuck (an open transaction holds its lock, so SKIP LOCKED passes
            // it by; it was inserted 5 minutes ago): the relay counts it, and the oldest-pending way in fires.
            try await fixture.postgres.psql(
                "INSERT INTO celerity_outbox (task_id, task_name, created_at) VALUES ('stuck', 'demo.add', now() - interval '5 minutes')",
                database: "celerity"
            )
            let holder = try ChildProcess(
                fixture.postgres.binDirectory.appendingPathComponent("psql").path,
                arguments: [
                    "-X", "-h", "127.0.0.1", "-p", "\(fixture.postgres.port)", "-U", "postgres", "-d", "celerity", "-c",
                    "BEGIN; SELECT task_id FROM celerity_outbox WHERE task_id = 'stuck' FOR UPDATE; SELECT pg_sleep(300);",
                ]
            )
            defer { holder.kill() }
            try await poll(timeout: .seconds(30), "the stuck row locked") {
                try await fixture.count("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.query LIKE '%pg_sleep(300)%' AND l.mode = 'RowShareLock'") > 0
            }
            let secondRelay = try fixture.startRelay()
            defer { secondRelay.kill() }
            let restarted = ContinuousClock.now
            let oldestPending = try await pollForValue(timeout: .seconds(60), interval: .milliseconds(500), "CelerityOutboxStuck firing, oldest pending") {
                let reasons = try await firing()
                return reasons["no_relay"] == nil ? reasons["oldest_pending"] : nil
            }
            #expect(oldestPending.hasPrefix("The oldest pending outbox row has waited 5m"), "\(oldestPending)")
            print("outbox alert (oldest pending) fired \(ContinuousClock.now - restarted) after the relay came back")
            #expect(try await fixture.pending() == 1, "only the locked row is left")
        }
    }
}
