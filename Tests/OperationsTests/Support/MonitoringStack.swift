import Foundation
import TestSupport

/// A real Prometheus (with the shipped rules, durations shortened in a copy) and a real Alertmanager
/// (the shipped config, its Slack URL pointing at a loopback fake) on free loopback ports.
struct MonitoringStack {
    let prometheusPort: Int
    let alertmanagerPort: Int
    var prometheusURL: String { "http://127.0.0.1:\(prometheusPort)" }

    /// The repository root (deploy/ is read from it).
    static let repository: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }()

    static func deployFile(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent("deploy/" + path), encoding: .utf8)
    }

    /// Starts both; `scrapeTargets` are `host:port` of worker nodes' metrics endpoints.
    static func start(fixture: OperationsFixture, scrapeTargets: [String], slackURL: String) async throws -> MonitoringStack {
        let directory = try fixture.makeDirectory("celerity-monitoring")
        let alertmanagerPort = try FreePort.allocate()
        let prometheusPort = try FreePort.allocate()

        // Alertmanager: the shipped config; the secret files and template path point into the temp directory,
        // and the 10 s group waits become 1 s.
        try slackURL.write(to: directory.appendingPathComponent("slack_webhook_url"), atomically: true, encoding: .utf8)
        try "unused".write(to: directory.appendingPathComponent("smtp_password"), atomically: true, encoding: .utf8)
        try deployFile("alertmanager/celerity.tmpl").write(to: directory.appendingPathComponent("celerity.tmpl"), atomically: true, encoding: .utf8)
        let alertmanagerConfig = try deployFile("alertmanager/alertmanager.yml")
            .replacingOccurrences(of: "/etc/alertmanager/secrets/", with: directory.path + "/")
            .replacingOccurrences(of: "/etc/alertmanager/templates/", with: directory.path + "/")
            .replacingOccurrences(of: "group_wait: 10s", with: "group_wait: 1s")
            .replacingOccurrences(of: "group_interval: 10s", with: "group_interval: 1s")
        try alertmanagerConfig.write(to: directory.appendingPathComponent("alertmanager.yml"), atomically: true, encoding: .utf8)
        _ = try fixture.start(
            "prometheus-alertmanager",
            [
                "--config.file=\(directory.path)/alertmanager.yml", "--storage.path=\(directory.path)/am",
                "--web.listen-address=127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=",
                "--web.external-url=http://127.0.0.1:\(alertmanagerPort)",
            ]
        )

        // Prometheus: the shipped rules with the backlog rule's 10 minutes (and its group's 30 s) shortened.
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let celery = try deployFile("prometheus/rules/celery.yml")
            .replacingOccurrences(of: "for: 10m", with: "for: 3s").replacingOccurrences(of: "interval: 30s", with: "interval: 1s")
        try celery.write(to: rules.appendingPathComponent("celery.yml"), atomically: true, encoding: .utf8)
        try deployFile("prometheus/rules/celerity.yml").write(to: rules.appendingPathComponent("celerity.yml"), atomically: true, encoding: .utf8)
        let targets = scrapeTargets.map { "\"\($0)\"" }.joined(separator: ", ")
        let configuration = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: ["\(rules.path)/*.yml"]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["127.0.0.1:\(alertmanagerPort)"]
            scrape_configs:
              - job_name: celerity
                static_configs:
                  - targets: [\(targets)]

            """
        try configuration.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        _ = try fixture.start(
            "prometheus",
            [
                "--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/tsdb",
                "--web.listen-address=127.0.0.1:\(prometheusPort)",
            ]
        )
        let stack = MonitoringStack(prometheusPort: prometheusPort, alertmanagerPort: alertmanagerPort)
        try await poll(timeout: .seconds(30), "Prometheus and Alertmanager to be ready") {
            let prometheus = try? await OperationsFixture.get(stack.prometheusURL + "/-/ready")
            let alertmanager = try? await OperationsFixture.get("http://127.0.0.1:\(alertmanagerPort)/-/ready")
            return prometheus?.status == 200 && alertmanager?.status == 200
        }
        return stack
    }

    /// Evaluates `expression` now: the number of series in the result.
    func seriesCount(_ expression: String) async throws -> Int {
        let query = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        let (status, body) = try await OperationsFixture.get(prometheusURL + "/api/v1/query?query=" + query)
        guard status == 200, let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { throw HarnessError(.protocolViolation, "query \(expression) answered \(status): \(body)") }
        if let result = data["result"] as? [Any] { return result.count }
        return data["result"] == nil ? 0 : 1
    }
}
