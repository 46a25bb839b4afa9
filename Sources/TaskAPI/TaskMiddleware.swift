/// Code that runs around every task a worker process handles: the place for task metrics, tracing and
/// failure notifications. Hooks run on the worker process's thread, in registration order, and must not
/// throw: a middleware never changes a task's outcome.
public protocol TaskMiddleware: Sendable {
    /// Called just before the handler runs.
    func taskWillRun(_ context: TaskContext)
    /// Called once the message's outcome is stored: after the handler, or instead of it for a revoked or
    /// expired message.
    func taskDidFinish(_ context: TaskContext, outcome: TaskOutcome)
}

extension TaskMiddleware {
    public func taskWillRun(_ context: TaskContext) {}
}
