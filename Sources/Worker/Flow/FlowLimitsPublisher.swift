import Broker
import Logging
import TaskAPI

/// Writes the limits the registered task definitions set to Redis, where the fetch script reads them:
/// ``TaskDefinition/rateLimit`` to ``WorkerKeys/rateLimitDefaults`` and ``TaskDefinition/flow`` to
/// ``WorkerKeys/flowLimits``, under the task's name and each alias of it. A definition without a limit removes
/// the field, so removing a limit from the code removes it from the cluster when its workers restart.
enum FlowLimitsPublisher {
    /// The `HSET`/`HDEL` commands that publish `registry`'s limits.
    static func commands(for registry: TaskRegistry) -> [[String]] {
        let names = registry.names.map { ($0, $0) } + registry.aliasNames.map { ($0.alias, $0.task) }
        var commands: [[String]] = []
        for (published, task) in names {
            guard let definition = registry[task] else { continue }
            // Both were checked when the task was registered (TaskRegistry.register).
            if let rate = definition.rateLimit.flatMap({ try? RateLimit($0) }) {
                commands.append(["HSET", WorkerKeys.rateLimitDefaults, published, rate.description])
            } else {
                commands.append(["HDEL", WorkerKeys.rateLimitDefaults, published])
            }
            if let limits = try? definition.flow?.encoded() {
                commands.append(["HSET", WorkerKeys.flowLimits, published, limits])
            } else {
                commands.append(["HDEL", WorkerKeys.flowLimits, published])
            }
        }
        return commands
    }

    /// Publishes `registry`'s limits; a Redis error is logged (the next process start publishes them again).
    static func publish(_ registry: TaskRegistry, on connection: RedisConnection, logger: Logger) {
        let commands = commands(for: registry)
        guard !commands.isEmpty else { return }
        do {
            try retryingTransportErrors(logger: logger) {
                for case .error(let message) in try connection.pipeline(commands) {
                    throw RedisError(code: .reply, message: "publishing flow limits: \(message)", endpoint: "")
                }
            }
        } catch {
            logger.error("cannot publish the tasks' rate and flow limits; they apply once a process publishes them",
                metadata: ["error": "\(error)"])
        }
    }
}
