import Broker
import Foundation
import TestSupport
import Testing

/// Issue 22, part 1: every number from a flag or a `CELERITY_*` variable is range-checked before it becomes a
/// `Duration` or an integer. `1e300`, `inf`, `nan` and `-1` stop the real `celerity` binary with exit 1 and one
/// line on standard error naming the setting and its range: never a trap, never a usage screen.
@Suite("option ranges")
struct OptionRangeTests {
    static let hostileNumbers = ["1e300", "inf", "nan", "-1"]

    /// Runs `celerity arguments` (Redis is never reached: the value is refused first) and checks the one line.
    func expectRefused(
        _ arguments: [String], environment: [String: String] = [:], naming name: String, binary: String = "celerity",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let run = try await ChildProcess.run(
            try WorkerFixture.binary(binary), arguments: arguments,
            environment: ["CELERITY_REDIS_URL": "redis://127.0.0.1:1/0"].merging(environment) { $1 }, timeout: .seconds(20)
        )
        let what = (environment.map { "\($0.key)=\($0.value) " }.joined()) + binary + " " + arguments.joined(separator: " ")
        let lines = run.standardError.split(whereSeparator: \.isNewline)
        #expect(run.termination == .exited(1), "\(what) ended \(run.termination): \(run.standardError)", sourceLocation: sourceLocation)
        #expect(lines.count == 1, "\(what) printed: \(run.standardError)", sourceLocation: sourceLocation)
        #expect(lines.first?.contains(name) == true && lines.first?.contains(" to ") == true, "\(what) printed: \(run.standardError)", sourceLocation: sourceLocation)
    }

    @Test("the test worker's CELERITY_TEST_SETUP_DELAY refuses 1e300, inf, nan, -1 and text before any sleep")
    func testWorkerSetupDelay() async throws {
        for value in Self.hostileNumbers + ["soon"] {
            try await expectRefused(
                ["worker-process", "--process-id", "ranges#0.1"], environment: ["CELERITY_TEST_SETUP_DELAY": value],
                naming: "CELERITY_TEST_SETUP_DELAY", binary: "celerity-test-worker"
            )
        }
    }

    @Test("every duration flag of worker and of the other commands refuses 1e300, inf, nan and -1")
    func durationFlags() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-ranges-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schedule = directory.appendingPathComponent("schedule.yaml").path
        try "entries:\n  - name: a\n    task: demo.add\n    every: 1s\n".write(toFile: schedule, atomically: true, encoding: .utf8)
        let commands: [(prefix: [String], flag: String)] = [
            (["worker", "-c", "1"], "--shutdown-timeout"),
            (["worker", "-c", "1"], "--lease-timeout"),
            (["worker", "-c", "1"], "--reap-interval"),
            (["worker", "-c", "1"], "--result-expires"),
            (["worker", "-c", "1"], "--batch-hold"),
            (["worker", "-c", "1"], "--idle-poll-interval"),
            (["worker", "-c", "1"], "--eta-poll-interval"),
            (["revoke", "some-id"], "--ttl"),
            (["status"], "--rate-interval"),
            (["alerts"], "--interval"),
            (["enqueue", "demo.add"], "--countdown"),
            (["enqueue", "demo.add"], "--expires"),
            (["enqueue", "demo.add", "--wait"], "--timeout"),
            (["result", "some-id"], "--wait"),
            (["secrets", "rotate"], "--timeout"),
            (["scheduler", "--schedule", schedule], "--grace"),
        ]
        for (prefix, flag) in commands {
            for value in Self.hostileNumbers {
                try await expectRefused(prefix + ["\(flag)=\(value)"], naming: flag)
            }
        }
    }

    @Test("whole-number flags and their CELERITY_* variables refuse values out of range")
    func wholeNumbers() async throws {
        for value in ["0", "-1", "1001", "99999999999999999999"] {
            try await expectRefused(["worker", "-c", "1"], environment: ["CELERITY_PREFETCH_BATCH": value], naming: "CELERITY_PREFETCH_BATCH")
        }
        for value in Self.hostileNumbers + ["1023", "1073741824"] {
            try await expectRefused(["worker", "-c", "1"], environment: ["CELERITY_MAX_MESSAGE_BYTES": value], naming: "CELERITY_MAX_MESSAGE_BYTES")
        }
        for value in Self.hostileNumbers + ["0", "61", "soon"] {
            try await expectRefused(["worker", "-c", "1"], environment: ["CELERITY_IDLE_POLL_INTERVAL": value], naming: "CELERITY_IDLE_POLL_INTERVAL")
        }
        try await expectRefused(["worker", "-c", "1", "--idle-poll-interval=0"], naming: "--idle-poll-interval")
        for value in Self.hostileNumbers + ["0", "0.001", "61", "soon"] {
            try await expectRefused(["worker", "-c", "1"], environment: ["CELERITY_ETA_POLL_INTERVAL": value], naming: "CELERITY_ETA_POLL_INTERVAL")
        }
        try await expectRefused(["worker", "-c", "1", "--max-deliveries=0"], naming: "--max-deliveries")
        try await expectRefused(["worker", "-c", "1", "--prefetch-batch=5000"], naming: "--prefetch-batch")
        try await expectRefused(["worker", "-c", "1", "--max-message-bytes=-1"], naming: "--max-message-bytes")
        try await expectRefused(["dlq", "list", "--limit=9223372036854775807", "--offset=5"], naming: "--limit")
        try await expectRefused(["dlq", "list", "--offset=-1"], naming: "--offset")
    }
}
