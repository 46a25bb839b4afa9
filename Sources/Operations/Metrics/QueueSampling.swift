import Broker

/// How old the oldest ready message of a list is, although a Celery message carries no enqueue time.
///
/// Each read records the list's newest message (its head, `LINDEX 0`) with the time it was first seen there,
/// in a small sample list beside the queue. A sample keeps no message content: only that time, the head's
/// arrival number A (``QueueArrivals``: pops counted + `LLEN`) and a SHA-1 digest of the head. A message
/// pushed after the sampled one moves it one place from the head, so while every consumer counts its pops the
/// sampled message, if still queued, sits at index `A(now) − A(sample)`: a sample is kept while a message within
/// ``searchWindow`` of that index has its digest, and dropped otherwise (consumed, or the numbering moved too far:
/// many pops by a consumer that does not count, such as a Celery worker, or ETA messages put at the front). The
/// oldest message (the tail, the next to be taken) was pushed before every sample that is still queued, so its age
/// is at least `now − t`, where `t` is the time of the oldest sample still in the queue. A dropped sample only makes the bound coarser, never wrong. The
/// error: the age is a lower bound, short by at most one read interval (15 s with Prometheus's default scrape)
/// plus, for a backlog that built up before the first read, the time before that read. At most ``maxSamples``
/// are kept per list (the second-oldest is dropped when full). A head over ``maxSampledBytes`` is not sampled.
package enum QueueSampling {
    package static let maxSamples = 120
    /// The largest head that is digested and sampled; a bigger one is skipped (the age stays a lower bound).
    package static let maxSampledBytes = 8192
    /// How far from its predicted index a sampled message is looked for: the numbering drifts by one for each
    /// pop nobody counted (a Celery worker, the moment between an idle fetch's `BLMOVE` and its count) and each
    /// message put at the front (a due ETA message).
    package static let searchWindow = QueueArrivals.dipTolerance

    /// The sample list of a queue list.
    package static func samplesKey(_ listKey: String) -> String { "celerity:queue-samples:" + listKey }

    /// KEYS[1] the queue list, KEYS[2] its sample list (newest first, elements "<seen at> <arrival number>
    /// <sha1 of the message>"), KEYS[3] its pop counter and KEYS[4] its arrival records (``QueueArrivals``,
    /// recorded too); ARGV[1] now (Unix seconds). Returns {length, seen-at of the oldest queued sample or 0,
    /// messages popped}. Samples written by an older version (holding the message itself) fail the digest check
    /// and are dropped on the first read.
    package static let script = RedisScript(
        name: "celerity.metrics.sample",
        source: QueueArrivals.recordFunction + """
            local arrived = record_arrivals(KEYS[1], KEYS[3], KEYS[4], ARGV[1])
            local length = redis.call('LLEN', KEYS[1])
            if length == 0 then
                redis.call('DEL', KEYS[2])
                return {0, '0', arrived}
            end
            local function digest(message)
              if #message > \(maxSampledBytes) then return nil end
              return redis.sha1hex(message)
            end
            local function parse(sample)
              return string.match(sample, '^(%S+) (%d+) (%x+)$')
            end
            local head_digest = digest(redis.call('LINDEX', KEYS[1], 0))
            local newest = redis.call('LINDEX', KEYS[2], 0)
            local _, _, newest_digest = parse(newest or '')
            if head_digest and head_digest ~= newest_digest then
                redis.call('LPUSH', KEYS[2], ARGV[1] .. ' ' .. arrived .. ' ' .. head_digest)
            end
            local seen = '0'
            while true do
                local sample = redis.call('LINDEX', KEYS[2], -1)
                if not sample then break end
                local at, number, sampled = parse(sample)
                local found = false
                if number then
                    local predicted = arrived - tonumber(number)
                    for index = math.max(0, predicted - \(searchWindow)), math.min(length - 1, predicted + \(searchWindow)) do
                        local message = redis.call('LINDEX', KEYS[1], index)
                        if message and digest(message) == sampled then
                            found = true
                            break
                        end
                    end
                end
                if found then
                    seen = at
                    break
                end
                redis.call('RPOP', KEYS[2])
            end
            if redis.call('LLEN', KEYS[2]) > \(maxSamples) then
                redis.call('LREM', KEYS[2], -1, redis.call('LINDEX', KEYS[2], -2))
            end
            return {length, seen, arrived - length}
            """
    )
}
