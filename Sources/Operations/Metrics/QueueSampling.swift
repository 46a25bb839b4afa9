import Broker

/// How old the oldest ready message of a list is, although a Celery message carries no enqueue time.
///
/// Each read records the list's newest message (its head, `LINDEX 0`) with the time it was first seen
/// there, in a small sample list beside the queue. The oldest message (the tail, the next to be taken) was
/// pushed before every sample that is still queued, so its age is at least `now − t`, where `t` is the
/// time of the oldest sample still in the queue (`LPOS … RANK -1`, searched from the tail). Samples whose
/// message was consumed are dropped. The error: the age is a lower bound, short by at most one read
/// interval (15 s with Prometheus's default scrape) plus, for a backlog that built up before the first
/// read, the time before that read. At most ``maxSamples`` are kept per list (the second-oldest is
/// dropped when full, so the bound stays valid but coarser). A message over ``maxSampledBytes`` is never sampled.
package enum QueueSampling {
    package static let maxSamples = 120
    /// The largest message copied into a sample; a bigger head is skipped (so at most 120 × 8 KiB per list).
    package static let maxSampledBytes = 8192

    /// The sample list of a queue list.
    package static func samplesKey(_ listKey: String) -> String { "celerity:queue-samples:" + listKey }

    /// KEYS[1] the queue list, KEYS[2] its sample list (newest first, elements "<seen at> <message>"), KEYS[3]
    /// its pop counter and KEYS[4] its arrival records (``QueueArrivals``, recorded too);
    /// ARGV[1] now (Unix seconds). Returns {length, seen-at of the oldest queued sample or 0, messages popped}.
    package static let script = RedisScript(
        name: "celerity.metrics.sample",
        source: QueueArrivals.recordFunction + """
            local arrived = record_arrivals(KEYS[1], KEYS[3], KEYS[4], ARGV[1])
            local length = redis.call('LLEN', KEYS[1])
            if length == 0 then
                redis.call('DEL', KEYS[2])
                return {0, '0', arrived}
            end
            local head = redis.call('LINDEX', KEYS[1], 0)
            local newest = redis.call('LINDEX', KEYS[2], 0)
            -- A head over \(maxSampledBytes) bytes is not sampled: the samples never copy a big message (the age
            -- stays a lower bound, from the samples before it).
            if #head <= \(maxSampledBytes) and (not newest or string.sub(newest, string.find(newest, ' ', 1, true) + 1) ~= head) then
                redis.call('LPUSH', KEYS[2], ARGV[1] .. ' ' .. head)
            end
            local seen = '0'
            while true do
                local sample = redis.call('LINDEX', KEYS[2], -1)
                if not sample then break end
                local space = string.find(sample, ' ', 1, true)
                if redis.call('LPOS', KEYS[1], string.sub(sample, space + 1), 'RANK', -1) then
                    seen = string.sub(sample, 1, space - 1)
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
