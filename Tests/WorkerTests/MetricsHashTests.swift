import Broker
import Foundation
import TaskAPI
import Tasks
import Testing

@testable import Operations
@testable import Worker

/// Issue 22, part 6: fields of `celerity:metrics:*` that another version, a script or a typo wrote are skipped with
/// one log line; none can reach swift-prometheus's `fatalError` or `precondition`.
extension WorkerTests {
    @Test("22. stray celerity:metrics:* fields (other labels, duplicate labels, negative or huge counts) are skipped; /metrics renders")
    func strayMetricFieldsAreSkipped() async throws {
        try await withFixture { f in
            let jobs = WorkerKeys.applicationMetrics
            try await f.db.withConnection { connection in
                try JobFamilyMetrics.inflationRateApplied.set(0.042, on: connection)
                try JobFamilyMetrics.backupLastSuccess.set(1_700_000_000, labels: ["kind": "postgres"], on: connection)
                try JobFamilyMetrics.inflationRateUpdated.set(0, on: connection)
            }
            let stray = [
                "celerity_inflation_rate_applied_ratio|x=1",  // labeled beside the unlabeled series: fatalError
                "celerity_backup_last_success_timestamp_seconds",  // unlabeled beside the labeled one
                "celerity_backup_last_success_timestamp_seconds|kind=a|kind=b",  // duplicate label name: precondition
                "celerity_backup_last_success_timestamp_seconds|type=redis",
                "celerity_backup_last_success_timestamp_seconds|kind=",
                "celerity_backup_last_success_timestamp_seconds|kind",
                "no_such_metric|kind=x",
            ]
            var commands = stray.map { ["HSET", jobs, $0, "1"] }
            commands.append(["HSET", jobs, "celerity_inflation_rate_updated_timestamp_seconds", "not a number"])
            // Catalog entries that are not JSON, or take a name of Celerity's own (a counter here would trap the gauge).
            let takenName = #"{"type":"counter","help":"x","labels":[],"buckets":[]}"#
            commands += [
                ["HSET", WorkerKeys.metricCatalog, "shop_broken", "{not json"],
                ["HSET", WorkerKeys.metricCatalog, "celery_queue_length", takenName], ["HSET", jobs, "celery_queue_length", "5"],
            ]
            let sent = SentCounter.field(queue: "celery", name: "demo.add", sender: "n@h")
            commands += [
                ["HSET", SentCounter.key, sent, "-5"], ["HSET", SentCounter.key, sent + "x", String(Int64.max)],
                ["HSET", SentCounter.key, sent + "y", String(Int64.max)], ["HSET", SentCounter.key, "garbage", "1"],
            ]
            try await f.db.pipeline(commands)

            let logged = LockedLines()
            let text = try await f.db.withConnection { connection in
                let scrape = ClusterScrape(connection: connection, queues: ["celery"], leaseTimeout: .seconds(10)) { logged.append($0) }
                let snapshot = try scrape.read()
                _ = try scrape.read()  // a second scrape logs nothing new
                return String(decoding: MetricsExposition.render(snapshot), as: UTF8.self)
            }
            #expect(text.contains("celerity_inflation_rate_applied_ratio 0.042"), "\(text)")
            #expect(text.contains("celerity_backup_last_success_timestamp_seconds{kind=\"postgres\"} 1700000000"))
            #expect(!text.contains("x=\"1\"") && !text.contains("type=\"redis\""))
            #expect(!text.contains("-5"))
            let lines = logged.lines
            // + the non-number value, the negative count, the two catalog entries and the field of the taken name.
            #expect(lines.count == stray.count + 5, "\(lines)")
            #expect(!text.contains("celery_queue_length 5"))
            #expect(Set(lines).count == lines.count, "a field was logged twice")
        }
    }
}

/// Collects log lines from another thread.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
