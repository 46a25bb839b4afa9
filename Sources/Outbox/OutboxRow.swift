import Broker
import Foundation
import Postgres

/// One committed row of `celerity_outbox` (migration 0060), as the relay reads it, and the ordinary Celery
/// protocol v2 message it becomes (built by ``TaskMessage/make(task:args:kwargs:options:embed:)``, as every
/// Celerity client builds one, so Python Celery workers run it too).
struct OutboxRow: Sendable, Hashable {
    var taskID: String
    var taskName: String
    var queue: String
    var args: [JSONValue]
    var kwargs: JSONObject
    /// `countdown`, `eta`, `expires`, `priority`, `time_limit`, `soft_time_limit`, `ignore_result`, `headers`.
    var options: JSONObject
    var createdAt: Date

    /// The columns ``init(row:)`` reads, for the relay's SELECT.
    static let columns = "task_id, task_name, queue, args, kwargs, options, created_at"

    init(
        taskID: String, taskName: String, queue: String, args: [JSONValue], kwargs: JSONObject, options: JSONObject,
        createdAt: Date
    ) {
        self.taskID = taskID
        self.taskName = taskName
        self.queue = queue
        self.args = args
        self.kwargs = kwargs
        self.options = options
        self.createdAt = createdAt
    }

    /// Reads a row selected with ``columns``; the table's checks already made args an array, kwargs and options
    /// objects.
    /// - Throws: ``OutboxRowError`` when a column cannot be read (a number too large for JSON, say), so that one
    ///   such row is set aside instead of stopping the relay.
    init(row: PostgresRow) throws(OutboxRowError) {
        let taskID = (try? row.decode("task_id", as: String.self)) ?? ""
        do throws(PostgresError) {
            taskName = try row.decode("task_name")
            queue = try row.decode("queue")
            args = try row.decode("args", as: JSONValue.self).arrayValue ?? []
            kwargs = try row.decode("kwargs", as: JSONValue.self).objectValue ?? [:]
            options = try row.decode("options", as: JSONValue.self).objectValue ?? [:]
            createdAt = try row.decode("created_at")
        } catch {
            throw OutboxRowError(taskID: taskID, reason: "the row cannot be read: \(error.message)")
        }
        self.taskID = taskID
    }

    /// The message: task id, queue and options from the row; `countdown` and a numeric `expires` count from
    /// `created_at`, so a row relayed late still runs when the application meant it to.
    /// - Throws: ``OutboxRowError`` naming the option that cannot be used (the row is then kept with that error).
    func message() throws(OutboxRowError) -> TaskMessage {
        var taskOptions = TaskOptions(queue: queue, taskID: taskID)
        for member in options {
            let value = member.value
            switch member.key {
            case "priority":
                guard let priority = value.intValue, (0...9).contains(priority) else { throw invalid("priority must be 0-9") }
                taskOptions.priority = priority
            case "countdown":
                guard let seconds = finiteSeconds(value) else { throw invalid("countdown must be a number of seconds") }
                taskOptions.eta = createdAt.addingTimeInterval(seconds)
            case "eta":
                guard let date = value.stringValue.flatMap(CeleryTime.parse) else {
                    throw invalid("eta must be an ISO 8601 time such as 2026-12-06T05:00:00+00:00")
                }
                taskOptions.eta = date
            case "expires":
                if let seconds = finiteSeconds(value) {
                    taskOptions.expires = createdAt.addingTimeInterval(seconds)
                } else if let date = value.stringValue.flatMap(CeleryTime.parse) {
                    taskOptions.expires = date
                } else {
                    throw invalid("expires must be seconds after the insert or an ISO 8601 time")
                }
            case "time_limit":
                guard let seconds = finiteSeconds(value), seconds > 0 else { throw invalid("time_limit must be seconds > 0") }
                taskOptions.timeLimit.hard = .seconds(seconds)
            case "soft_time_limit":
                guard let seconds = finiteSeconds(value), seconds > 0 else { throw invalid("soft_time_limit must be seconds > 0") }
                taskOptions.timeLimit.soft = .seconds(seconds)
            case "ignore_result":
                guard let flag = value.boolValue else { throw invalid("ignore_result must be true or false") }
                taskOptions.ignoreResult = flag
            case "headers":
                break  // Below, after the protocol's own headers are in place.
            default:
                throw invalid("unknown option \"\(member.key)\"")
            }
        }
        var message = TaskMessage.make(task: taskName, args: args, kwargs: kwargs, options: taskOptions)
        if let extra = options["headers"] {
            guard let headers = extra.objectValue else { throw invalid("headers must be a JSON object") }
            for header in headers {
                guard message.headers[header.key] == nil else {
                    throw invalid("header \"\(header.key)\" is set by the protocol; use the matching option instead")
                }
                message.headers[header.key] = header.value
            }
        }
        return message
    }

    private func finiteSeconds(_ value: JSONValue) -> Double? {
        value.doubleValue.flatMap { $0.isFinite && abs($0) < 1e9 ? $0 : nil }
    }

    private func invalid(_ reason: String) -> OutboxRowError {
        OutboxRowError(taskID: taskID, reason: reason)
    }
}

/// Why a row cannot become a message; stored in the row's `error` column, and the row is never sent.
struct OutboxRowError: Error, Sendable, Hashable, CustomStringConvertible {
    var taskID: String
    var reason: String

    var description: String { "outbox row \(taskID): \(reason)" }
}
