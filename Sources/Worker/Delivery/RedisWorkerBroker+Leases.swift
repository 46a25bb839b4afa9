import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The node's steps on other processes' messages: recover a dead process's, discard a killed one's, promote due ETAs.
extension RedisWorkerBroker {
    func recover(processID: String, countAsDelivery: Bool, maxDeliveries: Int) throws -> Recovered {
        let reply = try connection.evaluate(
            WorkerScripts.recover,
            keys: [
                WorkerKeys.processing(processID), WorkerKeys.deliveries, WorkerKeys.processes, WorkerKeys.deadLetterIndex,
                WorkerKeys.deadLetterEntries, WorkerKeys.lease(processID),
            ],
            arguments: [
                processID, countAsDelivery ? "1" : "0", String(maxDeliveries), String(Date().timeIntervalSince1970),
                DeadLetterQueue.newEntryID() + "-", String(Int(deadLetters.maxAge.seconds)), String(deadLetters.maxEntries),
                String(deadLetters.maxBytes),
            ]
        )
        let counts = reply.array?.compactMap(\.integer) ?? []
        return Recovered(requeued: counts.first ?? 0, deadLettered: counts.count > 1 ? counts[1] : 0)
    }

    func discard(processID: String, result: TaskResult, deadLetter: KilledTaskDeadLetter?) throws {
        let invocation = results.storeInvocation(result)
        try connection.evaluate(
            WorkerScripts.discard,
            keys: [
                WorkerKeys.processing(processID), WorkerKeys.processes, WorkerKeys.lease(processID), invocation.keys[0],
                WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries,
            ],
            arguments: [processID] + invocation.arguments + [
                result.taskID, deadLetter?.reason ?? "", deadLetter?.error ?? "", DeadLetterQueue.newEntryID(),
                String(Date().timeIntervalSince1970), String(Int(deadLetters.maxAge.seconds)), String(deadLetters.maxEntries),
                String(deadLetters.maxBytes),
            ]
        )
    }

    func promoteDue(now: Date, limit: Int) throws -> Int {
        try connection.evaluate(
            WorkerScripts.promote, keys: [WorkerKeys.scheduled], arguments: [String(now.timeIntervalSince1970), String(limit)]
        ).integer ?? 0
    }
}

extension WorkerScripts {
    /// Returns every message of a process's processing list to the front of its queue (RPUSH, so it is
    /// taken next, as kombu's restore does), or to the dead-letter queue when it has now been delivered
    /// to `max deliveries` processes that all died; then forgets the process.
    /// KEYS: processing, deliveries, processes, dlq index, dlq entries, lease.
    /// ARGV: process id, count as a delivery (1/0), max deliveries, now, entry id prefix, max age, max count, max bytes.
    /// Returns `{requeued, dead-lettered}`.
    static let recover = RedisScript(
        name: "recover",
        source: prelude + """
            local messages = redis.call('LRANGE', KEYS[1], 0, -1)
            local counting = ARGV[2] == '1'
            local max_deliveries = tonumber(ARGV[3])
            local now = tonumber(ARGV[4])
            local requeued, dead = 0, 0
            for i = #messages, 1, -1 do
              local raw = messages[i]
              flow_release(raw)  -- flow hook: a dead process's concurrency slots come back
              local ok, env = decode_envelope(raw)
              local tag = nil
              if ok and type(env) == 'table' and type(env['properties']) == 'table' then tag = env['properties']['delivery_tag'] end
              local count = 0
              if counting and type(tag) == 'string' then count = redis.call('HINCRBY', KEYS[2], tag, 1) end
              local reason = nil
              if not ok or type(env) ~= 'table' then
                reason = 'unreadable message recovered from a dead worker process'
              elseif counting and count >= max_deliveries then
                reason = 'poison message: delivered ' .. count .. ' times and every worker process running it died'
              end
              if reason then
                local task_id, task_name, queue = '', '', ''
                if ok and type(env) == 'table' and type(env['headers']) == 'table' then
                  task_id = tostring(env['headers']['id'] or '')
                  task_name = tostring(env['headers']['task'] or '')
                  queue = bucket_key(env)
                end
                local entry = cjson.encode({id = ARGV[5] .. i, reason = reason, error = cjson.null, time = now,
                  worker = ARGV[1], queue = queue, task = task_name, task_id = task_id, deliveries = count, envelope = raw})
                dead_letter(KEYS[4], KEYS[5], ARGV[5] .. i, entry, now, tonumber(ARGV[6]), tonumber(ARGV[7]), reason, ARGV[8])
                unique_release(raw)  -- unique hook: dead-lettered, so its lock goes
                if type(tag) == 'string' then redis.call('HDEL', KEYS[2], tag) end
                dead = dead + 1
              else
                local key = queue_key(env)
                redis.call('RPUSH', key, raw)
                redis.call('DECR', 'celerity:popped:' .. key)  -- QueueArrivals: not taken after all
                requeued = requeued + 1
              end
            end
            redis.call('DEL', KEYS[1])
            redis.call('DEL', KEYS[6])
            redis.call('SREM', KEYS[3], ARGV[1])
            return {requeued, dead}
            """
    )

