import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Operations

/// What the dead-letter queue does through the delivery scripts (``WorkerScripts``), whose Lua shares the
/// prelude that finds an envelope's queue and forgets an entry: requeueing entries. (A worker process dead-letters
/// through its broker, ``RedisWorkerBroker/deadLetter(_:message:deliveryTag:result:)``.)
extension DeadLetterQueue {
    /// Entries requeued per script call: about 1 ms of Redis time for 1 KB envelopes, so requeueing 100,000
    /// never blocks Redis for long (bench/scale: the dead-letter curve).
    package static let requeueStep = 100

    /// Puts entries back on their queues (LPUSH: they wait their turn) and removes them from the DLQ,
    /// ``requeueStep`` per script call.
    /// - Returns: how many were requeued.
    @discardableResult
    public func requeue(ids: [String], on connection: RedisConnection) throws -> Int {
        var total = 0
        for start in stride(from: 0, to: ids.count, by: Self.requeueStep) {
            let reply = try connection.evaluate(
                WorkerScripts.requeueDeadLetters, keys: [WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries],
                arguments: Array(ids[start..<min(ids.count, start + Self.requeueStep)])
            )
            total += reply.integer ?? 0
        }
        return total
    }

    /// Requeues every entry, oldest first.
    @discardableResult
    public func requeueAll(on connection: RedisConnection) throws -> Int {
        var total = 0
        while true {
            let last = String(Self.requeueStep - 1)
            let ids = (try connection.send(["ZRANGE", WorkerKeys.deadLetterIndex, "0", last]).array ?? []).compactMap(\.string)
            if ids.isEmpty { return total }
            total += try requeue(ids: ids, on: connection)
        }
    }
}
