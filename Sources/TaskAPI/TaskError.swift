/// The error a task throws to say which Python exception Celery clients should see (`exc_type`/`exc_module`),
/// e.g. `TaskError(type: "ValueError", message: "9 invoices: a batch holds 10 to 50")`.
/// Any other Swift error is reported with its Swift type name and module `celerity`.
public struct TaskError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The Python exception's class name, e.g. `ValueError`.
    public var type: String
    /// The exception's message.
    public var message: String
    /// The Python module of the exception class; `builtins` for `ValueError`, `TypeError`, ….
    public var module: String

    /// An error Celery clients see as `module.type(message)`.
    public init(type: String, message: String, module: String = "builtins") {
        self.type = type
        self.message = message
        self.module = module
    }

    /// `ValueError`: a bad request to the task. A task's retry policy should not retry it.
    public static func valueError(_ message: String) -> TaskError { TaskError(type: "ValueError", message: message) }

    /// `TypeError`: arguments that do not fit the task's parameters.
    public static func typeError(_ message: String) -> TaskError { TaskError(type: "TypeError", message: message) }

    public var description: String { "\(type): \(message)" }
}
