import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 29: an application in its own package (`Examples/ExternalShop`, depending on Celerity by path) builds a
/// worker binary that a real Python Celery client runs tasks on; every worker binary prints the version.
@Suite("Python client → an application in its own package")
struct ExternalShopTests {
    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The worker `cd Examples/ExternalShop && swift build -c release` builds (scripts/test.sh builds it before the
    /// tests), or `$CELERITY_EXTERNAL_SHOP_WORKER`.
    static func worker() throws -> String {
        let environment = ProcessInfo.processInfo.environment["CELERITY_EXTERNAL_SHOP_WORKER"] ?? ""
        let path = environment.isEmpty
            ? root.appendingPathComponent("Examples/ExternalShop/.build/release/external-shop-worker").path : environment
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropFailure(
                "no ExternalShop worker at \(path): build it with `cd Examples/ExternalShop && swift build -c release`"
            )
        }
        return path
    }

    /// The `VERSION` file, without its newline.
    static func version() throws -> String {
        try String(contentsOf: root.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a Python client runs the external package's tasks: positional, keyword, mixed, a chord; a bad type fails; its metrics are exported")
    func pythonRunsTheExternalShop() async throws {
        let worker = try Self.worker()
        let celery = try await PythonCelery.prepare(version: PythonCelery.defaultVersion)
        try await withInteropFixture { fixture in
            let metricsPort = try FreePort.allocate()
            try await fixture.startCelerity(
                queues: ["external_shop"], options: ["--metrics-address", "127.0.0.1:\(metricsPort)"], binary: worker
            )
            let output = try await celery.run(script: "external_shop.py", args: [], redisURL: fixture.url, timeout: .seconds(90))
            let report = try InteropJSON(parsing: output.split(separator: "\n").last.map(String.init) ?? "")

            #expect(report["positional"]?["state"] == "SUCCESS", "\(report)")
            #expect(report["positional"]?["value"] == 750)
            #expect(report["keyword"]?["value"] == 675, "\(report)")
            #expect(report["mixed"]?["value"] == 1000, "\(report)")
            #expect(report["chord"]?["state"] == "SUCCESS", "\(report)")
            #expect(report["chord"]?["value"] == ["invoice_id": 7, "lines": 3, "total_cents": 250], "\(report)")
            #expect(report["bad_type"]?["state"] == "FAILURE")
            #expect(report["bad_type"]?["exc_type"] == "TypeError")
            #expect(report["bad_type"]?["exc_message"]?.string?.contains("unit_cents") == true, "\(report)")

            // The application's own counter and histogram (ShopMetrics), recorded by the chord body, on the node's /metrics.
            let metrics = try await pollForValue(timeout: .seconds(30), "the shop's metrics on /metrics") { () -> String? in
                guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!) else {
                    return nil
                }
                let text = String(decoding: data, as: UTF8.self)
                return text.contains("external_shop_invoices_total") ? text : nil
            }
            let lines = Set(metrics.split(separator: "\n").map(String.init))
            for expected in [
                "# TYPE external_shop_invoices_total counter", "external_shop_invoices_total 1.0",
                "# TYPE external_shop_invoice_cents histogram", "external_shop_invoice_cents_bucket{le=\"100.0\"} 0",
                "external_shop_invoice_cents_bucket{le=\"1000.0\"} 1", "external_shop_invoice_cents_bucket{le=\"+Inf\"} 1",
                "external_shop_invoice_cents_sum 250", "external_shop_invoice_cents_count 1",
            ] {
                #expect(lines.contains(expected), "missing \(expected) in\n\(metrics)")
            }
        }
    }

    @Test("--version: the external worker prints its version and Celerity's; celerity and celerity-example print VERSION")
    func workerBinariesPrintTheVersion() async throws {
        let version = try Self.version()
        let binaries = [
            (try Self.worker(), "1.0.0 (Celerity \(version))"),
            (try InteropFixture.binary("celerity"), version),
            (try InteropFixture.binary("celerity-example"), version),
        ]
        for (binary, expected) in binaries {
            let run = try await ChildProcess.run(binary, arguments: ["--version"], timeout: .seconds(30))
            #expect(run.termination.isSuccess, "\(binary) --version: \(run.termination)")
            #expect(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(binary)")
        }
    }
}
