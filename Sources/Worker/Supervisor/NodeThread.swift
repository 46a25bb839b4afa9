import Broker
import Logging

/// A node service beside the pool (``LeaseKeeper``, ``EtaPromoter``): a loop on a thread of its own with a Redis
/// connection of its own (``NodeThread``), which sleeps on the thread's wakeup between steps and ends once the pool
/// has stopped (``NodeShared/poolStopped``). Each keeps only its own work, ``loop(until:)``.
protocol NodeThreadService: Service {
    /// Its thread's name, connection and wakeup.
    var thread: NodeThread { get }
    /// What the node's services share; its ``NodeShared/poolStopped`` ends the loop.
    var shared: NodeShared { get }
    /// The service's work, on its thread: returns once the pool has stopped, or with a fatal ``RedisError`` (a
    /// configuration Redis refuses) after asking `shutdown` for a cold shutdown.
    func loop(until shutdown: Shutdown) -> RedisError?
}

extension NodeThreadService {
    /// Runs ``loop(until:)`` on the service's thread until the pool has stopped, then closes its connection.
    /// - Throws: the fatal ``RedisError`` the loop returned.
    func run(until shutdown: Shutdown) async throws {
        let fatal = await thread.wakeup.signalling(when: shared.poolStopped) {
            await PosixThread.run(name: thread.name) { [self] in loop(until: shutdown) }
        }
        thread.connection.close()
        if let fatal { throw fatal }
    }
}

/// A ``NodeThreadService``'s thread: its name, what wakes it, and its Redis connection (opened by the loop's first
/// step, kept until the node stops, used only by that thread; `/metrics` counts its reconnects).
struct NodeThread: Sendable {
    /// The thread's name (`leases`, `eta-promoter`), as `ps -L` and a debugger show it.
    let name: String
    /// What wakes the loop before its next deadline (an event it waits for); signalled once the pool has stopped.
    let wakeup: Wakeup
    let connection: RedisConnection

    init(name: String, wakeup: Wakeup, configuration: WorkerConfiguration, logger: Logger) {
        self.name = name
        self.wakeup = wakeup
        var redis = configuration.redis
        redis.reconnectTimeout = .seconds(1)
        self.connection = RedisConnection(configuration: redis, logger: logger)
    }
}
