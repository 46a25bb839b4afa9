import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A node's settings changed at run time by Celery control commands (`enable_events`, `disable_events`,
/// `add_consumer`, `cancel_consumer`, `time_limit`), kept in the Redis hash ``WorkerKeys/nodeSettings(_:)``.
/// The control listener writes it; every worker process of the node reads it (``NodeSettingsReader``) before
/// it takes messages, so a change reaches processes that exist and processes started later. The supervisor
/// deletes the hash when the node starts: as with Celery, the changes last until the node restarts.
struct NodeSettings: Sendable, Equatable {
    /// Task events on or off; `nil` keeps the node's `-E` setting.
    var taskEvents: Bool?
    /// The queues to consume, in order; `nil` keeps the node's `-Q`.
    var queues: [String]?
    /// Time limits by task name, replacing the task definition's (a message's own limits still win).
    var timeLimits: [String: TimeLimit] = [:]

    /// The hash's fields as `HSET` arguments after the key.
    var hashFields: [String] {
        var fields: [String] = []
        if let taskEvents { fields += ["events", taskEvents ? "1" : "0"] }
        if let queues { fields += ["queues", JSONValue.array(queues.map(JSONValue.string)).serialized] }
        if !timeLimits.isEmpty {
            var limits = JSONObject()
            for (name, limit) in timeLimits.sorted(by: { $0.key < $1.key }) {
                limits[name] = [
                    "soft": limit.soft.map { .double($0.seconds) } ?? .null,
                    "hard": limit.hard.map { .double($0.seconds) } ?? .null,
                ]
            }
            fields += ["time_limits", JSONValue.object(limits).serialized]
        }
        return fields
    }

    /// Reads the settings from the hash's fields (an `HGETALL` reply: field, value, …). A field that does not
    /// decode (written by something else) is ignored: the node's own setting stays in force.
    init(hashReply values: [String]) {
        var pairs: [String: String] = [:]
        var index = 0
        while index + 1 < values.count {
            pairs[values[index]] = values[index + 1]
            index += 2
        }
        switch pairs["events"] {
        case "1": taskEvents = true
        case "0": taskEvents = false
        default: taskEvents = nil
        }
        if let text = pairs["queues"], let list = (try? JSONValue.parse(text))?.arrayValue {
            let names = list.compactMap(\.stringValue).filter { MessageLimits.queueProblem($0) == nil }
            queues = names.isEmpty ? nil : names
        }
        if let text = pairs["time_limits"], case .object(let limits)? = try? JSONValue.parse(text) {
            for limit in limits {
                timeLimits[limit.key] = TimeLimit(hard: Self.seconds(limit.value["hard"]), soft: Self.seconds(limit.value["soft"]))
            }
        }
    }

    init() {}

    /// A positive time limit within ``Duration/longestAcceptedSeconds``, or `nil`.
    static func seconds(_ value: JSONValue?) -> Duration? {
        guard let seconds = value?.doubleValue, seconds > 0 else { return nil }
        return Duration(checkedSeconds: seconds)
    }
}

/// A worker process's view of its node's ``NodeSettings``: read from Redis at most once a second, so a control
/// command takes effect within about a second, at one `HGETALL` per process per second.
final class NodeSettingsReader {
    /// The node's settings hash (an idle process reads it with its poll, ``accept(hashReply:)``).
    let key: String
    private var nextRead = ContinuousClock.now
    /// The settings as last read.
    private(set) var current = NodeSettings()

    init(node: String) {
        key = WorkerKeys.nodeSettings(node)
    }

    /// Reads the settings again when a second has passed since the last read.
    /// - Returns: `true` when they changed.
    /// - Throws: ``RedisError`` when Redis cannot be read (the caller's loop retries).
    func refreshIfDue(on connection: RedisConnection) throws(RedisError) -> Bool {
        guard refreshIsDue else { return false }
        return accept(hashReply: (try connection.send(["HGETALL", key]).array ?? []).compactMap(\.string))
    }

    /// Takes `values` (the fields and values of ``key``, read just now) as a read: the next is due a second later.
    /// - Returns: `true` when the settings changed.
    func accept(hashReply values: [String]) -> Bool {
        nextRead = ContinuousClock.now + .seconds(1)
        let settings = NodeSettings(hashReply: values)
        defer { current = settings }
        return settings != current
    }

    /// Whether ``refreshIfDue(on:)`` would read Redis now.
    var refreshIsDue: Bool { ContinuousClock.now >= nextRead }
}
