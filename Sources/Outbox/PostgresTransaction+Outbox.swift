import Broker
import Foundation
import Postgres
import TaskAPI

extension PostgresTransaction {
    /// Adds the task `parameters` names to the outbox in this transaction and returns its id: the task is sent
    /// when, and only when, the transaction commits (docs/outbox.md).
    ///
    /// ```swift
    /// let taskID = try db.withTransaction { transaction in
    ///     try transaction.query("UPDATE purchases SET status = 'paid', paid_at = now() WHERE id = $1", [.int(id)])
    ///     return try transaction.enqueue(ApplyPurchaseUnlocks(user_id: 7, item_id: 9))
    /// }
    /// ```
    /// - Parameters:
    ///   - parameters: The task and its arguments, sent as a Python caller would send them.
    ///   - options: Queue (default: the parameters' queue), priority, eta or countdown, expires, time limits,
    ///     ignoreResult, an explicit task id. Workflow options (parent, root, group) are not for the outbox.
    /// - Throws: `EncodingError` when a parameter cannot be encoded, ``PostgresError`` when the row cannot be
    ///   inserted (a check names what is wrong; the transaction then rolls back).
    @discardableResult
    public func enqueue<Parameters: TaskParameters>(_ parameters: Parameters, options: SendOptions = SendOptions()) throws -> String {
        let signature = try Signature(parameters, options: options)
        return try enqueue(signature.task, args: signature.args, kwargs: signature.kwargs, options: signature.options)
    }

    /// Adds task `name` with JSON arguments to the outbox in this transaction and returns its id.
    /// - Throws: ``PostgresError`` when the row cannot be inserted.
    @discardableResult
    public func enqueue(
        _ name: String, args: [JSONValue] = [], kwargs: JSONObject = [:], options: TaskOptions = TaskOptions()
    ) throws(PostgresError) -> String {
        let taskID = options.taskID ?? RandomID.uuidString()
        try query(
            "INSERT INTO celerity_outbox (task_id, task_name, queue, args, kwargs, options) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                .text(taskID), .text(name), .text(options.queue), .json(.array(args)), .json(.object(kwargs)),
                .json(.object(Self.outboxOptions(options))),
            ]
        )
        return taskID
    }

    /// The `options` column for `options`: only what differs from Celery's defaults.
    static func outboxOptions(_ options: TaskOptions) -> JSONObject {
        var object = JSONObject()
        if options.priority != 0 { object["priority"] = .int(options.priority) }
        if let eta = options.eta { object["eta"] = .string(CeleryTime.format(eta)) }
        if let expires = options.expires { object["expires"] = .string(CeleryTime.format(expires)) }
        if let hard = options.timeLimit.hard { object["time_limit"] = .double(hard.seconds) }
        if let soft = options.timeLimit.soft { object["soft_time_limit"] = .double(soft.seconds) }
        if options.ignoreResult { object["ignore_result"] = true }
        return object
    }
}
