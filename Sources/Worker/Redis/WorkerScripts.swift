import Broker

/// The Lua scripts behind reliable delivery. Each one is a single atomic step, so a process killed
/// at any instant leaves every message in exactly one place: a ready list, a processing list, the
/// ETA set, or the dead-letter queue.
enum WorkerScripts {
    /// Stores the results of finished tasks and acknowledges them, then reports what the processing list holds,
    /// taking a batch into it first when it is empty: one step, so a busy worker process needs one round trip
    /// per batch. A message leaves the processing list only once its result is stored.
    ///
    /// - Held messages come first: they were taken by an earlier call (this process's batch not yet started,
    ///   or a call whose reply was lost when the connection broke), and nothing else would run or recover
    ///   them while this process is alive and its lease is renewed. Their revocation is checked again.
    /// - Otherwise, when `max batch` > 0, messages move from the first non-empty ready list (consumption
    ///   order, so a batch never mixes priorities): half of that list's length, at least 1 and at most
    ///   `max batch` — one message while the queue is shallow, a batch when there is a backlog. A message
    ///   already recovered from a dead process is taken alone, so a poison message's crash counts a
    ///   delivery against no one else.
    ///
    /// Idempotent: run again after a lost reply, it stores nothing new and returns the messages the lost reply held.
    /// KEYS: processing, revoked, deliveries, ready lists… (`ARGV[3]` of them), one result key per completion.
    /// ARGV: now, max batch, ready list count, then per completion: message, delivery tag, result document ('' for none), ttl.
    /// Returns `{list index (1-based; 0 = held or none), then per message: message, revoked (0/1), recoveries}`,
    /// messages in the order they are to run, and after messages taken from a ready list the pop number of the
    /// first (``QueueArrivals``: the `celerity:popped:<list>` counter counts them).
    static let take = RedisScript(
        name: "take",
        source: prelude + """
            local processing, revoked, deliveries = KEYS[1], KEYS[2], KEYS[3]
            local now, max_batch, lists = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            local done = (#ARGV - 3) / 4
            local check_recoveries = redis.call('HLEN', deliveries) > 0
            for c = 0, done - 1 do
              store_result(KEYS[4 + lists + c], ARGV[6 + 4 * c], ARGV[7 + 4 * c])
            end
            for c = 0, done - 1 do
              redis.call('LREM', processing, -1, ARGV[4 + 4 * c])
              flow_release(ARGV[4 + 4 * c])  -- flow hook: the message's concurrency slot
              unique_release(ARGV[4 + 4 * c])  -- unique hook: finished, so its lock goes
              if check_recoveries and ARGV[5 + 4 * c] ~= '' then redis.call('HDEL', deliveries, ARGV[5 + 4 * c]) end
            end
            local check_revoked = redis.call('EXISTS', revoked) == 1
            if check_recoveries then check_recoveries = redis.call('HLEN', deliveries) > 0 end
            -- {revoked (0/1), recoveries}: each looked up only when some message has one.
            local function describe(message)
              if not check_revoked and not check_recoveries then return 0, 0 end
              local ok, env = pcall(cjson.decode, message)
              if not ok or type(env) ~= 'table' then return 0, 0 end
              local is_revoked, count = 0, 0
              if check_revoked and type(env['headers']) == 'table' and type(env['headers']['id']) == 'string' then
                local until_ = redis.call('ZSCORE', revoked, env['headers']['id'])
                if until_ and tonumber(until_) > now then is_revoked = 1 end
              end
              if check_recoveries and type(env['properties']) == 'table' and type(env['properties']['delivery_tag']) == 'string' then
                count = tonumber(redis.call('HGET', deliveries, env['properties']['delivery_tag'])) or 0
              end
              return is_revoked, count
            end
            local reply = {0}
            \(FlowScripts.takeFunctions)
            local held = redis.call('LRANGE', processing, 0, -1)
            if flow_on and max_batch > 0 and #held > 0 then held = flow_screen_held(held) end  -- flow hook
            if #held > 0 or max_batch <= 0 then
              for i = #held, 1, -1 do
                local is_revoked, count = describe(held[i])
                reply[#reply + 1] = held[i]; reply[#reply + 1] = is_revoked; reply[#reply + 1] = count
              end
              return reply
            end
            -- QueueArrivals: count the messages taken from `key`; a trailing element is the first one's pop number.
            local function counted(key)
              local n = (#reply - 1) / 3
              if n > 0 then reply[#reply + 1] = redis.call('INCRBY', 'celerity:popped:' .. key, n) - n + 1 end
              return reply
            end
            for i = 1, lists do
              local key = KEYS[3 + i]
              local length = redis.call('LLEN', key)
              -- flow hook: paused queues and limited messages (FlowScripts); nil = the plain fetch below.
              local flowed = nil
              if flow_on then flowed = flow_take(key) end
              if flowed ~= nil and flowed > 0 then
                reply[1] = i
                return reply
              end
              if flowed == nil and length > 0 then
                reply[1] = i
                local count = math.min(max_batch, math.max(1, math.floor(length / 2)))
                if count > 1 and not check_recoveries then
                  -- The head of the queue is its right end: move the `count` rightmost in one LPUSH, oldest first.
                  local items = redis.call('LRANGE', key, -count, -1)
                  redis.call('LTRIM', key, 0, -count - 1)
                  local order = {}
                  for j = #items, 1, -1 do order[#order + 1] = items[j] end
                  redis.call('LPUSH', processing, unpack(order))
                  for _, message in ipairs(order) do
                    local is_revoked = describe(message)
                    reply[#reply + 1] = message; reply[#reply + 1] = is_revoked; reply[#reply + 1] = 0
                  end
                  return counted(key)
                end
                for _ = 1, count do
                  local message = redis.call('LMOVE', key, processing, 'RIGHT', 'LEFT')
                  local is_revoked, count = describe(message)
                  if count > 0 and #reply > 1 then
                    redis.call('LMOVE', processing, key, 'LEFT', 'RIGHT')
                    break
                  end
                  reply[#reply + 1] = message; reply[#reply + 1] = is_revoked; reply[#reply + 1] = count
                  if count > 0 then break end
                end
                return counted(key)
              end
            end
            return reply
            """
    )

