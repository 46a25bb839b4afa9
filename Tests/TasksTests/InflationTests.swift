import Broker
import Foundation
import HTTP
import Postgres
import TaskAPI
import TestSupport
import Testing

@testable import Tasks

/// `inflation.update` against real PostgreSQL and loopback HTTP servers for the source, reload, health and Slack.
@Suite("Inflation update")
struct InflationTests {
    /// 20 April 2025, Buenos Aires: March 2025 (published mid-April) is the latest month expected.
    static let april2025 = Date(timeIntervalSince1970: 1_745_150_400)

    @Test(
        "the pinned INDEC and BCRA responses parse into (month, fraction); malformed bodies are rejected as malformed")
    func parsesPinnedShapes() throws {
        let indec = try InflationSource.indec.observations(
            Array(MonthlyJobsFixture.fixture("indec-ipc-percent-change.json").utf8))
        #expect(indec.count == 9)
        #expect(indec.last == .init(period: InflationPeriod(year: 2025, month: 3), rate: 0.037))
        #expect(indec.first == .init(period: InflationPeriod(year: 2024, month: 7), rate: 0.040328))
        let bcra = try InflationSource.bcra.observations(
            Array(MonthlyJobsFixture.fixture("bcra-v3-inflacion-mensual.json").utf8))
        #expect(bcra.count == 6)
        #expect(bcra.first == .init(period: InflationPeriod(year: 2025, month: 3), rate: 0.037))
        #expect(bcra.contains(.init(period: InflationPeriod(year: 2024, month: 11), rate: 0.024)))

        for (source, body) in [
            (InflationSource.indec, "<html>maintenance</html>"), (.indec, #"{"data": [["2025-13-01", 0.02]]}"#),
            (.indec, #"{"results": []}"#),
            (.bcra, #"{"results": [{"detalle": [{"fecha": "2025-03-31", "valor": "3,7"}]}]}"#),
            (.bcra, #"{"data": []}"#),
        ] {
            #expect(throws: InflationRejection.self, "\(source) \(body)") { try source.observations(Array(body.utf8)) }
            do {
                _ = try source.observations(Array(body.utf8))
            } catch {
                #expect(error.reason == .malformed)
            }
        }
        #expect(throws: SettingsError.self) { try InflationConfiguration.parseRange("0.08-0.02") }
        #expect(try InflationConfiguration.parseRange("0.01-0.1") == 0.01...0.1)
    }

    @Test(
        "in range: stored, env file updated (other lines and mode kept), reload called, Slack told the change; a re-run changes nothing; 0.09 and a stale month are rejected"
    )
    func appliesOnceAndRejects() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending("agente_ml.env")
            try fixture.write(
                "# agente_ml\nMODEL_VERSION=v3\nexport INFLATION_RATE=0.02\nDEBUG=0\n", to: envFile, mode: 0o640)
            fixture.answer(.init(status: 200, body: try MonthlyJobsFixture.fixture("indec-ipc-percent-change.json")))
            let service = service(fixture, envFile: envFile, format: .indec, now: Self.april2025)

            let february = try await service.update(period: "2025-02", taskID: "t-feb", logger: fixture.logs.logger)
            #expect(february.status == "applied" && february.rate == 0.024)
            let march = try await service.update(period: nil, taskID: "t-mar", logger: fixture.logs.logger)
            #expect(march.status == "applied")
            #expect(
                march.period == "2025-03" && march.rate == 0.037 && march.previousRate == 0.024 && march.change == 0.013
            )
            let after = try fixture.snapshot(envFile)
            #expect(
                String(decoding: after.bytes, as: UTF8.self)
                    == "# agente_ml\nMODEL_VERSION=v3\nexport INFLATION_RATE=0.037\nDEBUG=0\n")
            #expect(after.mode == 0o640)
            #expect(
                fixture.reload.requests.count == 2
                    && fixture.reload.requests.allSatisfy { $0.method == "POST" && $0.body.isEmpty })
            #expect(fixture.health.requests.count == 2)
            let rows = try fixture.database.query(
                "SELECT period, rate::text AS rate, task_id FROM inflation_rates ORDER BY period")
            #expect(try rows.map { try $0.decode("period", as: String.self) } == ["2025-02", "2025-03"])
            #expect(try rows.last?.decode("rate", as: String.self) == "0.037000")
            #expect(try rows.last?.decode("task_id", as: String.self) == "t-mar")
            _ = try await fixture.slack.waitForRequests(count: 2, timeout: .seconds(10))
            #expect(fixture.slackMessages.last?.contains("3.70 %") == true)
            #expect(fixture.slackMessages.last?.contains("+1.30 points from 2025-02 (2.40 %)") == true)

            // The same month again (a retry, a redelivery, a second trigger): nothing changes.
            let again = try await service.update(period: nil, taskID: "t-mar-2", logger: fixture.logs.logger)
            #expect(again.status == "unchanged")
            #expect(try fixture.snapshot(envFile).bytes == after.bytes)
            #expect(fixture.reload.requests.count == 2)
            #expect(
                try fixture.database.query("SELECT task_id FROM inflation_rates WHERE period = '2025-03'").first?
                    .decode("task_id", as: String.self) == "t-mar")

