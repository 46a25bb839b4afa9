import Broker
import Foundation
import TestSupport
import Testing
@testable import Operations
@testable import Worker

/// `celerity status` (text and JSON) and the status page at `/`, in headless Chromium, against Redis.
@Suite("status", .serialized)
struct StatusTests {
    /// A system with something in every section: an undeclared-consumer queue with three priority
    /// buckets, a message parked in the ETA set, a dead letter, a live node.
    static func populate(_ fixture: OperationsFixture) async throws -> OperationsFixture.Node {
        let separator = PriorityBuckets.separator
        _ = try await fixture.db.send(["SADD", "_kombu.binding.celery", "idle\(separator)\(separator)idle"])
        for (priority, count) in [(0, 2), (3, 3), (9, 1)] {
            try await fixture.client.send(batch: (0..<count).map { _ in
                TaskMessage.make(task: "demo.add", args: [1, 2], options: TaskOptions(queue: "idle", priority: priority))
            })
        }
        let node = try await fixture.startWorker(name: "status-a@test")
        _ = try await fixture.client.enqueue("demo.add", args: [1, 2], options: TaskOptions(countdown: .seconds(3600)))
        _ = try await fixture.client.enqueue("no.such.task")
        try await poll(timeout: .seconds(20), "the ETA message and the dead letter") {
            let eta = try await fixture.db.send(["ZCARD", "celerity:eta"]).integer
            let dead = try await fixture.db.send(["ZCARD", "celerity:dlq"]).integer
            return eta == 1 && dead == 1
        }
        return node
    }

    @Test("celerity status --json and the text screen show queues by priority, workers, dead letters, the ETA set")
    func statusCommand() async throws {
        try await OperationsFixture.with { fixture in
            _ = try await Self.populate(fixture)
            let result = try await fixture.run(["status", "--json", "--rate-interval", "0"])
            #expect(result.termination == .exited(0), "\(result.standardError)")
            let json = try JSONValue.parse(result.standardOutput)
            let idle = try #require(json["queues"]?.arrayValue?.first { $0["name"]?.stringValue == "idle" })
            #expect(idle["ready"]?.intValue == 6)
            #expect(idle["by_priority"]?["3"]?.intValue == 3)
            #expect(idle["workers"]?.intValue == 0)
            let worker = try #require(json["workers"]?.arrayValue?.first)
            #expect(worker["name"]?.stringValue == "status-a@test" && worker["up"] == .bool(true) && worker["processes"]?.intValue == 2)
            #expect(json["dead_letters"]?["total"]?.intValue == 1)
            #expect(json["dead_letters"]?["by_reason"]?["unknown_task"]?.intValue == 1)
            #expect(json["eta"]?["waiting"]?.intValue == 1)

            let text = try await fixture.run(["status"])
            #expect(text.termination == .exited(0), "\(text.standardError)")
            let idleRow = try #require(text.standardOutput.split(separator: "\n").first { $0.hasPrefix("idle ") })
            #expect(idleRow.split(separator: " ").prefix(6) == ["idle", "6", "2", "3", "0", "1"])
            #expect(text.standardOutput.contains("status-a@test") && text.standardOutput.contains("unknown_task 1"))
            #expect(!text.standardOutput.contains(fixture.redis.url))
        }
    }

    @Test("the status page renders in headless Chromium; its numbers match Redis")
    func statusPageInChromium() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await Self.populate(fixture)
            let directory = try fixture.makeDirectory("celerity-chromium")
            let screenshot = directory.appendingPathComponent("status.png")
            let chromium = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(directory.path)/profile"]
            let shot = try await ChildProcess.run(
                "chromium", arguments: chromium + ["--window-size=1280,900", "--screenshot=\(screenshot.path)", node.url + "/"],
                timeout: .seconds(90)
            )
            let png = try Data(contentsOf: screenshot)
            #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "screenshot: \(shot.standardError.suffix(500))")
            if let keep = ProcessInfo.processInfo.environment["CELERITY_STATUS_SCREENSHOT"] {
                try? png.write(to: URL(fileURLWithPath: keep))
            }

            let dom = try await ChildProcess.run("chromium", arguments: chromium + ["--dump-dom", node.url + "/"], timeout: .seconds(90))
            let html = dom.standardOutput
            func field(_ row: String, _ name: String) -> Int? {
                guard let start = html.range(of: row) else { return nil }
                let rest = html[start.upperBound...]
                guard let cell = rest.range(of: "data-field=\"\(name)\">") else { return nil }
                return Int(rest[cell.upperBound...].prefix { $0.isNumber })
            }
            var buckets = 0
            for key in PriorityBuckets.listKeys(queue: "idle") { buckets += try await fixture.db.send(["LLEN", key]).integer ?? 0 }
            #expect(field("data-queue=\"idle\"", "ready") == buckets)
            #expect(field("data-queue=\"idle\"", "p3") == (try await fixture.db.send(["LLEN", "idle\(PriorityBuckets.separator)3"]).integer))
            #expect(field("data-worker=\"status-a@test\"", "processes") == 2)
            #expect(field("<h2>Dead letters", "dead-letters") == (try await fixture.db.send(["ZCARD", "celerity:dlq"]).integer))
            #expect(field("data-reason=\"unknown_task\"", "count") == 1)
            #expect(field("<h2>ETA set", "eta") == (try await fixture.db.send(["ZCARD", "celerity:eta"]).integer))
            #expect(html.contains("http-equiv=\"refresh\""))
            #expect(!html.contains("<script") && !html.contains("src=\"http"))
        }
    }

    @Test("numbers on the status screen: N decimals, halves away from zero, an explicit sign on request")
    func fixedDecimals() {
        #expect(TimeText.fixed(3.14159, decimals: 4) == "3.1416")
        #expect(TimeText.fixed(0.05, decimals: 1, sign: true) == "+0.1")
        #expect(TimeText.fixed(-2.25, decimals: 1, sign: true) == "-2.3")
        #expect(TimeText.fixed(-0.01, decimals: 1, sign: true) == "+0.0")
        #expect(TimeText.fixed(12, decimals: 0) == "12")
        #expect(TimeText.fixed(7.007, decimals: 2) == "7.01")
        #expect(TimeText.milliseconds(0.00042) == "0.4 ms")
    }
}
