import Broker

/// The Lua scripts behind reliable delivery. Each one is a single atomic step, so a process killed
/// at any instant leaves every message in exactly one place: a ready list, a processing list, the
/// ETA set, or the dead-letter queue. The delivery steps' scripts sit beside their ``WorkerBroker`` methods
/// (`Delivery/RedisWorkerBroker*.swift`); the shared Lua helpers are the ``prelude``.
enum WorkerScripts {
    /// Puts dead-lettered messages back on their queues (at the back: they wait their turn). Every id named
    /// leaves the index, also one whose entry is gone, so `requeue --all` always ends.
    /// KEYS: dlq index, dlq entries. ARGV: entry ids… Returns how many were requeued.
    static let requeueDeadLetters = RedisScript(
        name: "requeue-dead-letters",
        source: prelude + """
            local requeued = 0
            for i = 1, #ARGV do
              local entry = redis.call('HGET', KEYS[2], ARGV[i])
              if entry then
                local ok, doc = pcall(cjson.decode, entry)
                if ok and type(doc) == 'table' and type(doc['envelope']) == 'string' then
                  local key = raw_queue_key(doc['envelope'])
                  redis.call('LPUSH', key, doc['envelope'])
                  requeued = requeued + 1
                end
                forget_dead_letter(KEYS[2], ARGV[i])
              end
              redis.call('ZREM', KEYS[1], ARGV[i])
            end
            return requeued
            """
    )
}
