import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 27 (flow control) and issue 26 part 2 (Celery's rate_limit at fetch): real redis-server, real
/// `celerity-test-worker` nodes. The tasks (Tests/TestWorker/FlowTasks.swift) record `start end key id`.
extension WorkerTests {
    /// One recorded run of a FlowTasks task.
    struct FlowRun {
        var start: Double
        var end: Double
        var key: String
        var id: String
    }

    func flowRuns(_ f: WorkerFixture, _ list: String) async throws -> [FlowRun] {
        try await f.list(list).map { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 4, let start = Double(parts[0]), let end = Double(parts[1]) else {
                throw TestFailure("unreadable run record \(line)")
            }
            return FlowRun(start: start, end: end, key: parts[2], id: parts[3])
        }
    }

    /// The most runs that were in progress at one instant (an end at the same instant as a start comes first).
    func maxOverlap(_ runs: [FlowRun]) -> Int {
        let events = runs.flatMap { [($0.start, 1), ($0.end, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var current = 0
        var most = 0
        for (_, change) in events {
            current += change
            most = max(most, current)
        }
        return most
    }

    func keyed(_ task: String, _ key: String?, _ args: [JSONValue], queue: String = "celery") -> TaskMessage {
        var message = TaskMessage.make(task: task, args: args, options: TaskOptions(queue: queue))
        if let key { message.headers["celerity_flow_key"] = .string(key) }
        return message
    }

    // MARK: flow 1. keyed concurrency and fairness

    @Test("flow 1. customer A's 2,000 keyed tasks do not delay B's 20 (B done before A's 200th); never > 2 of A at once")
    func keyedFairness() async throws {
        try await withFixture { f in
            let a = (0..<2000).map { _ in keyed("flow.ocr", "A", ["rec:ocr", 0.05]) }
            let b = (0..<20).map { _ in keyed("flow.ocr", "B", ["rec:ocr", 0.05]) }
            try await f.client.send(batch: a)
            try await f.client.send(batch: b)
            let node = try await f.startWorker([], concurrency: 4)
            try await f.poll("B's 20 tasks to succeed", timeout: .seconds(60), every: .milliseconds(50), node: node) {
                try await f.results(b.map(\.id)).allSatisfy { $0.state == .success } ? true : nil
            }
            let lastB = try #require(try await flowRuns(f, "rec:ocr").filter { $0.key == "B" }.map(\.end).max())
            try await f.poll("A's 200th task to finish", timeout: .seconds(60), node: node) {
                try await flowRuns(f, "rec:ocr").filter { $0.key == "A" }.count >= 200 ? true : nil
            }
            let runs = try await flowRuns(f, "rec:ocr")
            let aRuns = runs.filter { $0.key == "A" }.sorted { $0.end < $1.end }
            #expect(lastB < aRuns[199].end, "B's last task ended at \(lastB), after A's 200th (\(aRuns[199].end))")
            #expect(maxOverlap(aRuns) <= 2, "more than 2 of customer A's tasks ran at once")
            #expect(maxOverlap(runs.filter { $0.key == "B" }) <= 2, "more than 2 of customer B's tasks ran at once")
            #expect(maxOverlap(runs) > 2, "A and B never ran side by side: the test proves nothing about fairness")
            let running = try await f.send("HGET", "celerity:flow:running", "flow.ocr\tA").string.flatMap { Int($0) } ?? 0
            #expect(running <= 2, "A holds \(running) slots")
            // Visible: `celerity status --json` shows the limit, the slots in use and the throttled key.
            let status = try await f.celerity(["status", "--json"])
            let flow = try JSONValue.parse(status.output)["flow"]
            #expect(flow?["key_limits"]?["flow.ocr"] == .string("2 "), "\(status.output.prefix(3000))")
            let throttled = flow?["throttled"]?.arrayValue ?? []
            #expect(throttled.contains { $0["key"] == .string("A") && ($0["count"]?.intValue ?? 0) > 0 }, "\(String(describing: flow))")
        }
    }

    // MARK: flow 2. a killed process gives its slot back

    @Test("flow 2. kill -9 of a process running a keyed task: its slot comes back when its lease is reaped; nothing lost")
    func killedKeyedTaskGivesItsSlotBack() async throws {
        try await withFixture { f in
            let first = keyed("flow.exclusive", "K", ["rec:exclusive", 3.0])
            let second = keyed("flow.exclusive", "K", ["rec:exclusive", 0.0])
            try await f.client.send(batch: [first, second])
            let node = try await f.startWorker([], concurrency: 2)
            let processID = try await f.processRunning(first.id)
            #expect(try await f.send("HGET", "celerity:flow:running", "flow.exclusive\tK").string == "1")
            #expect(try await f.result(second.id).state == .pending, "the second ran beside the first: concurrency 1 broken")
            let victim = try #require(node.pid(ofProcess: processID), "no pid for \(processID)")
            kill(victim, SIGKILL)
            try await f.poll("both keyed tasks to succeed", timeout: .seconds(40), every: .milliseconds(100), node: node) {
                try await f.results([first.id, second.id]).allSatisfy { $0.state == .success } ? true : nil
            }
            let runs = try await flowRuns(f, "rec:exclusive")
            #expect(Set(runs.map(\.id)) == [first.id, second.id], "\(runs.map(\.id))")
            #expect(maxOverlap(runs) == 1, "the two ran at once after the recovery")
            try await f.poll("every slot given back", timeout: .seconds(5), node: node) {
                let running = try await f.send("HLEN", "celerity:flow:running").integer ?? -1
                let slots = try await f.send("HLEN", "celerity:flow:slots").integer ?? -1
                return running == 0 && slots == 0 ? true : nil
            }
            #expect(try await f.deadLetters().isEmpty)
        }
    }

    // MARK: flow 3. rates across two nodes; unlimited tasks keep flowing

    @Test("flow 3. across 2 nodes x 2 processes: rate_limit 100/m -> 100 ± 5 a minute, 60/m per key -> 60 ± 3; free tasks drain meanwhile")
    func ratesAcrossTwoNodes() async throws {
        try await withFixture { f in
            let named = (0..<150).map { _ in keyed("flow.task_rate", nil, ["rec:rate"]) }
            let perKey = ["k1", "k2"].flatMap { key in (0..<90).map { _ in keyed("flow.per_key_rate", key, ["rec:rate"]) } }
            let free = (0..<1000).map { _ in keyed("flow.free", nil, ["rec:free"]) }
            // The limited messages are ahead of the free ones in the queue.
            try await f.client.send(batch: named + perKey)
            try await f.client.send(batch: free)
            let nodes = [try await f.startWorker([], concurrency: 2), try await f.startWorker([], concurrency: 2)]
            try await f.poll("the 1,000 free tasks to finish", timeout: .seconds(40), every: .milliseconds(100), node: nodes[0]) {
                try await f.list("rec:free").count == 1000 ? true : nil
            }
            let limitedSoFar = try await flowRuns(f, "rec:rate").count
            #expect(limitedSoFar < 100, "the limited tasks ran \(limitedSoFar) times while the free ones drained: too fast")
            let firstStart = try await f.poll("a limited task to start", timeout: .seconds(10), node: nodes[0]) {
                try await flowRuns(f, "rec:rate").map(\.start).min()
            }
            try await f.poll("a minute of limited runs", timeout: .seconds(90), every: .milliseconds(500), node: nodes[0]) {
                Date().timeIntervalSince1970 > firstStart + 61 ? true : nil
            }
            let window = try await flowRuns(f, "rec:rate").filter { $0.start >= firstStart && $0.start < firstStart + 60 }
            let byTask = Dictionary(grouping: window, by: { $0.key == "-" ? "named" : $0.key }).mapValues(\.count)
            print("flow 3 measured in the minute after the first limited start: \(byTask.sorted { $0.key < $1.key })")
            #expect((95...105).contains(byTask["named", default: 0]), "rate_limit 100/m ran \(byTask["named", default: 0]) in a minute")
            #expect((57...63).contains(byTask["k1", default: 0]), "60/m for key k1 ran \(byTask["k1", default: 0]) in a minute")
            #expect((57...63).contains(byTask["k2", default: 0]), "60/m for key k2 ran \(byTask["k2", default: 0]) in a minute")
            let throttled = try await f.send("ZSCORE", "celerity:flow:throttled", "flow.task_rate\t").string.flatMap(Double.init) ?? 0
            #expect(throttled > 0, "no message of the rate-limited task was ever parked")
        }
    }

    // MARK: flow 4. the run-time override

    @Test("flow 4. celerity:rate_limits overrides a definition's rate_limit at run time ('0' = unlimited)")
    func rateLimitOverride() async throws {
        try await withFixture { f in
            _ = try await f.send("HSET", "celerity:rate_limits", "flow.task_rate", "0")
            let messages = (0..<60).map { _ in keyed("flow.task_rate", nil, ["rec:override"]) }
            try await f.client.send(batch: messages)
            let node = try await f.startWorker([], concurrency: 2)
            // 100/m would take 36 s for 60 runs.
            try await f.poll("60 runs with the limit lifted", timeout: .seconds(15), node: node) {
                try await f.list("rec:override").count == 60 ? true : nil
            }
            _ = try await f.send("HSET", "celerity:rate_limits", "flow.task_rate", "5/m")
            let limited = (0..<10).map { _ in keyed("flow.task_rate", nil, ["rec:override-2"]) }
            try await f.client.send(batch: limited)
            try await f.poll("a first run under 5/m", timeout: .seconds(15), node: node) {
                try await f.list("rec:override-2").count >= 1 ? true : nil
            }
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline {
                let count = try await f.list("rec:override-2").count
                try #require(count <= 2, "5/m let \(count) run within seconds")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    // MARK: flow 5. pause and resume

    @Test("flow 5. a paused queue keeps 500 messages (and a due ETA one) untouched for 30 s while another queue drains; resume drains it")
    func pausedQueue() async throws {
        try await withFixture { f in
            let pause = try await f.celerity(["queues", "pause", "held"])
            #expect(pause.status == 0, "\(pause.output)")
            let held = (0..<500).map { _ in keyed("flow.free", nil, ["rec:held"], queue: "held") }
            let open = (0..<200).map { _ in keyed("flow.free", nil, ["rec:open"], queue: "open") }
            try await f.client.send(batch: held + open)
            var options = TaskOptions(queue: "held")
            options.eta = Date().addingTimeInterval(1)
            let later = TaskMessage.make(task: "flow.free", args: ["rec:held"], options: options)
            try await f.client.send(later)
            // `held` first: the idle fetch blocks on it (BLMOVE), the path that must hand a paused message back.
            let port = try FreePort.allocate()
            let node = try await f.startWorker(["-Q", "held,open", "--metrics-address", "127.0.0.1:\(port)"], concurrency: 2)
            try await f.poll("the open queue to drain", timeout: .seconds(30), node: node) {
                try await f.list("rec:open").count == 200 ? true : nil
            }
            try await f.poll("the ETA message promoted into the paused queue", timeout: .seconds(10), node: node) {
                try await f.send("LLEN", "held").integer == 501 ? true : nil
            }
            // Watched for 30 s, as the issue asks (600 idle fetches per process at the 50 ms idle poll): nothing is taken.
            let watchEnd = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < watchEnd {
                let length = try await f.send("LLEN", "held").integer
                try #require(length == 501, "the paused queue holds \(String(describing: length)), not 501")
                try #require(try await f.list("rec:held").isEmpty, "a message of the paused queue ran")
                try await Task.sleep(for: .milliseconds(200))
            }
            let status = try await f.celerity(["status", "--json"])
            let report = try JSONValue.parse(status.output)
            #expect(report["flow"]?["paused_queues"] == .array([.string("held")]), "\(status.output.prefix(2000))")
            let metrics = try await f.poll("/metrics to show the paused queue", timeout: .seconds(10), node: node) {
                let scrape = try await ChildProcess.run(
                    "curl", arguments: ["-s", "-m", "5", "http://127.0.0.1:\(port)/metrics"], timeout: .seconds(10)
                )
                return scrape.standardOutput.contains("celerity_queue_paused{queue_name=\"held\"} 1") ? scrape.standardOutput : nil
            }
            #expect(metrics.contains("celerity_queue_paused{queue_name=\"open\"} 0"), "\(metrics)")
            let listing = try await f.celerity(["queues", "-Q", "held,open"])
            #expect(listing.output.contains("PAUSED"), "\(listing.output)")

            let resume = try await f.celerity(["queues", "resume", "held"])
            #expect(resume.status == 0, "\(resume.output)")
            try await f.poll("the resumed queue to drain", timeout: .seconds(30), node: node) {
                try await f.list("rec:held").count == 501 ? true : nil
            }
            try await f.poll("nothing left in flight", timeout: .seconds(5), node: node) {
                try await f.messagesInFlight() == 0 ? true : nil
            }
        }
    }

    @Test("flow 6. pause refuses a name that cannot be a queue, with the reason, exit 1")
    func pauseRefusesReservedNames() async throws {
        try await withFixture { f in
            let run = try await f.celerity(["queues", "pause", "celerity:processing:x"])
            #expect(run.status != 0)
            #expect(run.output.contains("names a Redis key that is not a queue"), "\(run.output)")
            #expect(try await f.send("SCARD", "celerity:paused").integer == 0)
        }
    }
}