    /// Hands back the part of a batch that has not started, so it is not delayed behind a long task: stores the
    /// results of finished tasks and acknowledges them, then moves each not-started message that is still in the
    /// processing list back to the head of its queue, in order (the next to run is taken first again).
    /// Each message goes back to the ready list it was taken from when the caller knows it, else to its bucket.
    /// KEYS: processing, deliveries, one result key per completion.
    /// ARGV: completion count, per completion: message, delivery tag, result document ('' for none), ttl;
    /// then per message to hand back, next to run first: the message and the list it was taken from ('' unknown).
    /// Returns how many went back.
    static let handBack = RedisScript(
        name: "hand-back",
        source: prelude + """
            local completions = tonumber(ARGV[1])
            for c = 0, completions - 1 do
              local at = 2 + 4 * c
              store_result(KEYS[3 + c], ARGV[at + 2], ARGV[at + 3])
              acknowledge(KEYS[1], KEYS[2], ARGV[at], ARGV[at + 1])
              unique_release(ARGV[at])  -- unique hook: finished, so its lock goes
            end
            local returned = 0
            for i = #ARGV - 1, 2 + 4 * completions, -2 do
              if redis.call('LREM', KEYS[1], -1, ARGV[i]) > 0 then
                flow_release(ARGV[i])  -- flow hook: the message's concurrency slot
                local key
                if ARGV[i + 1] ~= '' then key = safe_list(ARGV[i + 1]) else key = raw_queue_key(ARGV[i]) end
                redis.call('RPUSH', key, ARGV[i])
                redis.call('DECR', 'celerity:popped:' .. key)  -- QueueArrivals: not taken after all
                returned = returned + 1
              end
            end
            return returned
            """
    )

    /// Sends follow-up messages (chain steps, `link` / `link_error` callbacks) and counts them as sent, in one
    /// step: either all are stored or, on an error reply (OOM under `noeviction`, READONLY), none is, so the
    /// caller retries the whole step and only then acknowledges the parent. A target list that is not a queue
    /// (``safe_list``) is replaced by `celery`, where the message is dead-lettered with its reason at decode.
    /// KEYS: one list per message, then the sent-counter hash. ARGV: the messages, then the counter fields and increments.
    /// Returns how many messages were pushed.
    static let push = RedisScript(
        name: "push-follow-ups",
        source: prelude + """
            local count = #KEYS - 1
            local lists = {}
            for i = 1, count do lists[i] = safe_list(KEYS[i]) end
            for i = 1, count do redis.call('LPUSH', lists[i], ARGV[i]) end
            for at = count + 1, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[#KEYS], ARGV[at], tonumber(ARGV[at + 1])) end
            return count
            """
    )

