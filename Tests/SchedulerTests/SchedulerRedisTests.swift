import Broker
import Foundation
import Logging
import TestSupport
import Testing
@testable import Scheduler

/// The scheduler against a real redis-server (started per test on a free port).
@Suite struct SchedulerRedisTests {
    let tickAndMinute = """
        entries:
          - name: tick
            task: demo.tick
            every: 1s
            queue: ticks
            priority: 5
            expires: 10m
            args: [1, "a"]
            kwargs: {k: true}
          - name: minute
            task: demo.minute
            cron: "* * * * *"
            queue: minutes
        """

    @Test func claimPushesTheExactCeleryMessageOnce() async throws {
        try await withRedisServer { server in
            let entry = try #require(try schedule(tickAndMinute)["tick"])
            let first = RedisClient(configuration: server.configuration)
            let second = RedisClient(configuration: server.configuration)
            let slot = utc("2026-01-01T12:00:00Z")
            let won = try await SlotClaim.claim(entry: entry, slot: slot, now: slot, on: first)
            let lost = try await SlotClaim.claim(entry: entry, slot: slot, now: slot, on: second)
            let older = try await SlotClaim.claim(entry: entry, slot: slot.addingTimeInterval(-1), now: slot, on: second)
            guard case .claimed(let taskID) = won else { Issue.record("first claim lost: \(won)"); return }
            #expect(lost == .alreadyClaimed(lastSlot: Int64(slot.timeIntervalSince1970)))
            #expect(older == .alreadyClaimed(lastSlot: Int64(slot.timeIntervalSince1970)))
            // Priority 5 goes to the queue's bucket 3, as kombu routes it.
            let key = PriorityBuckets.listKey(queue: "ticks", priority: 5)
            #expect(key == "ticks\u{06}\u{16}3")
            let queued = try await messages(in: key, redis: first)
            #expect(queued.count == 1)
            let message = try #require(queued.first)
            #expect(message.id == taskID)
            #expect(message.task == "demo.tick")
            #expect(message.args == [1, "a"])
            #expect(message.kwargs == ["k": true])
            #expect(message.queue == "ticks")
            #expect(message.priority == 5)
            #expect(message.expires == utc("2026-01-01T12:10:00Z"))
            #expect(message.eta == nil)
            #expect(slotOf(message)?.entry == "tick")
            #expect(slotOf(message)?.slot == slot)
            let state = try await first.send(["HGETALL", ScheduleKeys.entry("tick")]).array?.compactMap(\.string) ?? []
            let fields = Dictionary(uniqueKeysWithValues: stride(from: 0, to: state.count - 1, by: 2).map { (state[$0], state[$0 + 1]) })
            #expect(fields["last_slot"] == String(Int64(slot.timeIntervalSince1970)))
            #expect(fields["last_task_id"] == taskID)
            #expect(fields["next_slot"] == String(Int64(slot.timeIntervalSince1970) + 1))
            #expect(fields["task"] == "demo.tick")
            // Counted once in celery_task_sent_total, by the script that pushed it.
            let sent = try await first.send(["HGETALL", SentCounter.key]).array?.compactMap(\.string)
            #expect(sent == [SentCounter.field(queue: "ticks", name: "demo.tick", sender: SentCounter.clientSender), "1"])
        }
    }

