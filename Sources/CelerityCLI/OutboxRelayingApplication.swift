import Broker
import TaskAPI

/// A task application whose `worker --outbox` also relays the application's outbox table to Redis.
///
/// CelerityCLI links no database client, so a worker binary loads libpq only when its application conforms: the
/// `celerity` binary's does (with the `Outbox` module's relay); another binary gets a one-line error for
/// `--outbox` and runs `celerity outbox relay` beside its workers instead (docs/outbox.md).
public protocol OutboxRelayingApplication: TaskApplication {
    /// The relay to run beside the supervisor until its task is cancelled.
    /// - Parameters:
    ///   - settings: the application's settings (`CELERITY_DATABASE_URL`, `CELERITY_OUTBOX_*`).
    ///   - redis: the broker the relay pushes to.
    /// - Throws: an error naming the setting that is missing or not valid (never the password).
    static func outboxRelay(settings: Settings, redis: RedisConfiguration) throws -> @Sendable () async -> Void
}

/// A part whose contract is task cancellation (``OutboxRelayingApplication/outboxRelay(settings:redis:)``), run as a
/// ``Service``: cancelled once a shutdown is asked.
struct CancellableService: Service {
    private let body: @Sendable () async -> Void

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func run(until shutdown: Shutdown) async throws {
        try await shutdown.cancelling(body)
    }
}
