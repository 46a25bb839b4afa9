import Broker

/// The arguments a task was sent with: Python's `*args` and `**kwargs`.
public struct TaskArguments: Sendable, Hashable {
    /// The positional arguments.
    public var args: [JSONValue]
    /// The keyword arguments, in the order they were sent.
    public var kwargs: JSONObject

    /// Arguments as a Python caller passes them.
    public init(args: [JSONValue] = [], kwargs: JSONObject = [:]) {
        self.args = args
        self.kwargs = kwargs
    }

    /// Positional argument `index`, else keyword argument `name` (as Python binds parameters).
    public func argument(_ index: Int, _ name: String) -> JSONValue? {
        index < args.count ? args[index] : kwargs[name]
    }
}