    @Test func concurrentClaimsFromManyConnectionsNeverDouble() async throws {
        try await withRedisServer { server in
            let entry = try #require(try schedule(tickAndMinute)["minute"])
            let clients = (0..<3).map { _ in RedisClient(configuration: server.configuration) }
            let base = utc("2026-01-01T12:00:00Z")
            let slots = (1...200).map { base.addingTimeInterval(Double($0) * 60) }
            let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in clients {
                    group.addTask {
                        var count = 0
                        for slot in slots {
                            if case .claimed = try await SlotClaim.claim(entry: entry, slot: slot, now: slot, on: client) { count += 1 }
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(claimed == 200)
            let queued = slotsByEntry(try await messages(in: "minutes", redis: clients[0]))["minute"] ?? []
            #expect(queued.count == 200)
            #expect(Set(queued) == Set(slots))
        }
    }

    @Test func serviceEnqueuesEverySlotOnceInVirtualTime() async throws {
        try await withRedisServer { server in
            let clock = WarpClock(start: utc("2026-01-01T12:00:00.5Z"), end: utc("2026-01-01T12:03:00.5Z"))
            let service = SchedulerService(configuration: configuration(server), schedule: try schedule(tickAndMinute), clock: clock)
            try await service.run(until: Shutdown())
            let redis = RedisClient(configuration: server.configuration)
            let ticks = slotsByEntry(try await messages(in: "ticks\u{06}\u{16}3", redis: redis))["tick"] ?? []
            #expect(ticks.count == 181)  // 12:00:00 is 0.5 s old at start: on time
            #expect(ticks.first == utc("2026-01-01T12:00:00Z"))
            #expect(ticks.last == utc("2026-01-01T12:03:00Z"))
            #expect(isContiguous(ticks))
            let minutes = slotsByEntry(try await messages(in: "minutes", redis: redis))["minute"] ?? []
            #expect(iso(minutes) == ["2026-01-01T12:00:00Z", "2026-01-01T12:01:00Z", "2026-01-01T12:02:00Z", "2026-01-01T12:03:00Z"])
        }
    }

    @Test(arguments: [
        (CatchUpPolicy.skip, [String]()),
        (.once, ["2026-01-01T13:00:00Z"]),
        (.all, ["2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z"]),
    ])
    func missedSlotsAfterEverySchedulerWasDown(policy: CatchUpPolicy, expected: [String]) async throws {
        try await withRedisServer { server in
            let yaml = "entries:\n  - {name: hourly, task: demo.hourly, cron: \"0 * * * *\", catch_up: \(policy.rawValue)}\n"
            // A scheduler runs 09:59:58 → 10:00:05 (sends 10:00), then all are down until 13:30.
            let before = SchedulerService(
                configuration: configuration(server), schedule: try schedule(yaml),
                clock: WarpClock(start: utc("2026-01-01T09:59:58Z"), end: utc("2026-01-01T10:00:05Z"))
            )
            try await before.run(until: Shutdown())
            let after = SchedulerService(
                configuration: configuration(server), schedule: try schedule(yaml),
                clock: WarpClock(start: utc("2026-01-01T13:30:00Z"), end: utc("2026-01-01T13:30:05Z"))
            )
            try await after.run(until: Shutdown())
            let redis = RedisClient(configuration: server.configuration)
            let sent = slotsByEntry(try await messages(in: "celery", redis: redis))["hourly"] ?? []
            #expect(iso(sent) == ["2026-01-01T10:00:00Z"] + expected)
        }
    }

    @Test func reloadNeitherLosesNorDoublesASlot() async throws {
        try await withRedisServer { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("schedule.yaml").path
            let original = "entries:\n  - {name: tick, task: demo.tick, every: 1s}\n"
            try original.write(toFile: path, atomically: true, encoding: .utf8)
            let reloaded = "entries:\n  - {name: tick, task: demo.tick, every: 1s, kwargs: {v: 2}}\n  - {name: five, task: demo.five, every: 5s}\n"
            let box = Locked<SchedulerService?>(nil)
            let results = Locked<[Bool]>([])
            let start = utc("2026-01-01T12:00:00.5Z")
            let clock = WarpClock(start: start, end: utc("2026-01-01T12:01:00.5Z")) { now in
                let elapsed = now.timeIntervalSince(start)
                guard let service = box.value else { return }
                if elapsed > 10, elapsed < 11 {  // an invalid file: refused, the old schedule stays
                    try? "entries:\n  - {name: tick, task: demo.tick, every: 1x}\n".write(toFile: path, atomically: true, encoding: .utf8)
                    results.value.append(service.reload())
                } else if elapsed > 20, elapsed < 21 {
                    try? reloaded.write(toFile: path, atomically: true, encoding: .utf8)
                    results.value.append(service.reload())
                }
            }
            let service = SchedulerService(
                configuration: configuration(server, path: path), schedule: try ScheduleFile.load(path: path), clock: clock
            )
            box.value = service
            try await service.run(until: Shutdown())
            #expect(results.value == [false, true])
            #expect(service.schedule.entries.map(\.name) == ["tick", "five"])
            let redis = RedisClient(configuration: server.configuration)
            let sent = try await messages(in: "celery", redis: redis)
            let ticks = slotsByEntry(sent)["tick"] ?? []
            #expect(ticks.count == 61)
            #expect(isContiguous(ticks))
            #expect(Set(ticks).count == ticks.count)
            // After the reload the new kwargs are sent; before it, the old ones.
            let withNewKwargs = sent.filter { slotOf($0)?.entry == "tick" && $0.kwargs == ["v": 2] }
            #expect((38...41).contains(withNewKwargs.count))
            let fives = slotsByEntry(sent)["five"] ?? []
            #expect((8...9).contains(fives.count))
            #expect(isContiguous(fives, step: 5))
        }
    }

    @Test func statusShowsLastRunTaskIDAndNextRun() async throws {
        try await withRedisServer { server in
            let parsed = try schedule(tickAndMinute)
            let service = SchedulerService(
                configuration: configuration(server), schedule: parsed,
                clock: WarpClock(start: utc("2026-01-01T12:00:30Z"), end: utc("2026-01-01T12:01:02Z"))
            )
            try await service.run(until: Shutdown())
            let redis = RedisClient(configuration: server.configuration)
            let statuses = try await ScheduleStatus.fetch(redis: redis, schedule: parsed, now: utc("2026-01-01T12:01:02Z"))
            #expect(statuses.map(\.name) == ["minute", "tick"])
            let minute = try #require(statuses.first)
            #expect(minute.lastSlot == utc("2026-01-01T12:01:00Z"))
            #expect(minute.nextSlot == utc("2026-01-01T12:02:00Z"))
            let sent = try await messages(in: "minutes", redis: redis)
            #expect(minute.lastTaskID == sent.last?.id)
            let text = ScheduleStatus.format(statuses, schedule: parsed)
            #expect(text.contains("minute: demo.minute\n  last run   2026-01-01 12:01:00 +00:00 Thu (2026-01-01 12:01:00 UTC)\n  task id    \(sent.last!.id)"))
            // Without the file: what Redis holds, including the stored next slot.
            let bare = try await ScheduleStatus.fetch(redis: redis, schedule: nil)
            #expect(bare.first?.task == "demo.minute")
            #expect(bare.first?.nextSlot == utc("2026-01-01T12:02:00Z"))
        }
    }

    @Test func threeInProcessSchedulersOnTheRealClock() async throws {
        try await withRedisServer { server in
            let parsed = try schedule("entries:\n  - {name: tick, task: demo.tick, every: 1s}\n")
            let services = (0..<3).map { _ in SchedulerService(configuration: configuration(server), schedule: parsed) }
            let started = Date()
            await withTaskGroup(of: Void.self) { group in
                for service in services { group.addTask { try? await service.run(until: Shutdown()) } }
                try? await Task.sleep(for: .milliseconds(4500))
                group.cancelAll()
            }
            let redis = RedisClient(configuration: server.configuration)
            let ticks = slotsByEntry(try await messages(in: "celery", redis: redis))["tick"] ?? []
            #expect(ticks.count >= 4)
            #expect(Set(ticks).count == ticks.count)
            #expect(isContiguous(ticks))
            #expect(ticks.allSatisfy { $0 > started.addingTimeInterval(-1) })
        }
    }
}
