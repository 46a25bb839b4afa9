import Broker
import Logging
import Synchronization

/// An application's tasks: what a worker binary (`celerity`, or an application's own) runs.
///
/// ``setup(_:)`` runs once in each worker process, before its first task. It opens what the tasks need (a
/// PostgreSQL connection, an HTTP client, configuration), defines the tasks with handlers that capture those
/// resources, registers what to close when the process stops, and returns the registry. No globals.
public protocol TaskApplication {
    /// Opens the process's resources and returns its tasks.
    /// - Throws: when a resource or the configuration is unusable; the worker process then stops with that
    ///   error, and its supervisor reports it.
    static func setup(_ context: SetupContext) async throws -> TaskRegistry
}

/// What a worker process gives an application's ``TaskApplication/setup(_:)``.
public final class SetupContext: Sendable {
    /// The configuration: flags, then environment variables, then the configuration file.
    public let settings: Settings
    /// The broker's Redis, for tasks that keep state there (caches, progress channels).
    public let broker: RedisConfiguration
    /// The worker node's name.
    public let nodeName: String
    /// A logger for the application's resources.
    public let logger: Logger
    private let closers = Mutex<[@Sendable () async -> Void]>([])

    /// A context; the worker makes one per process, and tests may make their own.
    public init(settings: Settings, broker: RedisConfiguration, nodeName: String, logger: Logger) {
        self.settings = settings
        self.broker = broker
        self.nodeName = nodeName
        self.logger = logger
    }

    /// Registers `close` to run when the process stops (after its last task), in reverse order of registration.
    public func onShutdown(_ close: @escaping @Sendable () async -> Void) {
        closers.withLock { $0.append(close) }
    }

    /// Runs the registered shutdown steps, last registered first, once.
    public func shutdown() async {
        let steps = closers.withLock { steps in
            defer { steps = [] }
            return steps
        }
        for step in steps.reversed() { await step() }
    }
}
