import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// What control commands ask of the node's pool; the control listener writes it, the supervisor's loop
/// applies it (``Supervisor``'s pool sizing step).
struct PoolTarget: Sendable, Equatable {
    /// The pool's size when it is not autoscaled (`--concurrency`, changed by `pool_grow` / `pool_shrink`).
    var processes: Int
    /// The autoscaler's bounds (`--autoscale`, changed by the `autoscale` command); `nil` without autoscale.
    var autoscale: AutoscaleRange?
    /// Incremented by each `pool_restart`: the supervisor restarts every process, warm, when it changes.
    var restarts = 0
}

/// The Celery control commands that change a node (celery/worker/control.py), with Celery's replies:
/// `enable_events`, `disable_events`, `time_limit`, `rate_limit`, `add_consumer`, `cancel_consumer`,
/// `pool_grow`, `pool_shrink`, `pool_restart` and `autoscale`. Every argument comes from the caller, so each
/// is validated here and refused with an `error` reply that says why; nothing reaches Redis unchecked.
struct ControlCommands {
    let configuration: WorkerConfiguration
    /// The node's run-time settings, mirrored to ``WorkerKeys/nodeSettings(_:)`` for its processes.
    let settings: Locked<NodeSettings>
    let pool: Locked<PoolTarget>
    /// The task names the node's processes registered.
    let taskNames: [String]
    let commands: RedisConnection
    let logger: Logger

    /// The reply to a command that changes the node, or `nil` when `method` is not one of them.
    func perform(_ method: String, arguments: JSONObject) -> JSONValue? {
        do {
            switch method {
            case "enable_events", "disable_events": return try taskEvents(on: method == "enable_events")
            case "time_limit": return try timeLimit(arguments)
            case "rate_limit": return try rateLimit(arguments)
            case "add_consumer": return try addConsumer(arguments)
            case "cancel_consumer": return try cancelConsumer(arguments)
            case "pool_grow", "pool_shrink": return try resize(grow: method == "pool_grow", arguments)
            case "pool_restart":
                pool.withLock { $0.restarts += 1 }
                logger.info("pool restart requested over Celery control")
                return ok("reload started")
            case "autoscale": return autoscale(arguments)
            default: return nil
            }
        } catch {
            logger.warning("cannot apply a Celery control command", metadata: ["method": "\(method)", "error": "\(error)"])
            return failed("\(method) failed: \(error); try again")
        }
    }

    // MARK: - Events, limits, queues

    private func taskEvents(on: Bool) throws -> JSONValue {
        let was = settings.value.taskEvents ?? configuration.sendTaskEvents
        guard was != on else { return ok("task events already \(on ? "enabled" : "disabled")") }
        try update { $0.taskEvents = on }
        logger.info("task events \(on ? "enabled" : "disabled") by remote")
        return ok("task events \(on ? "enabled" : "disabled")")
    }

    private func timeLimit(_ arguments: JSONObject) throws -> JSONValue {
        guard let name = arguments["task_name"]?.stringValue, taskNames.contains(name) else { return failed("unknown task") }
        var limit = TimeLimit()
        for (field, keyPath) in [("soft", \TimeLimit.soft), ("hard", \TimeLimit.hard)] {
            guard let value = arguments[field], !value.isNull else { continue }
            guard let seconds = Self.number(value), seconds >= 0, let duration = Duration(checkedSeconds: seconds) else {
                return failed("invalid \(field) time limit \(value.serialized.prefix(40)): seconds from 0 to 1e7 expected")
            }
            limit[keyPath: keyPath] = seconds > 0 ? duration : nil
        }
        try update { $0.timeLimits[name] = limit }
        logger.info(
            "new time limits by remote", metadata: ["task.name": "\(name)", "soft": "\(limit.soft?.seconds ?? 0)", "hard": "\(limit.hard?.seconds ?? 0)"])
        return ok("time limits set successfully")
    }

    /// Writes the run-time rate limit to ``WorkerKeys/rateLimits``, which every node's take script enforces.
    private func rateLimit(_ arguments: JSONObject) throws -> JSONValue {
        let text = arguments["rate_limit"]?.stringValue ?? arguments["rate_limit"].flatMap(Self.number).map { String($0) } ?? ""
        guard let perSecond = Self.rate(text) else {
            return failed("Invalid rate limit string: \(text.prefix(40)) (expected N/s, N/m or N/h)")
        }
        guard let name = arguments["task_name"]?.stringValue, taskNames.contains(name) else { return failed("unknown task") }
        if perSecond == 0 {
            try commands.send(["HDEL", WorkerKeys.rateLimits, name])
            logger.info("rate limit disabled by remote", metadata: ["task.name": "\(name)"])
            return ok("rate limit disabled successfully")
        }
        try commands.send(["HSET", WorkerKeys.rateLimits, name, text])
        logger.info("new rate limit by remote", metadata: ["task.name": "\(name)", "rate_limit": "\(text)"])
        return ok("new rate limit set successfully")
    }

