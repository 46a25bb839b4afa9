import Broker
import Logging
import TaskAPI

/// Sends a running task's steps (``TaskSender``) through its worker process's broker, atomically and at most once
/// per step (``WorkerBroker/sendStep(marker:preparation:messages:remembered:)``). Called on the worker process's thread, which
/// runs the handler.
final class BrokerTaskTransport: TaskTransport {
    private let broker: any WorkerBroker
    private let logger: Logger
    /// How long a sent step is remembered; a parent re-run later than this sends its steps again.
    private let memory: Duration

    init(broker: any WorkerBroker, memory: Duration, logger: Logger) {
        self.broker = broker
        self.memory = memory
        self.logger = logger
    }

    @discardableResult
    func send(step: String?, preparation: [[String]], messages: [TaskMessage]) async throws -> Bool {
        let sent = try retryingTransportErrors(logger: logger) {
            try broker.sendStep(marker: step, preparation: preparation, messages: messages, remembered: memory)
        }
        if !sent {
            logger.info("step already sent by an earlier run; not sent again", metadata: ["task.step": "\(step ?? "-")"])
        }
        return sent
    }
}

/// Runs one idempotent Redis step, retrying transport failures (Redis restarting, network blips) and error replies
/// that pass by themselves (``RedisError/isTemporaryRefusal``: OOM under `noeviction`, READONLY after a failover)
/// with the worker's ``Backoff`` for up to `limit`, so that finished work is not lost to a short outage.
func retryingTransportErrors<T>(
    for limit: Duration = .seconds(300), logger: Logger, _ step: () throws -> T
) throws -> T {
    let deadline = ContinuousClock.now + limit
    var attempts = 0
    while true {
        do {
            return try step()
        } catch let error as RedisError where (error.isTransport || error.isTemporaryRefusal) && ContinuousClock.now < deadline {
            if attempts == 0 || attempts % 20 == 0 {
                logger.warning("Redis unavailable; retrying worker step", metadata: ["error": "\(error)"])
            }
            PosixThread.sleep(for: Backoff.redisStep.delay(afterAttempts: attempts))
            attempts += 1
        }
    }
}

extension RedisError {
    /// An error reply that goes away by itself, so the step is retried, not failed: `OOM` (Redis at `maxmemory`
    /// with `noeviction`), `READONLY` (a replica after a failover), `LOADING`, `BUSY`, `MASTERDOWN`, `TRYAGAIN`.
    /// A script that gets one has written nothing: Redis refuses a script's first write, never a later one.
    var isTemporaryRefusal: Bool {
        guard code == .reply else { return false }
        return ["OOM", "READONLY", "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN"].contains { code in
            message.hasPrefix(code + " ") || message.contains(": " + code + " ")
        }
    }
}

extension Backoff {
    /// The backoff of a worker's Redis steps: 50 ms doubling to 2 s, no jitter.
    static let redisStep = Backoff(base: .milliseconds(50), cap: .seconds(2), jitter: false)
}
