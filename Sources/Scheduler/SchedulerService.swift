import Broker
import Foundation
import Logging

/// How a scheduler process runs; every field but the schedule path has a documented default.
public struct SchedulerConfiguration: Sendable {
    /// The schedule file, read at start and on ``SchedulerService/reload()``.
    public var schedulePath: String
    /// Where to push messages and keep state.
    public var redis: RedisConfiguration
    /// How late a slot may be and still count as on time; older slots are "missed" and follow the entry's
    /// `catch_up` policy. Default 10 seconds.
    public var grace: Duration = .seconds(10)
    /// The longest sleep between two ticks, which bounds how soon a reload takes effect. Default 1 second.
    public var maximumSleep: Duration = .seconds(1)
    /// How long to wait after Redis failed before trying again. Default 1 second.
    public var retryDelay: Duration = .seconds(1)

    /// A configuration with the defaults above.
    public init(schedulePath: String, redis: RedisConfiguration) {
        self.schedulePath = schedulePath
        self.redis = redis
    }
}

/// The source of time for the scheduler; tests inject one that does not wait.
public protocol SchedulerClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Suspends until `deadline` (or returns early); throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The wall clock, with `Task.sleep`.
public struct SystemSchedulerClock: SchedulerClock {
    /// The system clock.
    public init() {}
    /// `Date()`.
    public func now() -> Date { Date() }
    /// `Task.sleep` until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
        try Task.checkCancellation()
    }
}

/// A scheduler process: enqueues each entry's slots as they come due, exactly once across every
/// scheduler sharing the Redis (see ``SlotClaim``). Run as many as you like for availability.
///
/// ``run(until:)`` returns once a shutdown is asked (SIGTERM) or its task is cancelled, between ticks; a tick's
/// claims are each atomic, so no slot is ever half-done. ``reload()`` re-reads the schedule file (SIGHUP).
public final class SchedulerService: Service {
    /// The configuration.
    public let configuration: SchedulerConfiguration
    private let redis: RedisClient
    private let clock: any SchedulerClock
    private let logger: Logger
    private let current: Locked<Schedule>

    /// A scheduler for an already validated schedule.
    /// - Parameters:
    ///   - configuration: where the file and Redis are, and the timing knobs.
    ///   - schedule: the schedule to run (``ScheduleFile/load(path:now:)``).
    ///   - clock: the time source; tests pass one that does not wait.
    ///   - logger: where to log; enqueues are logged at info, everything else lower or on failure.
    public init(
        configuration: SchedulerConfiguration, schedule: Schedule, clock: any SchedulerClock = SystemSchedulerClock(),
        logger: Logger = Logger(label: "celerity.scheduler")
    ) {
        self.configuration = configuration
        self.redis = RedisClient(configuration: configuration.redis, logger: logger)
        self.clock = clock
        self.logger = logger
        self.current = Locked(schedule)
    }

    /// The schedule in force.
    public var schedule: Schedule { current.value }

    /// Re-reads the schedule file. On success the new schedule applies from the next tick; slot identity
    /// is (entry name, slot time) and claims live in Redis, so no slot is lost or doubled by a reload.
    /// An invalid file keeps the old schedule and logs every problem.
    /// - Returns: whether the new file was taken.
    @discardableResult
    public func reload() -> Bool {
        do {
            let schedule = try ScheduleFile.load(path: configuration.schedulePath, now: clock.now())
            replace(schedule)
            return true
        } catch {
            logger.error(
                "schedule reload refused; keeping the schedule in force",
                metadata: ["schedule.path": "\(configuration.schedulePath)", "error": "\(error)"]
            )
            return false
        }
    }

    /// Replaces the schedule in force (what ``reload()`` does after reading the file).
    public func replace(_ schedule: Schedule) {
        current.value = schedule
        logger.info(
            "schedule loaded",
            metadata: ["schedule.path": "\(schedule.path)", "schedule.entries": "\(schedule.entries.count)"]
        )
    }

    /// Runs until `shutdown` asks or the task is cancelled (the clock's sleep is where it stops), or until the
    /// clock ends (tests).
    /// - Throws: ``RedisError`` with code `.configuration` when Redis refuses the configuration (a wrong
    ///   password, a database out of range): no retry can help. Other Redis failures are logged and retried.
    package func run(until shutdown: Shutdown) async throws {
        try await shutdown.cancelling { [self] in try await run() }
    }

