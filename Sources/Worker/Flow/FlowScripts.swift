import Broker
import TaskAPI

/// The Lua behind flow control (docs/flow-control.md): paused queues, per-key concurrency and rate limits, and
/// Celery's per-task `rate_limit`, all enforced inside ``WorkerScripts/take``, so a message that may not run yet
/// is never taken by a process: it is *parked* in Redis and taken when its key has room again.
///
/// Layout, per ready list `L` (a queue or one of its priority buckets):
/// - `L` itself keeps Celery's layout: producers LPUSH, the fetch takes from the right. A queue without limits
///   is fetched exactly as before (the only extra work is one `EXISTS` per fetch on the configuration keys).
/// - A limited message that may not run yet moves to its key's parked list (``WorkerKeys/flowParkedPrefix`` +
///   sha1 of `L` and the key), oldest on the right, and the key joins `L`'s ring (``WorkerKeys/flowRing(_:)``).
///   Later messages of a key with a parked list join it, so each key stays first-in first-out.
/// - Each fetch first serves the ring round-robin, one message per key (the ring rotates as far as it was
///   served), then scans at most ``scanLimit`` messages of `L`: fairness without reading the whole backlog.
///
/// A rule is `(task, key)`: `key` is the `celerity_flow_key` header ('' when the task is only rate-limited).
/// Concurrency slots are counted in ``WorkerKeys/flowRunning`` and remembered by slot id (delivery tag, else
/// task id) in ``WorkerKeys/flowSlots``; `flow_release` gives a slot back wherever a message leaves a processing
/// list (acknowledge, retry, dead-letter, defer, hand back, recovery of a dead process, discard).
/// Rates are a GCRA token bucket: ``WorkerKeys/flowNextPrefix`` + sha1 holds the next admission time (Redis
/// `TIME`), one admission per interval with one interval of catch-up.
enum FlowScripts {
    /// At most this many messages of a ready list are looked at (taken or parked) by one fetch.
    static let scanLimit = 128
    /// At most this many keys are kept in the throttled ranking (the metric shows the top ones).
    static let throttledRankLimit = 1000
    /// The producer header naming a message's flow key.
    static let flowKeyHeader = "celerity_flow_key"

    /// Shared by every script that removes messages from a processing list: `flow_release(message)`.
    static let releasePrelude = WorkerScripts.envelopePrelude + """
        -- Flow control (Sources/Worker/Flow/FlowScripts.swift): the concurrency slot a message holds.
        local function flow_slot_id(env)
          local props, headers = env['properties'], env['headers']
          if type(props) == 'table' and type(props['delivery_tag']) == 'string' then return props['delivery_tag'] end
          if type(headers) == 'table' and type(headers['id']) == 'string' then return headers['id'] end
          return nil
        end
        local function flow_release(message)
          if type(message) ~= 'string' or not string.find(message, '\(flowKeyHeader)', 1, true) then return end
          local ok, env = decode_envelope(message)
          if not ok or type(env) ~= 'table' then return end
          local slot = flow_slot_id(env)
          if not slot then return end
          local field = redis.call('HGET', '\(WorkerKeys.flowSlots)', slot)
          if not field then return end
          redis.call('HDEL', '\(WorkerKeys.flowSlots)', slot)
          if redis.call('HINCRBY', '\(WorkerKeys.flowRunning)', field, -1) <= 0 then
            redis.call('HDEL', '\(WorkerKeys.flowRunning)', field)
          end
        end
        -- Unique jobs (TaskAPI/UniqueJobs.swift): a whileQueuedOrRunning lock is released by the step that
        -- acknowledges, dead-letters or revokes its holder, never by a time-out (a retry keeps it).
        local function unique_release(message)
          if type(message) ~= 'string' or not string.find(message, '\(UniqueJobs.keyHeader)', 1, true) then return end
          local ok, env = decode_envelope(message)
          if not ok or type(env) ~= 'table' or type(env['headers']) ~= 'table' then return end
          local headers = env['headers']
          local key, period = headers['\(UniqueJobs.keyHeader)'], headers['\(UniqueJobs.periodHeader)']
          if type(key) ~= 'string' or (period ~= nil and period ~= cjson.null) then return end
          local lock = '\(UniqueJobs.lockPrefix)' .. redis.sha1hex(string.sub(key, 1, \(UniqueJobs.maxKeyBytes)))
          if redis.call('GET', lock) == headers['id'] then redis.call('DEL', lock) end
        end

        """

