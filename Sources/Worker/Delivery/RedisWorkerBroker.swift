import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// ``WorkerBroker`` on Redis: each step is one Lua script, kept beside its method in this file and its
/// `RedisWorkerBroker+…` siblings, called by cached SHA (`EVALSHA`, loading it on `NOSCRIPT`), also inside the
/// idle take's pipeline. Arguments are laid out here, next to the script that reads them, from typed values.
final class RedisWorkerBroker: WorkerBroker {
    let connection: RedisConnection
    /// The processing list of the process this broker takes for.
    let processing: String
    let processID: String
    let results: ResultBackend
    let deadLetters: DeadLetterQueue
    /// The node name sends are counted under (``SentCounter``).
    let sender: String
    /// Where task events go; `nil` when they are off.
    let events: CeleryEvents?
    /// Script hashes for pipelined `EVALSHA`s (``RedisConnection/evaluate(_:keys:arguments:)`` keeps its own).
    private let hashes = Mutex<[String: String]>([:])

    /// A broker taking for `processID` (the supervisor's, which only recovers, discards and promotes, may pass any id).
    init(
        connection: RedisConnection, processID: String, results: ResultBackend, deadLetters: DeadLetterQueue, sender: String,
        events: CeleryEvents? = nil
    ) {
        self.connection = connection
        self.processID = processID
        self.processing = WorkerKeys.processing(processID)
        self.results = results
        self.deadLetters = deadLetters
        self.sender = sender
        self.events = events
    }

    /// The broker of worker process `processID` of the node `configuration` describes.
    convenience init(connection: RedisConnection, processID: String, configuration: WorkerConfiguration) {
        self.init(
            connection: connection, processID: processID, results: configuration.results, deadLetters: configuration.deadLetters,
            sender: configuration.nodeName,
            // Always: `enable_events` can turn task events on at run time (the caller decides whether to publish).
            events: CeleryEvents(node: configuration.nodeName, database: configuration.redis.database)
        )
    }

    // MARK: - Take

    /// Sends the lists up to the one the last take found messages on first (``lastFound``): the ready lists after
    /// it are named only when those are all empty, in a second call (the acknowledgements stored by the first).
    /// A take of nothing (`limit` 0: the held messages' revocation checked again) names no list.
    func take(acknowledging acks: [PendingAck], limit: Int, from lists: [String]) throws -> TakenBatch {
        if limit <= 0 { return try take(acks, limit: limit, lists: []) }
        if let end = lastFound.withLock({ $0?.index(in: lists) }), end + 1 < lists.count {
            let batch = try take(acks, limit: limit, lists: Array(lists[...end]))
            if !batch.deliveries.isEmpty { return batch }
            return try take([], limit: limit, lists: lists)
        }
        return try take(acks, limit: limit, lists: lists)
    }

    /// One call of ``WorkerScripts/take`` with `lists` (all of the process's, or those up to ``lastFound``).
    private func take(_ acks: [PendingAck], limit: Int, lists: [String]) throws -> TakenBatch {
        let (keys, arguments) = takeInvocation(acks, limit: limit, lists: lists)
        let batch = Self.batch(try connection.evaluate(WorkerScripts.take, keys: keys, arguments: arguments), lists: lists.count)
        if let index = batch.list {
            lastFound.withLock { $0 = FoundList(name: lists[index], index: index) }
        } else if batch.deliveries.isEmpty, limit > 0 {
            lastFound.withLock { $0 = nil }
        }
        return batch
    }

    /// The ready list the last take found messages on, and where it was in the consumption order; `nil` after a take
    /// that found nothing (the next one sends every list, as the first does).
    ///
    /// With many lists (50 queues × 4 buckets) a take named every one of them — as `KEYS`, then as `LMPOP`'s
    /// arguments — while a backlog usually sits where the last batch came from. The lists up to it are every list
    /// ahead of it in the consumption order, so the first non-empty one among them is the first non-empty one of all
    /// the lists: the take is the one sending every list would make, without the names of the lists after it. Only
    /// when they are all empty does a second call send every list (one more round trip when a backlog runs out; under
    /// flow control the prefix's lists are looked at twice then). Empty lists after the busy one cost nothing; those
    /// before it one lookup each, in C (`LMPOP`).
    private let lastFound = Mutex<FoundList?>(nil)

    /// A ready list by name and by its place in the consumption order it was found in.
    struct FoundList: Sendable {
        let name: String
        let index: Int

        /// Where the list is in `lists`: most often where it was (no rotation), else looked up.
        func index(in lists: [String]) -> Int? {
            index < lists.count && lists[index] == name ? index : lists.firstIndex(of: name)
        }
    }

