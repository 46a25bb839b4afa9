import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Moves due ETA messages from `celerity:eta` to the front of their queues, as a service of its own with its own
/// Redis connection: at the due time of every ETA this node's processes parked (they report it: ``EtaDueTimes``;
/// ETAs due within ``spacing`` of each other share a call), and every `--eta-poll-interval` (default 1 s) as a
/// safety net for ETAs parked by a node that has died since, which are so promoted at most one interval after they
/// are due. An idle node makes one script call per interval. Runs until the pool has stopped, as the lease keeper.
struct EtaPromoter: NodeThreadService {
    let configuration: WorkerConfiguration
    let shared: NodeShared
    let logger: Logger
    /// Its connection and thread (`eta-promoter`).
    let thread: NodeThread

    /// Due ETA messages moved per promote call: about 1 ms of Redis time for 1 KB messages on a 2-core VM, so a
    /// burst of 100,000 due in one second never blocks Redis for long (bench/scale: the ETA burst curve).
    static let promoteBatch = 100
    /// The pause after a failed promote call (Redis away) before the next try.
    static let retryPause = Duration.seconds(1)
    /// The least time between two promote calls for the node's own due times: ETAs due close together (a burst,
    /// many retries) share a call, so a node makes at most 100 a second, each ETA promoted at most this late.
    static let spacing = Duration.milliseconds(10)

    /// Promotes until the pool has stopped (``NodeShared/poolStopped``).
    /// - Returns: a fatal ``RedisError`` (a configuration Redis refuses), after asking the node for a cold shutdown.
    ///   Other failures are logged and retried after ``retryPause``.
    func loop(until shutdown: Shutdown) -> RedisError? {
        let broker = RedisWorkerBroker(connection: thread.connection, processID: "supervisor", configuration: configuration)
        var nextPoll = ContinuousClock.now  // a first look at start
        var lastCall = ContinuousClock.now - Self.spacing
        while !shared.poolStopped.isRequested {
            let now = ContinuousClock.now
            let wallNow = Date().timeIntervalSince1970
            let ownDue = shared.dueTimes.earliest
            if now >= nextPoll || (ownDue.map({ $0 <= wallNow }) == true && now >= lastCall + Self.spacing) {
                lastCall = now
                do {
                    while try broker.promoteDue(now: Date(timeIntervalSince1970: wallNow), limit: Self.promoteBatch) >= Self.promoteBatch {}
                    shared.dueTimes.forget(upTo: wallNow)
                    nextPoll = now + configuration.scheduledPollInterval
                } catch let error as RedisError where error.isFatal {
                    shutdown.request(.cold)
                    return error
                } catch {
                    logger.warning("cannot promote due ETA messages; will retry", metadata: ["error": "\(error)"])
                    thread.wakeup.wait(until: now + Self.retryPause)
                    continue
                }
            }
            var wake = nextPoll
            if let due = shared.dueTimes.earliest {
                // Rounded up to the next millisecond by the wait, so the call never comes before the due time.
                let dueIn = Duration(checkedSeconds: max(0, due - wallNow)) ?? configuration.scheduledPollInterval
                wake = min(wake, max(now + dueIn, lastCall + Self.spacing))
            }
            thread.wakeup.wait(until: wake)
        }
        return nil
    }
}
