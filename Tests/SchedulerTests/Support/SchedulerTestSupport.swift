import Broker
import Foundation
import TestSupport
@testable import Scheduler

/// A clock that never waits: each sleep jumps to its deadline (plus a small wake-up latency), and
/// ends the run (by throwing `CancellationError`) once `end` is reached.
final class WarpClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private let end: Date
    private let latency: TimeInterval
    private let onWake: @Sendable (Date) -> Void

    init(start: Date, end: Date, latency: TimeInterval = 0.004, onWake: @escaping @Sendable (Date) -> Void = { _ in }) {
        self.current = start
        self.end = end
        self.latency = latency
        self.onWake = onWake
    }

    func now() -> Date { lock.withLock { current } }

    func sleep(until deadline: Date) async throws {
        let woken: Date = try lock.withLock {
            guard deadline < end else { throw CancellationError() }
            current = max(current, deadline).addingTimeInterval(latency)
            return current
        }
        onWake(woken)
        await Task.yield()
    }
}

/// The messages in a Redis list, oldest first (they are LPUSHed).
func messages(in key: String, redis: RedisClient) async throws -> [TaskMessage] {
    let reply = try await redis.send(["LRANGE", key, "0", "-1"])
    return try (reply.array ?? []).reversed().map { try TaskMessage.decode($0.string ?? "") }
}

/// (entry name, slot) of a message sent by the scheduler.
func slotOf(_ message: TaskMessage) -> (entry: String, slot: Date)? {
    guard let entry = message.headers["celerity_schedule_entry"]?.stringValue,
        let slot = message.headers["celerity_schedule_slot"]?.stringValue.flatMap(CeleryTime.parse)
    else { return nil }
    return (entry, slot)
}

/// Slots per entry, in queue order, e.g. ["tick": [s1, s2, …]].
func slotsByEntry(_ messages: [TaskMessage]) -> [String: [Date]] {
    var result: [String: [Date]] = [:]
    for message in messages { if let (entry, slot) = slotOf(message) { result[entry, default: []].append(slot) } }
    return result
}

func schedule(_ yaml: String, path: String = "test.yaml") throws -> Schedule {
    try ScheduleFile.parse(yaml: yaml, path: path, now: utc("2026-01-01T00:00:00Z"))
}

/// A scheduler configuration for the schedule file at `path` and the test's redis-server.
func configuration(_ server: RedisServer, path: String = "test.yaml") -> SchedulerConfiguration {
    SchedulerConfiguration(schedulePath: path, redis: server.configuration)
}

extension RedisServer {
    /// How the code under test reaches this server: TCP on loopback, database 0.
    var configuration: RedisConfiguration { RedisConfiguration(endpoint: .tcp(host: host, port: port)) }
}

/// Whether `slots` are exactly every `step` seconds from the first to the last, each once.
func isContiguous(_ slots: [Date], step: TimeInterval = 1) -> Bool {
    let sorted = slots.sorted()
    return zip(sorted, sorted.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == step }
}