    /// Blocks briefly on `waitingOn` with `BLMOVE`, pipelined with ``WorkerScripts/idleTake`` by cached SHA and the
    /// `HGETALL` of `readingHash`: Redis runs the script as soon as `BLMOVE` returns, so the message it moved comes
    /// back counted and with its revocation checked in the same round trip (or, after the timeout, the script looks at
    /// the other lists), and an idle process reads its node's settings without a round trip of their own.
    func idleTake(
        acknowledging acks: [PendingAck], from lists: [String], waitingOn: String, wait: Duration, readingHash: String?
    ) throws -> TakenBatch {
        var (keys, arguments) = takeInvocation(acks, limit: 1, lists: lists)
        keys.append(QueueArrivals.poppedKey(waitingOn))
        arguments.append(String(acks.count))
        let blockingMove = ["BLMOVE", waitingOn, processing, "RIGHT", "LEFT", Self.secondsWithMilliseconds(wait)]
        let hashRead = readingHash.map { [["HGETALL", $0]] } ?? []
        var replies: [RedisReply]
        if connection.configuration.globalKeyPrefix != nil {
            // Under a global key prefix a script runs wrapped (``GlobalKeyPrefix/script(_:)``) through `evaluate`,
            // never by a raw pipelined EVALSHA: two round trips instead of one.
            replies = try connection.pipeline([blockingMove], blockingFor: wait)
            replies.append(try connection.evaluate(WorkerScripts.idleTake, keys: keys, arguments: arguments))
            replies += try connection.pipeline(hashRead)
        } else {
            replies = try connection.pipeline(
                [blockingMove, try pipelined(WorkerScripts.idleTake, keys: keys, arguments: arguments)] + hashRead,
                blockingFor: wait
            )
        }
        // Redis lost the script (a restart, SCRIPT FLUSH): run it by `evaluate`, which loads it.
        if case .error(let message) = replies[1], message.hasPrefix("NOSCRIPT") {
            hashes.withLock { $0 = [:] }
            replies[1] = try connection.evaluate(WorkerScripts.idleTake, keys: keys, arguments: arguments)
        }
        for case .error(let message) in replies {
            throw RedisError(code: .reply, message: "idle fetch: \(message)", endpoint: connection.configuration.redactedURL)
        }
        let hashFields = readingHash == nil ? nil : (replies.last?.array ?? []).compactMap(\.string)
        guard var parts = replies[1].array, let blockingPop = parts.popLast()?.integer else {
            return TakenBatch(deliveries: [], hashFields: hashFields)
        }
        var batch = Self.batch(.array(parts), lists: lists.count)
        if let moved = replies[0].string { batch.blockingPop = (moved, blockingPop) }
        batch.hashFields = hashFields
        return batch
    }

    /// Keys and arguments of ``WorkerScripts/take``.
    private func takeInvocation(_ acks: [PendingAck], limit: Int, lists: [String]) -> (keys: [String], arguments: [String]) {
        var keys = [processing, WorkerKeys.revoked, WorkerKeys.deliveries] + lists
        var arguments = [String(Date().timeIntervalSince1970), String(limit), String(lists.count)]
        keys.reserveCapacity(keys.count + acks.count)
        arguments.reserveCapacity(arguments.count + 4 * acks.count)
        for ack in acks {
            keys.append(ack.resultKey)
            arguments += [ack.message, ack.deliveryTag, ack.document ?? "", String(ack.timeToLive)]
        }
        return (keys, arguments)
    }

    /// The `EVALSHA` of `script` for a pipeline, loading the script once per connection lifetime.
    private func pipelined(_ script: RedisScript, keys: [String], arguments: [String]) throws -> [String] {
        let known = hashes.withLock { $0[script.name] }
        let sha: String
        if let known {
            sha = known
        } else {
            guard let loaded = try connection.send(["SCRIPT", "LOAD", script.source]).string else {
                throw RedisError(code: .reply, message: "SCRIPT LOAD of \(script.name) returned no hash", endpoint: connection.configuration.redactedURL)
            }
            hashes.withLock { $0[script.name] = loaded }
            sha = loaded
        }
        return ["EVALSHA", sha, String(keys.count)] + keys + arguments
    }

    /// The reply of ``WorkerScripts/take``: `{list index (1-based; 0 = held or none), then per message: message,
    /// revoked (0/1), recoveries}`, then, after messages taken from a ready list, the first one's pop number.
    static func batch(_ reply: RedisReply, lists: Int) -> TakenBatch {
        guard let parts = reply.array, let index = parts.first?.integer else { return TakenBatch(deliveries: []) }
        var deliveries: [Delivery] = []
        deliveries.reserveCapacity((parts.count - 1) / 3)
        var at = 1
        while at + 2 < parts.count {
            if let raw = parts[at].string {
                deliveries.append(Delivery(raw: raw, revoked: parts[at + 1].integer == 1, recoveries: parts[at + 2].integer ?? 0))
            }
            at += 3
        }
        let list = index > 0 && index <= lists ? index - 1 : nil
        return TakenBatch(list: list, deliveries: deliveries, firstPop: list != nil && at < parts.count ? parts[at].integer : nil)
    }

