import Broker

extension WorkerScripts {
    /// A message bigger than this has its body cut out before a script decodes its headers (security review M8).
    static let envelopeBodyCutBytes = 65_536

    /// `decode_envelope(raw)`: first in every script's prelude (flow control's release uses it too).
    static let envelopePrelude = """
        -- pcall(cjson.decode, raw) for an envelope, without decoding a big body: in a message over
        -- \(envelopeBodyCutBytes) bytes the "body" string is cut out first (found with plain searches, no
        -- pattern over the body), so its headers and properties decode in microseconds however big it is. A body that
        -- is not one plain string (escapes in it, no body key first) is decoded whole, as before.
        local function decode_envelope(raw)
          if #raw > \(envelopeBodyCutBytes) then
            local key = string.find(raw, '"body"', 1, true)
            local _, open = string.find(raw, '^%s*:%s*"', key and key + 6 or 1)
            local close = key and open and string.find(raw, '"', open + 1, true)
            if close and string.sub(raw, close - 1, close - 1) ~= '\\\\' then
              local ok, env = pcall(cjson.decode, string.sub(raw, 1, open) .. string.sub(raw, close))
              if ok and type(env) == 'table' then return ok, env end
            end
          end
          return pcall(cjson.decode, raw)
        end

        """

    /// Shared Lua helpers: the kombu bucket key of an envelope, result storing, acknowledging, dead-lettering.
    /// `celery_priority` must agree with `TaskMessage.priority` (a test runs both on the same cases).
    static let prelude = FlowScripts.releasePrelude + """
        -- TaskMessage.priority in Lua: Python's int() of the property (5.7 -> 5, "7" -> 7, true -> 1, else 0).
        local function celery_priority(value)
          if type(value) == 'number' then
            if value ~= value then return 0 end
            if value >= 0 then return math.floor(value) else return math.ceil(value) end
          elseif type(value) == 'boolean' then
            if value then return 1 else return 0 end
          elseif type(value) == 'string' then
            local digits = value:match('^%s*([+-]?%d+)%s*$')
            if digits then return tonumber(digits) end
          end
          return 0
        end
        local function bucket_key(env)
          local props = env['properties']
          local queue = 'celery'
          local priority = 0
          if type(props) == 'table' then
            local info = props['delivery_info']
            if type(info) == 'table' and type(info['routing_key']) == 'string' then queue = info['routing_key'] end
            priority = celery_priority(props['priority'])
          end
          if priority < 0 then priority = 0 elseif priority > 9 then priority = 9 end
          local step = 0
          if priority >= 9 then step = 9 elseif priority >= 6 then step = 6 elseif priority >= 3 then step = 3 end
          if step == 0 then return queue end
          return queue .. '\\6\\22' .. step
        end
        -- The list a message is pushed back to. Its routing key comes from outside: one that names a Celerity,
        -- result or kombu key, or a key of another type, would make RPUSH fail with WRONGTYPE half-way through a
        -- script (Redis does not roll back) or write into a key that is not a queue; such a message goes to
        -- `celery` instead (the prefixes are MessageLimits.reservedKeyPrefixes, which decode checks too).
        local reserved_prefixes = {\(MessageLimits.reservedKeyPrefixes.map { "'\($0)'" }.joined(separator: ", "))}
        local checked_lists = {}
        local function safe_list(key)
          if checked_lists[key] ~= nil then return checked_lists[key] end
          local safe = key
          for _, prefix in ipairs(reserved_prefixes) do
            if string.sub(key, 1, #prefix) == prefix then safe = 'celery' end
          end
          if safe == key then
            local kind = redis.call('TYPE', key)['ok']
            if kind ~= 'list' and kind ~= 'none' then safe = 'celery' end
          end
          checked_lists[key] = safe
          return safe
        end
        local function queue_key(env)
          if type(env) == 'table' then return safe_list(bucket_key(env)) end
          return 'celery'
        end
        -- The list for a raw message: its queue_key, or `celery` when it is not readable JSON.
        local function raw_queue_key(raw)
          local ok, env = decode_envelope(raw)
          if ok then return queue_key(env) end
          return 'celery'
        end
        local function store_result(key, doc, ttl)
          if doc == nil or doc == '' then return 0 end
          local current = redis.call('GET', key)
          if current then
            local ok, old = pcall(cjson.decode, current)
            if ok and type(old) == 'table' and old['status'] == 'SUCCESS' then return 0 end
          end
          -- `ttl` is passed on as the text it came as (whole seconds from Swift's String(Int)): a Lua number would be
          -- formatted back to text by Redis on every call.
          local seconds = tonumber(ttl)
          if seconds and seconds > 0 then redis.call('SETEX', key, ttl, doc) else redis.call('SET', key, doc) end
          redis.call('PUBLISH', key, doc)
          return 1
        end
        local function acknowledge(processing, deliveries, message, tag)
          redis.call('LREM', processing, '-1', message)  -- '-1' as text: Redis formats a Lua number per call
          flow_release(message)  -- flow hook: the message's concurrency slot
          if tag ~= '' then redis.call('HDEL', deliveries, tag) end
        end
        -- The dead-letter queue is capped by age, by count and by bytes: `celerity:dlq:bytes` holds the entries'
        -- total size, and `celerity:dlq:reasons` each entry's reason alone (what `celerity status` counts, so it
        -- never reads an envelope). Every removal goes through forget_dead_letter.
        local function forget_dead_letter(entries, id)
          local size = redis.call('HSTRLEN', entries, id)
          if size > 0 then redis.call('DECRBY', 'celerity:dlq:bytes', size) end
          redis.call('HDEL', entries, id)
          redis.call('HDEL', 'celerity:dlq:reasons', id)
        end
        local function dead_letter(index, entries, id, entry, now, max_age, max_count, reason, max_bytes)
          forget_dead_letter(entries, id)
          redis.call('HSET', entries, id, entry)
          redis.call('HSET', 'celerity:dlq:reasons', id, string.sub(reason or '', 1, 200))
          local total = redis.call('INCRBY', 'celerity:dlq:bytes', #entry)
          redis.call('ZADD', index, now, id)
          local old = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. (now - max_age))
          for _, stale in ipairs(old) do forget_dead_letter(entries, stale) end
          if #old > 0 then redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. (now - max_age)) end
          local excess = redis.call('ZCARD', index) - max_count
          if excess > 0 then
            local oldest = redis.call('ZRANGE', index, 0, excess - 1)
            for _, stale in ipairs(oldest) do forget_dead_letter(entries, stale) end
            redis.call('ZREMRANGEBYRANK', index, 0, excess - 1)
          end
          max_bytes = tonumber(max_bytes)
          if max_bytes and total > max_bytes then
            -- Over the cap by the counter: count again (the counter can be stale after the queue's keys were
            -- deleted by hand), then drop the oldest entries until the rest fit.
            total = 0
            for _, kept in ipairs(redis.call('ZRANGE', index, 0, -1)) do total = total + redis.call('HSTRLEN', entries, kept) end
            redis.call('SET', 'celerity:dlq:bytes', total)
            while total > max_bytes and redis.call('ZCARD', index) > 1 do
              local oldest = redis.call('ZRANGE', index, 0, 0)[1]
              forget_dead_letter(entries, oldest)
              redis.call('ZREM', index, oldest)
              total = tonumber(redis.call('GET', 'celerity:dlq:bytes')) or 0
            end
          end
        end

        """
}