    /// Defines, inside ``WorkerScripts/take`` (after `reply`, `describe`, `processing`, `max_batch` and
    /// `check_recoveries`): `flow_on`, `flow_screen_held(held)` and `flow_take(key)`.
    static let takeFunctions = """
        local flow_paused = redis.call('SCARD', '\(WorkerKeys.pausedQueues)') > 0
        local flow_limited = redis.call('EXISTS', '\(WorkerKeys.flowLimits)', '\(WorkerKeys.rateLimits)',
          '\(WorkerKeys.rateLimitDefaults)', '\(WorkerKeys.flowParkedCounts)') > 0
        local flow_on = flow_paused or flow_limited
        local flow_conf = nil
        local function flow_config()
          if flow_conf then return flow_conf end
          flow_conf = {limits = {}, rates = {}}
          local function load(key, into)
            local pairs_ = redis.call('HGETALL', key)
            for i = 1, #pairs_, 2 do into[pairs_[i]] = pairs_[i + 1] end
          end
          load('\(WorkerKeys.rateLimitDefaults)', flow_conf.rates)
          load('\(WorkerKeys.rateLimits)', flow_conf.rates)  -- the run-time override wins
          load('\(WorkerKeys.flowLimits)', flow_conf.limits)
          return flow_conf
        end
        -- Seconds between admissions for a Celery rate string ('100/m', '10/s', '1000/h', '20/10s', '5');
        -- nil = unlimited ('0', '', malformed: the Swift side validates what it writes).
        local function flow_interval(rate)
          if type(rate) ~= 'string' then return nil end
          local count, span, unit = string.match(rate, '^%s*(%d+%.?%d*)%s*/?%s*(%d*)%s*([smh]?)%s*$')
          count = tonumber(count)
          if not count or count <= 0 then return nil end
          local per = 1
          if unit == 'm' then per = 60 elseif unit == 'h' then per = 3600 end
          return per * (tonumber(span) or 1) / count
        end
        local flow_clock = nil
        local function flow_now()
          if not flow_clock then
            local t = redis.call('TIME')
            flow_clock = tonumber(t[1]) + tonumber(t[2]) / 1000000
          end
          return flow_clock
        end
        -- The rule limiting a message, or nil when nothing limits it.
        local function flow_rule(message)
          local conf = flow_config()
          local keyed = string.find(message, '\(flowKeyHeader)', 1, true) ~= nil
          local task = string.match(message, '"task":%s*"([^"]*)"')
          if not keyed and task and not string.find(task, '\\\\', 1, true) and conf.rates[task] == nil then return nil end
          local ok, env = decode_envelope(message)
          if not ok or type(env) ~= 'table' or type(env['headers']) ~= 'table' then return nil end
          local headers = env['headers']
          task = headers['task']
          if type(task) ~= 'string' then return nil end
          local key = headers['\(flowKeyHeader)']
          if type(key) == 'number' then key = tostring(key) end
          if type(key) ~= 'string' then key = '' end
          key = string.sub(key, 1, 200)
          local task_interval = flow_interval(conf.rates[task])
          local concurrency, key_interval = nil, nil
          if key ~= '' and type(conf.limits[task]) == 'string' then
            local c, r = string.match(conf.limits[task], '^(%d*) ?(.*)$')
            concurrency = tonumber(c)
            if concurrency and concurrency <= 0 then concurrency = nil end
            key_interval = flow_interval(r)
          end
          if not concurrency and not key_interval then key = '' end
          if not task_interval and key == '' then return nil end
          local field = task .. '\\t' .. key
          return {task = task, field = field, slot = flow_slot_id(env), concurrency = concurrency,
            task_interval = task_interval, key_interval = key_interval}
        end
        local function flow_bucket_open(bucket)
          return (tonumber(redis.call('GET', bucket)) or 0) <= flow_now()
        end
        local function flow_bucket_spend(bucket, interval)
          local now = flow_now()
          local next_ = math.max(tonumber(redis.call('GET', bucket)) or 0, now - interval) + interval
          redis.call('SET', bucket, string.format('%.6f', next_), 'PX', math.ceil((next_ - now + 1) * 1000))
        end
        -- Whether a message under `rule` may run now; when it may, its slot and tokens are taken.
        local function flow_admit(rule)
          if rule.concurrency then
            if rule.slot and redis.call('HEXISTS', '\(WorkerKeys.flowSlots)', rule.slot) == 1 then return true end
            if (tonumber(redis.call('HGET', '\(WorkerKeys.flowRunning)', rule.field)) or 0) >= rule.concurrency then
              return false
            end
          end
          local task_bucket, key_bucket = nil, nil
          if rule.task_interval then
            task_bucket = '\(WorkerKeys.flowNextPrefix)' .. redis.sha1hex(rule.task .. '\\t')
            if not flow_bucket_open(task_bucket) then return false end
          end
          if rule.key_interval then
            key_bucket = '\(WorkerKeys.flowNextPrefix)' .. redis.sha1hex(rule.field)
            if not flow_bucket_open(key_bucket) then return false end
          end
          if task_bucket then flow_bucket_spend(task_bucket, rule.task_interval) end
          if key_bucket then flow_bucket_spend(key_bucket, rule.key_interval) end
          if rule.concurrency and rule.slot then
            redis.call('HSET', '\(WorkerKeys.flowSlots)', rule.slot, rule.field)
            redis.call('HINCRBY', '\(WorkerKeys.flowRunning)', rule.field, 1)
          end
          return true
        end
        local function flow_queue_paused(list)
          if not flow_paused then return false end
          local queue = string.match(list, '^(.-)\\6\\22%d$') or list
          return redis.call('SISMEMBER', '\(WorkerKeys.pausedQueues)', queue) == 1
        end
        -- Parks `message` (already removed from where it was) behind its key's older parked messages.
        local function flow_park(list, rule, message, from, side)
          local id = redis.sha1hex(list .. '\\n' .. rule.field)
          local parked = '\(WorkerKeys.flowParkedPrefix)' .. id
          if from then redis.call('LMOVE', from, parked, side, 'LEFT') else redis.call('LPUSH', parked, message) end
          if redis.call('LLEN', parked) == 1 then redis.call('LPUSH', '\(WorkerKeys.flowRing(""))' .. list, id) end
          redis.call('HINCRBY', '\(WorkerKeys.flowParkedCounts)', list, 1)
          redis.call('ZINCRBY', '\(WorkerKeys.flowThrottled)', 1, rule.field)
          local ranked = redis.call('ZCARD', '\(WorkerKeys.flowThrottled)')
          if ranked > \(throttledRankLimit) then
            redis.call('ZREMRANGEBYRANK', '\(WorkerKeys.flowThrottled)', 0, ranked - \(throttledRankLimit) - 1)
          end
        end
        local function flow_unparked(list)
          if redis.call('HINCRBY', '\(WorkerKeys.flowParkedCounts)', list, -1) <= 0 then
            redis.call('HDEL', '\(WorkerKeys.flowParkedCounts)', list)
          end
        end
        -- Held messages just moved by the idle fetch's BLMOVE (or held after a lost reply) pass the same gate as
        -- a take: a paused queue's message goes back to the head of its list, a limited one that may not run is
        -- parked. Returns the held messages that stay.
        local function flow_screen_held(held)
          local kept = {}
          for i = 1, #held do
            local message = held[i]
            local list = raw_queue_key(message)
            local rule = nil
            if not flow_queue_paused(list) and flow_limited then rule = flow_rule(message) end
            if flow_queue_paused(list) then
              redis.call('LREM', processing, 1, message)
              flow_release(message)
              redis.call('RPUSH', list, message)
              redis.call('DECR', 'celerity:popped:' .. list)
            elseif rule and not flow_admit(rule) then
              redis.call('LREM', processing, 1, message)
              flow_park(list, rule, message, nil, nil)
            else
              kept[#kept + 1] = message
            end
          end
          return kept
        end
        -- Takes from ready list `key` under flow control: nil when nothing limits it (the plain fetch runs),
        -- else how many messages it appended to `reply` (0 for a paused queue or when every key is saturated).
        local function flow_take(key)
          if flow_queue_paused(key) then return 0 end
          if not flow_limited then return nil end
          local parked = tonumber(redis.call('HGET', '\(WorkerKeys.flowParkedCounts)', key)) or 0
          local length = redis.call('LLEN', key)
          if length == 0 and parked == 0 then return 0 end
          local want = math.min(max_batch, math.max(1, math.floor((length + parked) / 2)))
          if check_recoveries then want = 1 end
          local taken = {}
          if parked > 0 then
            local ring = '\(WorkerKeys.flowRing(""))' .. key
            for _ = 1, redis.call('LLEN', ring) do
              if #taken >= want then break end
              local id = redis.call('LMOVE', ring, ring, 'RIGHT', 'LEFT')
              local list = '\(WorkerKeys.flowParkedPrefix)' .. id
              local head = redis.call('LINDEX', list, -1)
              if not head then
                redis.call('LREM', ring, 0, id)
              else
                local rule = flow_rule(head)
                if rule == nil or flow_admit(rule) then
                  redis.call('LMOVE', list, processing, 'RIGHT', 'LEFT')
                  taken[#taken + 1] = head
                  flow_unparked(key)
                  if redis.call('LLEN', list) == 0 then redis.call('LREM', ring, 0, id) end
                end
              end
            end
          end
          local scanned = 0
          while #taken < want and scanned < \(scanLimit) do
            local head = redis.call('LINDEX', key, -1)
            if not head then break end
            scanned = scanned + 1
            local rule = flow_rule(head)
            local waiting = rule and redis.call('EXISTS',
              '\(WorkerKeys.flowParkedPrefix)' .. redis.sha1hex(key .. '\\n' .. rule.field)) == 1
            if rule == nil or (not waiting and flow_admit(rule)) then
              redis.call('LMOVE', key, processing, 'RIGHT', 'LEFT')
              taken[#taken + 1] = head
            else
              flow_park(key, rule, head, key, 'RIGHT')
            end
          end
          if scanned > 0 then redis.call('INCRBY', 'celerity:popped:' .. key, scanned) end
          for _, message in ipairs(taken) do
            local is_revoked, count = describe(message)
            reply[#reply + 1] = message; reply[#reply + 1] = is_revoked; reply[#reply + 1] = count
          end
          return #taken
        end

        """
}
