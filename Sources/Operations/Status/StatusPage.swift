#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The status page served at `/` on the metrics port: a ``StatusReport`` as one server-rendered HTML
/// page that reloads itself, with no external assets and nothing to click that changes state.
/// Every number sits in an element with `data-` attributes naming it, for tests and scrapers.
package enum StatusPage {
    package static func html(_ report: StatusReport, node: String, refreshSeconds: Int = 5) -> String {
        let snapshot = report.snapshot
        let now = snapshot.time
        var body = ""
        body += "<h1>Celerity <small>\(escape(node)) · \(escape(TimeText.utc(now))) · refreshes every \(refreshSeconds) s</small></h1>\n"

        body += "<h2>Queues</h2>\n<table id=\"queues\"><tr><th>queue</th><th>ready</th><th>p0</th><th>p3</th><th>p6</th><th>p9</th>"
            + "<th>oldest</th><th>workers</th><th>processes</th><th>in/s</th><th>out/s</th><th>change/s</th></tr>\n"
        for queue in snapshot.queues {
            let name = escape(queue.name)
            // Over the seeds' backlog threshold, or messages that no live node consumes.
            let warn = queue.length > 1000 || (queue.length > 0 && queue.workers == 0) ? " class=\"warn\"" : ""
            body += "<tr data-queue=\"\(name)\"\(warn)><td>\(name)</td>"
                + cell("ready", queue.length) + cell("p0", queue.buckets[0] ?? 0) + cell("p3", queue.buckets[3] ?? 0)
                + cell("p6", queue.buckets[6] ?? 0) + cell("p9", queue.buckets[9] ?? 0)
                + "<td data-field=\"oldest\" data-value=\"\(queue.oldestAge ?? 0)\">\(queue.oldestAge.map(TimeText.duration) ?? "-")</td>"
                + cell("workers", queue.workers) + cell("processes", queue.processes)
                + rate("in", report.queueRates?[queue.name]?.in) + rate("out", report.queueRates?[queue.name]?.out)
                + rate("change", report.queueRates?[queue.name]?.change, signed: true) + "</tr>\n"
        }
        body += "</table>\n"

        body += "<h2>Workers</h2>\n<table id=\"workers\"><tr><th>node</th><th>state</th><th>busy</th><th>processes</th>"
            + "<th>processed</th><th>restarts</th><th>last heartbeat</th></tr>\n"
        for node in snapshot.nodes {
            let name = escape(node.name)
            body += "<tr data-worker=\"\(name)\"\(node.up ? "" : " class=\"down\"")><td>\(name)</td>"
                + "<td data-field=\"state\">\(node.up ? "up" : "DOWN")</td>" + cell("busy", node.busy)
                + cell("processes", node.up ? node.info?.concurrency ?? 0 : 0) + cell("processed", node.info?.processed ?? 0)
                + cell("restarts", node.info?.restarts ?? 0)
                + "<td>\(escape(TimeText.duration(now.timeIntervalSince(node.lastSeen)))) ago</td></tr>\n"
        }
        body += "</table>\n"

        body += "<h2>Dead letters <span data-field=\"dead-letters\">\(snapshot.deadLetters)</span></h2>\n<table id=\"dead-letters\">"
        for (reason, count) in report.deadLettersByReason.sorted(by: { $0.key < $1.key }) {
            body += "<tr data-reason=\"\(escape(reason))\"><td>\(escape(reason))</td>\(cell("count", count))</tr>"
        }
        body += "</table>\n"
        body += "<h2>ETA set</h2>\n<p><span data-field=\"eta\">\(snapshot.etaMessages)</span> waiting"
            + (snapshot.etaNextDue.map { ", next due \(escape(TimeText.relative($0, now: now)))" } ?? "") + "</p>\n"

        if let flow = snapshot.flow, !flow.isEmpty {  // flow hook
            body += "<h2>Flow control</h2>\n<pre id=\"flow\">" + escape(flow.lines().joined(separator: "\n")) + "</pre>\n"
        }
        if let outbox = report.outboxLine() { body += "<h2>Outbox</h2>\n<p id=\"outbox\">\(escape(outbox))</p>\n" }

        body += "<h2>Schedules</h2>\n<table id=\"schedules\"><tr><th>entry</th><th>task</th><th>last run</th><th>next run</th><th>lag</th></tr>\n"
        for entry in snapshot.schedule {
            body += "<tr data-entry=\"\(escape(entry.name))\"><td>\(escape(entry.name))</td><td>\(escape(entry.task ?? "-"))</td>"
                + "<td>\(escape(entry.lastSlot.map { TimeText.relative($0, now: now) } ?? "never"))</td>"
                + "<td>\(escape(entry.nextSlot.map { TimeText.relative($0, now: now) } ?? "-"))</td>"
                + "<td>\(escape(entry.lag.map(TimeText.duration) ?? "-"))</td></tr>\n"
        }
        body += "</table>\n"

        body += "<h2>Job families</h2>\n<ul id=\"job-families\">"
        let families = report.jobFamilyLines()
        body += families.isEmpty ? "<li>nothing recorded yet</li>" : families.map { "<li>\(escape($0))</li>" }.joined()
        body += "</ul>\n<p class=\"foot\"><a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a> · "
            + "Redis read in \(escape(TimeText.milliseconds(snapshot.roundTrip)))</p>\n"

        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="\(refreshSeconds)">
            <title>Celerity status</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
            h1{font-size:20px}h1 small{font-weight:normal;color:#666;font-size:13px}h2{font-size:16px;margin-top:1.4em}
            table{border-collapse:collapse;background:#fff}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
            th:first-child,td:first-child{text-align:left}tr.warn td,tr.down td{background:#fde2e1}.foot{color:#666}
            </style></head><body>
            \(body)</body></html>

            """
    }

    private static func rate(_ field: String, _ value: Double?, signed: Bool = false) -> String {
        guard let value else { return "<td data-field=\"\(field)\">-</td>" }
        return "<td data-field=\"\(field)\" data-value=\"\(value)\">\(TimeText.fixed(value, decimals: 1, sign: signed))</td>"
    }

    private static func cell(_ field: String, _ value: Int) -> String {
        "<td data-field=\"\(field)\">\(value)</td>"
    }

    package static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