    /// Runs until the task is cancelled: the entry point for a Swift program that runs a scheduler itself
    /// (docs/scheduling.md); `celerity scheduler` runs it as a ``Service`` (``run(until:)``).
    /// - Throws: ``RedisError`` with code `.configuration` when Redis refuses the configuration.
    public func run() async throws {
        logger.info(
            "scheduler started",
            metadata: ["schedule.path": "\(schedule.path)", "redis.endpoint": "\(configuration.redis.redactedURL)"]
        )
        var state = TickState()
        defer { redis.connection.close() }
        while !Task.isCancelled {
            let wake: Date
            do {
                wake = try await tick(&state)
            } catch is CancellationError {
                break
            } catch let error as RedisError where error.isFatal {
                throw error
            } catch {
                logger.warning("scheduler tick failed; retrying", metadata: ["error": "\(error)"])
                wake = clock.now().addingTimeInterval(configuration.retryDelay.seconds)
            }
            do {
                try await clock.sleep(until: wake)
            } catch {
                break
            }
        }
        logger.info("scheduler stopped")
    }

    /// What one process remembers between ticks (an optimisation: Redis is the truth).
    struct TickState {
        /// The latest slot known to be claimed, per entry (from Redis or from our own claims).
        var lastClaimed: [String: Int64] = [:]
        /// Entries whose Redis state has been read.
        var loaded: Set<String> = []
        /// Up to when this process has planned each entry: slots at or before it were handled.
        var plannedThrough: [String: Int64] = [:]
    }

    /// One tick: reads state for new entries, claims every due slot, and says when to wake up.
    func tick(_ state: inout TickState) async throws -> Date {
        let schedule = current.value
        let now = clock.now()
        let unloaded = schedule.entries.filter { !state.loaded.contains($0.name) }
        if !unloaded.isEmpty {
            try await load(unloaded, now: now, into: &state)
        }
        for entry in schedule.entries {
            try Task.checkCancellation()
            let known = [state.lastClaimed[entry.name], state.plannedThrough[entry.name]].compactMap { $0 }.max()
            let plan = entry.plan(lastSlot: known.map(Slot.date), now: now, grace: configuration.grace)
            if plan.skipped > 0 {
                logger.info(
                    "missed slots not enqueued (catch_up \(entry.catchUp.rawValue))",
                    metadata: ["schedule.entry": "\(entry.name)", "schedule.skipped": "\(plan.skipped)"]
                )
            }
            for slot in plan.slots {
                switch try await SlotClaim.claim(entry: entry, slot: slot, now: clock.now(), on: redis) {
                case .claimed(let taskID):
                    state.lastClaimed[entry.name] = Slot.seconds(slot)
                    logger.info(
                        "enqueued",
                        metadata: [
                            "schedule.entry": "\(entry.name)", "schedule.slot": "\(CeleryTime.format(slot))",
                            "task.id": "\(taskID)", "task.name": "\(entry.task)", "queue.name": "\(entry.queue)",
                        ]
                    )
                case .alreadyClaimed(let last):
                    state.lastClaimed[entry.name] = max(state.lastClaimed[entry.name] ?? last, last)
                    logger.debug(
                        "slot already claimed by another scheduler",
                        metadata: ["schedule.entry": "\(entry.name)", "schedule.slot": "\(CeleryTime.format(slot))"]
                    )
                }
            }
            state.plannedThrough[entry.name] = Slot.seconds(now)
        }
        let next = schedule.entries.compactMap { $0.slots.nextSlot(after: now) }.min()
        let latest = now.addingTimeInterval(configuration.maximumSleep.seconds)
        return min(next ?? latest, latest)
    }

    /// Reads the last claimed slot of `entries` and records their next slot for `schedule status`.
    private func load(_ entries: [ScheduleEntry], now: Date, into state: inout TickState) async throws {
        var commands: [[String]] = []
        for entry in entries {
            commands.append(["HGET", ScheduleKeys.entry(entry.name), "last_slot"])
            let next = entry.slots.nextSlot(after: now).map { String(Slot.seconds($0)) } ?? ""
            commands.append(["HSET", ScheduleKeys.entry(entry.name), "next_slot", next, "task", entry.task])
            commands.append(["SADD", ScheduleKeys.entries, entry.name])
        }
        let replies = try await redis.pipeline(commands)
        if let failure = replies.first(where: { if case .error = $0 { return true } else { return false } }) {
            throw RedisError(code: .reply, message: "\(failure)", endpoint: configuration.redis.redactedURL)
        }
        for (index, entry) in entries.enumerated() {
            if let last = replies[index * 3].integer { state.lastClaimed[entry.name] = Int64(last) }
            state.loaded.insert(entry.name)
        }
    }
}

