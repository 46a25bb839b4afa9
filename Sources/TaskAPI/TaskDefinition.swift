import Broker

/// A task a worker can run: its Celery name, the queue it is sent to, how it retries, its time limits,
/// and its handler.
public struct TaskDefinition: Sendable {
    /// The Celery task name, e.g. `invoices.process`.
    public var name: String
    /// The queue senders use by default (workers consume the queues they are given with `-Q`).
    public var queue: String
    /// When and how a failed run is retried.
    public var retryPolicy: RetryPolicy
    /// The default time limits; a message's `timelimit` header overrides them.
    public var timeLimit: TimeLimit
    /// The handler: receives the arguments and the context, returns the JSON result.
    public var handler: @Sendable (TaskArguments, TaskContext) async throws -> JSONValue
    /// Celery's `rate_limit` for this task name (`100/m`), cluster-wide, enforced at fetch; the hash
    /// `celerity:rate_limits` (the `rate_limit` control command) overrides it at run time. `nil` = unlimited.
    public var rateLimit: String? = nil
    /// Limits per flow key (the `celerity_flow_key` header): concurrency and rate, enforced at fetch.
    public var flow: FlowLimits? = nil
    /// Where the definition is written (`Module/File.swift:line`), named when two definitions share a name.
    public var location: String
    /// The ``TaskParameters`` type the handler binds, checked against its `parameters` at registration.
    var parametersType: (any TaskParameters.Type)?

    /// Defines a task with a handler on the raw arguments.
    public init(
        _ name: String, queue: String = "celery", retry: RetryPolicy = .none, timeLimit: TimeLimit = TimeLimit(),
        rateLimit: String? = nil, flow: FlowLimits? = nil,
        fileID: String = #fileID, line: Int = #line,
        handler: @escaping @Sendable (TaskArguments, TaskContext) async throws -> JSONValue
    ) {
        self.name = name
        self.rateLimit = rateLimit
        self.flow = flow
        self.queue = queue
        self.retryPolicy = retry
        self.timeLimit = timeLimit
        self.handler = handler
        self.location = "\(fileID):\(line)"
    }

    /// Defines the task that `Parameters` names: its arguments are bound to `Parameters` as Python binds
    /// a call's arguments to parameters (see ``TaskArguments/bind(_:task:)``), and its result encodes from `Output`.
    /// An argument that does not fit is a `TypeError` FAILURE naming the parameter, never retried.
    public init<Parameters: TaskParameters, Output: Encodable & Sendable>(
        _ parameters: Parameters.Type, retry: RetryPolicy = .none, timeLimit: TimeLimit = TimeLimit(),
        rateLimit: String? = nil, flow: FlowLimits? = nil,
        fileID: String = #fileID, line: Int = #line,
        handler: @escaping @Sendable (Parameters, TaskContext) async throws -> Output
    ) {
        let name = Parameters.taskName
        self.init(
            name, queue: Parameters.queue, retry: retry, timeLimit: timeLimit, rateLimit: rateLimit, flow: flow,
            fileID: fileID, line: line
        ) {
            arguments, context in
            let bound = try arguments.bind(Parameters.self, task: name)
            let output = try await handler(bound, context)
            if let value = output as? JSONValue { return value }
            do {
                return try JSONValue(encoding: output)
            } catch {
                throw TaskError(type: "EncodingError", message: "\(name): the result cannot be encoded as JSON: \(error)")
            }
        }
        self.parametersType = Parameters.self
    }
}