    /// A timeout as Redis reads it, seconds with three decimals: `1.000`, `0.250`.
    static func secondsWithMilliseconds(_ duration: Duration) -> String {
        let milliseconds = Int64((duration.seconds * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    // MARK: - Hand back

    func handBack(acknowledging acks: [PendingAck], waiting: [Delivery]) throws -> Int {
        var keys = [processing, WorkerKeys.deliveries]
        var arguments = [String(acks.count)]
        for ack in acks {
            keys.append(ack.resultKey)
            arguments += [ack.message, ack.deliveryTag, ack.document ?? "", String(ack.timeToLive)]
        }
        for delivery in waiting { arguments += [delivery.raw, delivery.pop?.list ?? ""] }
        return try connection.evaluate(WorkerScripts.handBack, keys: keys, arguments: arguments).integer ?? 0
    }
}

extension WorkerScripts {
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
    static let take = RedisScript(name: "take", source: prelude + takeBody)

    /// ``take`` after an idle `BLMOVE`, first counting the message the `BLMOVE` moved (``QueueArrivals``: the
    /// `celerity:popped:<list>` counter of the list waited on), so an idle poll is one `BLMOVE` and one script call.
    /// KEYS: ``take``'s, then that counter. ARGV: ``take``'s, then how many messages the processing list held
    /// before the `BLMOVE`. Returns ``take``'s reply followed by the moved message's pop number (0: nothing moved).
    static let idleTake = RedisScript(
        name: "idle-take",
        source: prelude + """
            local popped_key = table.remove(KEYS)
            local held_before = tonumber(table.remove(ARGV))
            local blocking_pop = 0
            if redis.call('LLEN', KEYS[1]) > held_before then blocking_pop = redis.call('INCR', popped_key) end
            local reply = (function()
            """ + "\n" + takeBody + "\n" + """
            end)()
            reply[#reply + 1] = blocking_pop
            return reply
            """
    )

    /// The body of ``take`` (after the ``prelude``), shared with ``idleTake``.
    private static let takeBody = """
            local processing, revoked, deliveries = KEYS[1], KEYS[2], KEYS[3]
            local now, max_batch, lists = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            local done = (#ARGV - 3) / 4
            local check_recoveries = redis.call('HLEN', deliveries) > 0
            for c = 0, done - 1 do
              store_result(KEYS[4 + lists + c], ARGV[6 + 4 * c], ARGV[7 + 4 * c])
            end
            for c = 0, done - 1 do
              redis.call('LREM', processing, '-1', ARGV[4 + 4 * c])  -- '-1' as text: Redis formats a Lua number per call
              flow_release(ARGV[4 + 4 * c])  -- flow hook: the message's concurrency slot
              unique_release(ARGV[4 + 4 * c])  -- unique hook: finished, so its lock goes
              if check_recoveries and ARGV[5 + 4 * c] ~= '' then redis.call('HDEL', deliveries, ARGV[5 + 4 * c]) end
            end
            local check_revoked = redis.call('EXISTS', revoked) == 1
            if check_recoveries then check_recoveries = redis.call('HLEN', deliveries) > 0 end
            -- {revoked (0/1), recoveries}: each looked up only when some message has one.
            local function describe(message)
              if not check_revoked and not check_recoveries then return 0, 0 end
              local ok, env = decode_envelope(message)
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
            -- Many lists: when the first is empty, LMPOP (Redis ≥ 7.0) finds the first non-empty one of the rest in C
            -- instead of an LLEN per empty list here. Its message goes straight back to the head, so the plain fetch
            -- below takes it (one script: atomic). Under a global key prefix (whose wrapper refuses LMPOP), on an
            -- older Redis, or while flow control is on (a parked message may wait behind an empty list), every list
            -- is looked at as before.
            local first = 1
            if not flow_on and lists > 1 and lists <= 4000 and redis.call('LLEN', KEYS[4]) == 0 then
              local lmpop = {'LMPOP', lists - 1, unpack(KEYS, 5, 3 + lists)}
              lmpop[#lmpop + 1] = 'RIGHT'
              local ok, found = pcall(redis.call, unpack(lmpop))
              if ok and not found then return reply end
              if ok then
                redis.call('RPUSH', found[1], found[2][1])
                for i = 2, lists do if KEYS[3 + i] == found[1] then first = i; break end end
              end
            end
            for i = first, lists do
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
              if redis.call('LREM', KEYS[1], '-1', ARGV[i]) > 0 then
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
}
