import Broker
import CelerityCLI
import Logging
import Outbox
import TaskAPI
import Tasks

/// `celerity worker --outbox`: the `celerity` binary's worker relays the outbox table too. Only this binary
/// links the relay (and libpq through it) into its worker; see ``OutboxRelayingApplication``.
extension CelerityTasks: OutboxRelayingApplication {
    public static func outboxRelay(settings: Settings, redis: RedisConfiguration) throws -> @Sendable () async -> Void {
        let configuration = try OutboxRelayConfiguration(settings: settings, redis: redis)
        return { await OutboxRelay(configuration: configuration, logger: Logger(label: "celerity.outbox")).run() }
    }
}