    /// Drops the message of a process the supervisor killed on purpose (hard time limit, revoke --terminate),
    /// storing the result that says why — or dead-letters it with a reason (`--task-memory-limit`: `memory`,
    /// never retried blindly) — and forgets the process. Any other message the process held (the rest of a batch)
    /// goes back to the head of its queue, in order.
    /// KEYS: processing, processes, lease, result key, dlq index, dlq entries.
    /// ARGV: process id, result document, ttl, the killed task's id, dead-letter reason ('' = drop), its error,
    /// entry id, now, max age, max count, max bytes.
    static let discard = RedisScript(
        name: "discard",
        source: prelude + """
            store_result(KEYS[4], ARGV[2], ARGV[3])
            for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
              flow_release(raw)  -- flow hook: the killed process's concurrency slots come back
              local ok, env = decode_envelope(raw)
              local killed = ok and type(env) == 'table' and type(env['headers']) == 'table' and env['headers']['id'] == ARGV[4]
              if killed then
                unique_release(raw)  -- unique hook: killed on purpose (revoke --terminate, hard limit, memory)
                if ARGV[5] ~= '' then
                  local now = tonumber(ARGV[8])
                  local entry = cjson.encode({id = ARGV[7], reason = ARGV[5], error = ARGV[6], time = now, worker = ARGV[1],
                    queue = bucket_key(env), task = tostring(env['headers']['task'] or ''), task_id = ARGV[4],
                    deliveries = 0, envelope = raw})
                  dead_letter(KEYS[5], KEYS[6], ARGV[7], entry, now, tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[5], ARGV[11])
                end
              else
                local key = 'celery'
                if ok then key = queue_key(env) end
                redis.call('RPUSH', key, raw)
              end
            end
            redis.call('DEL', KEYS[1])
            redis.call('DEL', KEYS[3])
            redis.call('SREM', KEYS[2], ARGV[1])
            return 1
            """
    )

    /// Moves up to `limit` due messages from the ETA set to the front of their ready lists, in one bounded step:
    /// the due messages are the set's lowest ranks, removed with one `ZREMRANGEBYRANK` (a `ZREM` per message
    /// compared whole messages along the skip list, since a burst shares one score), and pushed with one
    /// `RPUSH` per list, in the order single pushes would leave them.
    /// KEYS: scheduled. ARGV: now, limit. Returns how many moved.
    static let promote = RedisScript(
        name: "promote-due",
        source: prelude + """
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
            if #due == 0 then return 0 end
            redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #due - 1)
            local lists, order = {}, {}
            for _, raw in ipairs(due) do
              local key = raw_queue_key(raw)
              if not lists[key] then
                lists[key] = {}
                order[#order + 1] = key
              end
              table.insert(lists[key], raw)
            end
            for _, key in ipairs(order) do redis.call('RPUSH', key, unpack(lists[key])) end
            return #due
            """
    )
}