    private func addConsumer(_ arguments: JSONObject) throws -> JSONValue {
        guard let queue = arguments["queue"]?.stringValue else { return failed("add_consumer needs a queue name") }
        if let problem = MessageLimits.queueProblem(queue) { return failed("queue \(queue.prefix(64)) \(problem)") }
        let queues = settings.value.queues ?? configuration.queues
        if !queues.contains(queue) {
            guard queues.count < Self.maxQueues else {
                return failed("cannot consume from \(queue.prefix(64)): the node consumes \(Self.maxQueues) queues already")
            }
            try update { $0.queues = queues + [queue] }
            logger.info("consuming from a queue added by remote", metadata: ["queue": "\(queue)"])
        }
        return ok("add consumer \(queue)")
    }

    private func cancelConsumer(_ arguments: JSONObject) throws -> JSONValue {
        guard let queue = arguments["queue"]?.stringValue else { return failed("cancel_consumer needs a queue name") }
        let queues = settings.value.queues ?? configuration.queues
        if queues.contains(queue) {
            guard queues.count > 1 else {
                return failed("cannot stop consuming from \(queue): it is the node's last queue (add another first)")
            }
            try update { $0.queues = queues.filter { $0 != queue } }
            logger.info("no longer consuming from a queue, by remote", metadata: ["queue": "\(queue)"])
        }
        return ok("no longer consuming from \(queue)")
    }

    /// Changes the settings and writes them all to the node's hash, in one step (`DEL` + `HSET` in `MULTI`).
    private func update(_ change: (inout NodeSettings) -> Void) throws {
        var changed = settings.value
        change(&changed)
        let key = WorkerKeys.nodeSettings(configuration.nodeName)
        var steps: [[String]] = [["MULTI"], ["DEL", key]]
        if !changed.hashFields.isEmpty { steps.append(["HSET", key] + changed.hashFields) }
        steps.append(["EXEC"])
        try commands.sendAll(steps)
        settings.value = changed
    }

    // MARK: - The pool

    private func resize(grow: Bool, _ arguments: JSONObject) throws -> JSONValue {
        let count = arguments["n"].flatMap(Self.number) ?? 1
        guard count >= 1, count <= Double(AutoscaleRange.limit), count == count.rounded() else {
            return failed("n must be a whole number from 1 to \(AutoscaleRange.limit)")
        }
        let verb = grow ? "pool_grow" : "pool_shrink"
        let refused: String? = pool.withLock { target in
            if target.autoscale != nil { return "\(verb) is not supported with autoscale. Adjust autoscale range instead." }
            let size = target.processes + (grow ? Int(count) : -Int(count))
            target.processes = min(AutoscaleRange.limit, max(1, size))
            return nil
        }
        if let refused { return failed(refused) }
        logger.info("pool \(grow ? "grows" : "shrinks") by remote", metadata: ["processes": "\(pool.value.processes)"])
        return ok("pool will \(grow ? "grow" : "shrink")")
    }

    private func autoscale(_ arguments: JSONObject) -> JSONValue {
        guard let current = pool.value.autoscale else {
            return failed("autoscale is not enabled on this node (start it with --autoscale MAX,MIN)")
        }
        func bound(_ name: String) -> Int? {
            guard let value = arguments[name], !value.isNull, let number = Self.number(value), number == number.rounded(),
                abs(number) <= Double(AutoscaleRange.limit)
            else { return nil }
            return Int(number)
        }
        do {
            let range = try AutoscaleRange(maximum: bound("max") ?? current.maximum, minimum: bound("min") ?? current.minimum)
            pool.withLock { $0.autoscale = range }
            logger.info("autoscale range changed by remote", metadata: ["max": "\(range.maximum)", "min": "\(range.minimum)"])
            return ok("autoscale now max=\(range.maximum) min=\(range.minimum)")
        } catch {
            return failed("\(error)")
        }
    }

    // MARK: - Values

    /// The most queues `add_consumer` lets a node consume (each is polled by every process).
    static let maxQueues = 64

    private func ok(_ text: String) -> JSONValue { ["ok": .string(text)] }
    private func failed(_ text: String) -> JSONValue { ["error": .string(text)] }

    /// A number from a JSON number or a numeric string (Celery's CLI and Flower send either).
    static func number(_ value: JSONValue) -> Double? {
        if let double = value.doubleValue { return double.isFinite ? double : nil }
        guard let text = value.stringValue, let double = Double(text), double.isFinite else { return nil }
        return double
    }

    /// Tasks per second of Celery's rate string (`100/m`, `2/h`, `0.5/s`, `10`), 0 for none (`""`, `0`), or
    /// `nil` when it is not one (celery.utils.time.rate).
    static func rate(_ text: String) -> Double? {
        if text.isEmpty { return 0 }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard text.utf8.count <= 32, let count = Double(parts[0]), count.isFinite, count >= 0 else { return nil }
        switch parts.count == 2 ? parts[1] : "s" {
        case "s", "": return count
        case "m": return count / 60
        case "h": return count / 3600
        default: return nil
        }
    }
}
