import Broker
import Foundation

/// The Redis keys of the scheduler, all under `celerity:schedule:`.
public enum ScheduleKeys {
    /// The prefix of every scheduler key.
    public static let prefix = "celerity:schedule:"
    /// The set of entry names that have state.
    public static let entries = prefix + "entries"

    /// The hash holding one entry's state: `last_slot` (Unix seconds), `last_slot_at`, `last_task_id`,
    /// `enqueued_at`, `next_slot` (Unix seconds) and `task`.
    public static func entry(_ name: String) -> String { prefix + "entry:" + name }
}

/// Claims a slot and pushes its message in one Lua script, so that across any number of schedulers
/// each (entry, slot time) is enqueued exactly once, and a scheduler that dies at any point can neither
/// lose a slot (nothing was written) nor double it (both writes happened).
///
/// The claim is a compare-and-set on the entry's `last_slot`: a slot is claimed only when it is later
/// than the last one claimed, which also keeps a scheduler with a stale view from re-sending old slots.
enum SlotClaim {
    static let script = RedisScript(
        name: "celerity.schedule.claim",
        source: """
            -- KEYS[1] the entry's state hash, KEYS[2] the queue's priority-bucket list, KEYS[3] the entry-name set
            -- ARGV[1] slot (Unix seconds)  ARGV[2] Celery message envelope  ARGV[3] task id  ARGV[4] next slot or ''
            -- ARGV[5] entry name  ARGV[6] enqueued-at (ISO)  ARGV[7] slot (ISO)  ARGV[8] task name
            -- KEYS[4] the sent-counter hash (SentCounter), ARGV[9] its field
            local last = tonumber(redis.call('HGET', KEYS[1], 'last_slot'))
            local slot = tonumber(ARGV[1])
            if last ~= nil and last >= slot then
                return {0, last}
            end
            redis.call('LPUSH', KEYS[2], ARGV[2])
            redis.call('HINCRBY', KEYS[4], ARGV[9], 1)
            redis.call('HSET', KEYS[1], 'last_slot', ARGV[1], 'last_slot_at', ARGV[7], 'last_task_id', ARGV[3],
                'enqueued_at', ARGV[6], 'next_slot', ARGV[4], 'task', ARGV[8])
            redis.call('SADD', KEYS[3], ARGV[5])
            return {1, slot}
            """
    )

    /// The outcome of one claim.
    enum Outcome: Sendable, Hashable {
        /// This scheduler claimed the slot and pushed `message`.
        case claimed(taskID: String)
        /// Another scheduler (or an earlier attempt) already claimed this slot or a later one.
        case alreadyClaimed(lastSlot: Int64)
    }

    /// Claims `slot` of `entry` and pushes its message, atomically.
    /// - Throws: ``RedisError``; after a transport error the claim may or may not have happened, and
    ///   retrying is safe.
    static func claim(
        entry: ScheduleEntry, slot: Date, now: Date, on redis: RedisClient
    ) async throws -> Outcome {
        let message = entry.message(forSlot: slot)
        let next = entry.slots.nextSlot(after: slot).map { String(Slot.seconds($0)) } ?? ""
        let reply = try await redis.evaluate(
            script,
            keys: [ScheduleKeys.entry(entry.name), message.listKey, ScheduleKeys.entries, SentCounter.key],
            arguments: [
                String(Slot.seconds(slot)), message.encoded(), message.id, next, entry.name, CeleryTime.format(now),
                CeleryTime.format(slot), entry.task,
                SentCounter.field(queue: message.queue, name: message.task, sender: SentCounter.clientSender),
            ]
        )
        guard let parts = reply.array, parts.count == 2, let flag = parts[0].integer, let last = parts[1].integer else {
            throw RedisError(
                code: .protocolViolation, message: "claim script returned \(reply)",
                endpoint: redis.connection.configuration.redactedURL
            )
        }
        return flag == 1 ? .claimed(taskID: message.id) : .alreadyClaimed(lastSlot: Int64(last))
    }
}