            // BCRA says 9.0 % for April: out of range, nothing stored or applied, Slack warned.
            fixture.answer(
                .init(
                    status: 200,
                    body:
                        #"{"status":200,"results":[{"idVariable":27,"detalle":[{"fecha":"2025-04-30","valor":9.0},{"fecha":"2025-03-31","valor":3.7}]}]}"#
                ))
            let may = Date(timeIntervalSince1970: 1_747_742_400)  // 20 May 2025
            let bcra = self.service(fixture, envFile: envFile, format: .bcra, now: may)
            let rejected = try await bcra.update(period: nil, taskID: "t-apr", logger: fixture.logs.logger)
            #expect(rejected.status == "rejected" && rejected.reason == "out_of_range")
            #expect(rejected.message?.contains("0.09") == true)
            #expect(try fixture.snapshot(envFile).bytes == after.bytes)
            #expect(try fixture.database.query("SELECT 1 FROM inflation_rates WHERE period = '2025-04'").isEmpty)
            #expect(fixture.reload.requests.count == 2)
            _ = try await fixture.slack.waitForRequests(count: 3, timeout: .seconds(10))
            #expect(fixture.slackMessages.last?.contains("rejected (out_of_range)") == true)

            // September 2025 with March as the latest month: stale.
            fixture.answer(.init(status: 200, body: try MonthlyJobsFixture.fixture("indec-ipc-percent-change.json")))
            let late = self.service(
                fixture, envFile: envFile, format: .indec, now: Date(timeIntervalSince1970: 1_758_369_600))
            let stale = try await late.update(period: nil, taskID: "t-stale", logger: fixture.logs.logger)
            #expect(stale.status == "rejected" && stale.reason == "stale")
            let missing = try await late.update(period: "2025-08", taskID: "t-missing", logger: fixture.logs.logger)
            #expect(missing.status == "rejected" && missing.reason == "missing")
            #expect(try fixture.snapshot(envFile).bytes == after.bytes)
            #expect(!fixture.logs.messages.joined().contains(MonthlyJobsFixture.password))