    /// Sends a running task's step (``TaskSender``): runs its commands (chord preparation, LPUSHes) unless
    /// the step's marker says an earlier run of the task sent it already.
    /// KEYS: the step's marker (none: always send). ARGV: marker lifetime (s), command count, then each
    /// command as its argument count followed by its arguments. Returns 1 when sent, 0 when skipped.
    static let sendStep = RedisScript(
        name: "send-step",
        source: """
            if #KEYS > 0 and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            local at = 3
            for _ = 1, tonumber(ARGV[2]) do
              local count = tonumber(ARGV[at])
              redis.call(unpack(ARGV, at + 1, at + count))
              at = at + count + 1
            end
            -- Marked sent only after its commands ran: an error half-way leaves it unmarked, so a retry resends
            -- (a duplicate, never a loss).
            if #KEYS > 0 then redis.call('SET', KEYS[1], '1', 'EX', ARGV[1]) end
            return 1
            """
    )

    /// Moves a message whose ETA is in the future from the processing list to the ETA set.
    /// KEYS: processing, scheduled. ARGV: message, due time.
    static let defer_ = RedisScript(
        name: "defer",
        source: FlowScripts.releasePrelude + """
            redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
            if redis.call('LREM', KEYS[1], -1, ARGV[1]) > 0 then flow_release(ARGV[1]) end  -- flow hook
            return 1
            """
    )

    /// Retries: schedules the new message, stores the RETRY state and acknowledges the old message.
    /// A process that no longer holds the old message (its lease expired while it was paused or cut off, and the
    /// message was recovered), or whose task has succeeded elsewhere meanwhile, schedules nothing: the recovered
    /// copy is the one that runs, so a late retry never adds a run of completed work. Returns 1, or 0 for that case.
    /// The new message counts as sent (`celery_task_sent_total`, as Celery's retry sends one) when KEYS[5] is given.
    /// KEYS: processing, deliveries, scheduled, result key[, sent counter hash].
    /// ARGV: old message, old tag, new message, due, RETRY document, ttl[, sent counter field].
    static let retry = RedisScript(
        name: "retry",
        source: prelude + """
            local succeeded = false
            local stored = redis.call('GET', KEYS[4])
            if stored then
              local ok, old = pcall(cjson.decode, stored)
              succeeded = ok and type(old) == 'table' and old['status'] == 'SUCCESS'
            end
            if not redis.call('LPOS', KEYS[1], ARGV[1]) or succeeded then
              acknowledge(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
              return 0
            end
            redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
            if KEYS[5] then redis.call('HINCRBY', KEYS[5], ARGV[7], 1) end
            store_result(KEYS[4], ARGV[5], ARGV[6])
            acknowledge(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
            return 1
            """
    )

    /// Dead-letters a message from the processing list, optionally storing a result for it.
    /// KEYS: processing, deliveries, dlq index, dlq entries, result key.
    /// ARGV: message, delivery tag, entry id, entry JSON, now, max age (s), max count, result document ('' for none), ttl,
    /// reason, max bytes.
    static let deadLetter = RedisScript(
        name: "dead-letter",
        source: prelude + """
            dead_letter(KEYS[3], KEYS[4], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[10], ARGV[11])
            store_result(KEYS[5], ARGV[8], ARGV[9])
            acknowledge(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
            unique_release(ARGV[1])  -- unique hook: dead-lettered, so its lock goes
            return 1
            """
    )

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
              local ok, env = pcall(cjson.decode, raw)
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

    /// Drops the message of a process the supervisor killed on purpose (hard time limit, revoke
    /// --terminate), storing the result that says why, and forgets the process. Any other message the process
    /// held (the rest of a batch) goes back to the head of its queue, in order.
    /// KEYS: processing, processes, lease, result key. ARGV: process id, result document, ttl, the killed task's id.
    static let discard = RedisScript(
        name: "discard",
        source: prelude + """
            store_result(KEYS[4], ARGV[2], ARGV[3])
            for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
              flow_release(raw)  -- flow hook: the killed process's concurrency slots come back
              local ok, env = pcall(cjson.decode, raw)
              local killed = ok and type(env) == 'table' and type(env['headers']) == 'table' and env['headers']['id'] == ARGV[4]
              if killed then unique_release(raw) end  -- unique hook: killed on purpose (revoke --terminate, hard limit)
              if not killed then
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
