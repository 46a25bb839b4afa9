import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// A task a worker can run: its Celery name, where it is consumed, how it retries, its time limits,
/// and its handler.
public struct TaskDefinition: Sendable {
    /// The Celery task name, e.g. `invoices.process`.
    public var name: String
    /// The queue this task is usually sent to (informational for workers; used by ``TaskRegistry`` users to route).
    public var queue: String
    /// When and how a failed run is retried.
    public var retryPolicy: RetryPolicy
    /// The default time limits; a message's `timelimit` header overrides them.
    public var timeLimit: TimeLimit
    /// The handler: receives the decoded arguments and the context, returns the JSON result.
    public var handler: @Sendable (TaskArguments, TaskContext) async throws -> JSONValue

    /// Defines a task with a handler on raw JSON arguments.
    public init(
        _ name: String, queue: String = "celery", retry: RetryPolicy = .none, timeLimit: TimeLimit = TimeLimit(),
        handler: @escaping @Sendable (TaskArguments, TaskContext) async throws -> JSONValue
    ) {
        self.name = name
        self.queue = queue
        self.retryPolicy = retry
        self.timeLimit = timeLimit
        self.handler = handler
    }

    /// Defines a task whose arguments decode into `Arguments` and whose result encodes from `Output`.
    /// Keyword arguments decode as the object's fields; positional ones as an array (see ``TaskArguments/decode(_:)``).
    public static func typed<Arguments: Decodable & SendableMetatype, Output: Encodable & SendableMetatype>(
        _ name: String, queue: String = "celery", retry: RetryPolicy = .none, timeLimit: TimeLimit = TimeLimit(),
        arguments: Arguments.Type = Arguments.self,
        handler: @escaping @Sendable (Arguments, TaskContext) async throws -> Output
    ) -> TaskDefinition {
        TaskDefinition(name, queue: queue, retry: retry, timeLimit: timeLimit) { raw, context in
            let decoded: Arguments
            do {
                decoded = try raw.decode(Arguments.self)
            } catch {
                throw TaskError(type: "TypeError", message: "\(name): arguments do not fit \(Arguments.self): \(error)")
            }
            return try JSONValue(encoding: try await handler(decoded, context))
        }
    }
}

/// The arguments a task was sent with.
public struct TaskArguments: Sendable, Hashable {
    public var args: [JSONValue]
    public var kwargs: JSONObject

    public init(args: [JSONValue] = [], kwargs: JSONObject = [:]) {
        self.args = args
        self.kwargs = kwargs
    }

    /// Positional argument `index`, else keyword argument `name` (as Python binds parameters).
    public func argument(_ index: Int, _ name: String) -> JSONValue? {
        index < args.count ? args[index] : kwargs[name]
    }

    /// Decodes into `type`: the keyword arguments as an object when there are no positional ones,
    /// a single positional argument as itself, several as an array.
    /// - Throws: `DecodingError` naming the field that did not fit.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        if args.isEmpty { return try JSONValue.object(kwargs).decode(T.self) }
        if args.count == 1, kwargs.isEmpty, let single = try? args[0].decode(T.self) { return single }
        return try JSONValue.array(args).decode(T.self)
    }
}

/// What a running task knows about itself.
public struct TaskContext: Sendable {
    /// The task id (also the result key's suffix).
    public var taskID: String
    /// The task name.
    public var name: String
    /// How many times this task was retried before this run.
    public var retries: Int
    /// The ETA it was scheduled for, if any.
    public var eta: Date?
    /// The first task of its workflow.
    public var rootID: String?
    /// The task that sent it.
    public var parentID: String?
    /// The queue it came from.
    public var queue: String
    /// The worker's node name.
    public var hostname: String
    /// A logger with `task.id` and `task.name` metadata.
    public var logger: Logger
}

/// An error a task throws to say which Python exception type Celery clients should see
/// (`exc_type`/`exc_module`), e.g. `TaskError(type: "ValueError", message: "boom")`.
/// Any other Swift error is reported with its Swift type name and module `celerity`.
public struct TaskError: Error, Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var message: String
    public var module: String

    public init(type: String, message: String, module: String = "builtins") {
        self.type = type
        self.message = message
        self.module = module
    }

    public var description: String { "\(type): \(message)" }
}

/// A registry of task definitions by name.
public struct TaskRegistry: Sendable {
    private var definitions: [String: TaskDefinition] = [:]

    public init(_ definitions: [TaskDefinition] = []) {
        for definition in definitions { register(definition) }
    }

    /// Adds (or replaces) a task.
    public mutating func register(_ definition: TaskDefinition) {
        definitions[definition.name] = definition
    }

    /// Adds several tasks.
    public mutating func register(contentsOf definitions: [TaskDefinition]) {
        for definition in definitions { register(definition) }
    }

    /// The task named `name`, if registered.
    public subscript(name: String) -> TaskDefinition? { definitions[name] }

    /// All registered names, sorted.
    public var names: [String] { definitions.keys.sorted() }
}