            // January after March was applied would roll the live rate back: refused unless forced (review L12).
            let rollback = await #expect(throws: TaskError.self) {
                try await service.update(period: "2025-01", taskID: "t-jan", logger: fixture.logs.logger)
            }
            #expect(rollback?.type == "ValueError" && rollback?.message.contains("force=True") == true)
            #expect(try fixture.snapshot(envFile).bytes == after.bytes)
            let forced = try await service.update(
                period: "2025-01", force: true, taskID: "t-jan-forced", logger: fixture.logs.logger)
            #expect(forced.status == "applied" && forced.period == "2025-01")
        }
    }

    @Test(
        "health failing after the apply: the env file is restored byte for byte, the reload command runs again, nothing is stored, Slack is alerted"
    )
    func healthFailureRestores() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending("agente_ml.env")
            try fixture.write("MODEL_VERSION=v3\nINFLATION_RATE='0.020'   \n# end", to: envFile, mode: 0o600)
            let before = try fixture.snapshot(envFile)
            // The reload hook is a command (no shell): a script that appends a line per call.
            let script = fixture.directory.appending("reload.sh")
            let calls = fixture.directory.appending("reloads")
            try fixture.write("#!/bin/sh\necho reload >> '\(calls)'\n", to: script, mode: 0o755)
            fixture.answer(.init(status: 200, body: try MonthlyJobsFixture.fixture("bcra-v3-inflacion-mensual.json")))
            fixture.healthStatus.withLock { $0 = 503 }
            var configuration = try #require(
                try InflationConfiguration.load(
                    settings([
                        "CELERITY_INFLATION_SOURCE_URL": fixture.source.url("/estadisticas/v3.0/monetarias/27"),
                        "CELERITY_INFLATION_SOURCE_FORMAT": "bcra", "CELERITY_INFLATION_ENV_FILE": envFile,
                        "CELERITY_INFLATION_RELOAD_COMMAND": script,
                        "CELERITY_INFLATION_HEALTH_URL": fixture.health.url("/healthz"),
                    ]))
            )
            configuration.control.timeout = .seconds(5)
            let service = InflationService(
                configuration: configuration, http: HTTPClient(logger: fixture.logs.logger), database: fixture.database,
                slack: fixture.notifier(), now: { Self.april2025 }
            )
            let error = await #expect(throws: TaskError.self) {
                try await service.update(period: nil, taskID: "t-1", logger: fixture.logs.logger)
            }
            #expect(error?.message.contains("503") == true && error?.message.contains("restored") == true)
            let after = try fixture.snapshot(envFile)
            #expect(after.bytes == before.bytes && after.mode == before.mode)
            #expect(try String(contentsOfFile: calls, encoding: .utf8) == "reload\nreload\n")
            #expect(try fixture.database.query("SELECT 1 FROM inflation_rates").isEmpty)
            _ = try await fixture.slack.waitForRequests(count: 1, timeout: .seconds(10))
            #expect(fixture.slackMessages.first?.contains("FAILED") == true)
        }
    }

    @Test("in a worker, from `celerity enqueue`: the source answers 500 then 200, the task retries and applies")
    func retriesTransientErrorsInAWorker() async throws {
        try await MonthlyJobsFixture.with { fixture in
            let envFile = fixture.directory.appending("agente_ml.env")
            try fixture.write("INFLATION_RATE=0.02\n", to: envFile, mode: 0o644)
            fixture.answer(
                .init(status: 500, body: "upstream error"),
                .init(status: 200, body: try MonthlyJobsFixture.fixture("indec-ipc-percent-change.json"))
            )
            let worker = try ChildProcess(
                try BackupTaskTests.celerity(), arguments: ["worker", "-Q", "celery", "-c", "1"],
                environment: [
                    "CELERITY_REDIS_URL": fixture.redis.url, "CELERITY_DATABASE_URL": fixture.databaseURL,
                    "CELERITY_INFLATION_SOURCE_URL": fixture.source.url("/series/api/series/"),
                    "CELERITY_INFLATION_ENV_FILE": envFile,
                    "CELERITY_INFLATION_RELOAD_URL": fixture.reload.url("/reload"),
                    "CELERITY_INFLATION_HEALTH_URL": fixture.health.url("/healthz"),
                    "SLACK_WEBHOOK_URL": fixture.slack.url(MonthlyJobsFixture.slackPath),
                ]
            )
            let enqueue = try await ChildProcess.run(
                try BackupTaskTests.celerity(),
                arguments: [
                    "enqueue", "inflation.update", "--kwargs", #"{"period": "2025-03"}"#, "--wait", "--timeout", "60",
                ],
                environment: ["CELERITY_REDIS_URL": fixture.redis.url], timeout: .seconds(90)
            )
            #expect(
                enqueue.termination.isSuccess,
                "\(enqueue.standardOutput)\(enqueue.standardError)\n\(worker.diagnostics())")
            #expect(enqueue.standardOutput.contains(#""status": "applied""#))
            #expect(fixture.source.requests.count == 2)
            #expect(try String(contentsOfFile: envFile, encoding: .utf8) == "INFLATION_RATE=0.037\n")
            #expect(try fixture.database.query("SELECT 1 FROM inflation_rates WHERE period = '2025-03'").count == 1)
            #expect(!worker.output.contains(MonthlyJobsFixture.password) && !worker.output.contains("slack-secret-jobs14"))
            await worker.stop()
        }
    }

    private func settings(_ values: [String: String]) throws -> Settings {
        try Settings(flags: values, environment: [:])
    }

    private func service(_ fixture: MonthlyJobsFixture, envFile: String, format: InflationSource, now: Date)
        -> InflationService
    {
        let configuration = InflationConfiguration(
            sourceURL: fixture.source.url("/api"), format: format, envFile: envFile,
            control: ServiceControl(
                reload: .url(fixture.reload.url("/reload")), healthURLs: [fixture.health.url("/healthz")])
        )
        return InflationService(
            configuration: configuration, http: HTTPClient(logger: fixture.logs.logger), database: fixture.database,
            slack: fixture.notifier(), now: { now }
        )
    }
}
