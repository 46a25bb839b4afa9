import Broker
import Foundation
import Operations
import Prometheus
import TaskAPI
import Tasks
import TestSupport
import Testing

/// Issue 23, part 4: application metrics through the open `ApplicationMetric` of the task API, recorded in a real
/// redis-server, exported by a real worker node's `/metrics` and scraped by a real Prometheus.
@Suite("application metrics", .serialized)
struct ApplicationMetricsTests {
    static let orders = ApplicationMetric.counter("shop_orders_total", help: "Orders placed, by plan.", labels: ["plan"])
    static let stock = ApplicationMetric.gauge("shop_stock_items", help: "Items in stock.")
    static let basket = ApplicationMetric.histogram(
        "shop_basket_euros", help: "Basket value in euros, by plan.", labels: ["plan"], buckets: [10, 100]
    )

    @Test("an application's counter, gauge and histogram reach a node's /metrics and a real Prometheus")
    func applicationMetricsAreExported() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "app-metrics@test")
            try await fixture.db.withConnection { connection in
                for _ in 0..<3 { try Self.orders.increment(labels: ["plan": "pro"], on: connection) }
                try Self.orders.increment(by: 2, labels: ["plan": "free"], on: connection)
                try Self.stock.set(42, on: connection)
                for value in [5.0, 50, 500] { try Self.basket.observe(value, labels: ["plan": "pro"], on: connection) }
            }
            let metrics = try await fixture.scrape(node)
            #expect(metrics.types["shop_orders_total"] == "counter")
            #expect(metrics.types["shop_stock_items"] == "gauge")
            #expect(metrics.types["shop_basket_euros"] == "histogram")
            #expect(metrics.help["shop_basket_euros"] == "Basket value in euros, by plan.")
            #expect(metrics.value("shop_orders_total", ["plan": "pro"]) == 3)
            #expect(metrics.value("shop_orders_total", ["plan": "free"]) == 2)
            #expect(metrics.value("shop_stock_items") == 42)
            // Cumulative buckets: 5 ≤ 10; 5, 50 ≤ 100; all three ≤ +Inf.
            #expect(metrics.value("shop_basket_euros_bucket", ["plan": "pro", "le": "10.0"]) == 1)
            #expect(metrics.value("shop_basket_euros_bucket", ["plan": "pro", "le": "100.0"]) == 2)
            #expect(metrics.value("shop_basket_euros_bucket", ["plan": "pro", "le": "+Inf"]) == 3)
            #expect(metrics.value("shop_basket_euros_sum", ["plan": "pro"]) == 555)
            #expect(metrics.value("shop_basket_euros_count", ["plan": "pro"]) == 3)

            // The hand-written histogram text is valid exposition: Prometheus ingests it and computes a quantile.
            let stack = try await MonitoringStack.start(
                fixture: fixture, scrapeTargets: ["127.0.0.1:\(node.port!)"], slackURL: "http://127.0.0.1:9/unused"
            )
            try await poll(timeout: .seconds(60), interval: .milliseconds(500), "Prometheus to scrape the application series") {
                try await stack.seriesCount("shop_basket_euros_bucket") == 3
            }
            #expect(try await stack.seriesCount("histogram_quantile(0.5, shop_basket_euros_bucket)") == 1)
            #expect(try await stack.seriesCount("shop_orders_total") == 2)
            #expect(try await stack.seriesCount("shop_stock_items") == 1)
        }
    }

    @Test("a declaration, label set or value that cannot be exported is refused with its reason; nothing is written")
    func badRecordingsAreRefused() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: server.url))
            defer { connection.close() }
            let cases: [(reason: String, record: () throws -> Void)] = [
                ("not a Prometheus name", { try ApplicationMetric.gauge("shop-stock", help: "").set(1, on: connection) }),
                ("Celerity's own series", { try ApplicationMetric.gauge("celery_queue_length", help: "").set(1, on: connection) }),
                ("label name", { try ApplicationMetric.counter("shop_a_total", help: "", labels: ["le"]).increment(on: connection) }),
                ("strictly ascending", { try ApplicationMetric.histogram("shop_b", help: "", buckets: [5, 1]).observe(1, on: connection) }),
                ("recorded with", { try Self.orders.increment(on: connection) }),
                ("recorded with", { try Self.orders.increment(labels: ["plan": "pro", "user": "42"], on: connection) }),
                ("needs a value of 1 to 64 bytes", { try Self.orders.increment(labels: ["plan": ""], on: connection) }),
                ("needs a value of 1 to 64 bytes", {
                    try Self.orders.increment(labels: ["plan": String(repeating: "x", count: 65)], on: connection)
                }),
                ("only grows", { try Self.orders.increment(by: -1, labels: ["plan": "pro"], on: connection) }),
                ("is a counter", { try Self.orders.set(1, labels: ["plan": "pro"], on: connection) }),
                ("not a finite number", { try Self.stock.set(.nan, on: connection) }),
                ("not a finite number", { try Self.basket.observe(.infinity, labels: ["plan": "pro"], on: connection) }),
            ]
            for (reason, record) in cases {
                let error = #expect(throws: ApplicationMetricError.self) { try record() }
                #expect(error?.description.contains(reason) == true, "\(String(describing: error)) should say \(reason)")
            }
            #expect(try server.command(["EXISTS", WorkerKeys.metricCatalog, WorkerKeys.applicationMetrics]).integer == 0)
        }
    }

    @Test("the job families' series keep their names, HELP, TYPE, labels and values, line for line")
    func jobFamilySeriesAreUnchanged() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: server.url))
            defer { connection.close() }
            try JobFamilyMetrics.backupLastSuccess.set(1_700_000_000.5, labels: ["kind": "postgres"], on: connection)
            try JobFamilyMetrics.backupLastVerification.set(1_699_000_000, labels: ["kind": "redis"], on: connection)
            try JobFamilyMetrics.inflationRateApplied.set(0.042, on: connection)
            try JobFamilyMetrics.inflationRateUpdated.set(1_700_000_001, on: connection)
            try JobFamilyMetrics.secretRotationLastStatus.set(1, on: connection)
            try JobFamilyMetrics.secretRotationLastRun.set(1_700_000_002, on: connection)
            let snapshot = try ClusterScrape(connection: connection, queues: [], leaseTimeout: .seconds(10)).read()
            let rendered = Set(String(decoding: MetricsExposition.render(snapshot), as: UTF8.self).split(separator: "\n"))

            // What the closed `JobMetric` catalogue rendered (its help texts verbatim), through the same registry calls.
            let registry = PrometheusCollectorRegistry()
            let before: [(String, String, [(String, String)], Double)] = [
                ("celerity_backup_last_success_timestamp_seconds", "When the last backup of each kind succeeded (Unix seconds).",
                 [("kind", "postgres")], 1_700_000_000.5),
                ("celerity_backup_last_verification_timestamp_seconds",
                 "When a restore of each backup kind last passed verification (Unix seconds).", [("kind", "redis")], 1_699_000_000),
                ("celerity_inflation_rate_applied_ratio", "The monthly inflation rate in effect, as a fraction.", [], 0.042),
                ("celerity_inflation_rate_updated_timestamp_seconds", "When the inflation rate in effect was applied (Unix seconds).", [],
                 1_700_000_001),
                ("celerity_secret_rotation_last_status", "1 if the last JWT secret rotation succeeded, 0 if it failed.", [], 1),
                ("celerity_secret_rotation_last_run_timestamp_seconds", "When the last JWT secret rotation finished (Unix seconds).", [],
                 1_700_000_002),
            ]
            for (name, help, labels, value) in before {
                let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
                let gauge = labels.isEmpty ? registry.makeGauge(descriptor: descriptor) : registry.makeGauge(descriptor: descriptor, labels: labels)
                gauge.set(value)
            }
            let expected = String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n")
            #expect(expected.count == 18)
            for line in expected { #expect(rendered.contains(line), "missing: \(line)") }
            // The hash fields are the closed catalogue's too (BackupTaskTests and older nodes read them).
            #expect(
                try server.command(["HGET", WorkerKeys.applicationMetrics, "celerity_backup_last_success_timestamp_seconds|kind=postgres"])
                    .string == "1700000000.5"
            )
        }
    }
}
