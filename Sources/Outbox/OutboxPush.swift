import Broker

/// The relay's one Redis step: for each message, set its once-only marker and, only if the marker was not
/// there, push the message and count it, all in one Lua script, so a message is in its queue exactly when its
/// marker is. A relay that dies after this step and before it marks the rows sent pushes nothing again: the
/// next relay finds the markers and only marks the rows.
struct OutboxPush {
    /// One message to push, under its task id's marker.
    struct Item {
        var taskID: String
        var message: TaskMessage
    }

    /// The key of a task id's marker. The id is checked by the table (`^[A-Za-z0-9._:@-]{1,200}$`), and it only
    /// ever ends a key under this fixed prefix.
    static func markerKey(_ taskID: String) -> String { "celerity:outbox:sent:" + taskID }

    /// KEYS[1] the report hash, KEYS[2] the sent-counter hash, then per message its marker and its list;
    /// ARGV[1] the marker's time to live in seconds, then per message its envelope and its sent-counter field.
    /// Returns, per message, 1 when it was pushed now and 0 when its marker was already set.
    static let script = RedisScript(
        name: "celerity.outbox.push",
        source: """
            local pushed = {}
            local count = 0
            for i = 1, (#KEYS - 2) / 2 do
                if redis.call('SET', KEYS[1 + 2 * i], '1', 'NX', 'EX', ARGV[1]) then
                    redis.call('LPUSH', KEYS[2 + 2 * i], ARGV[2 * i])
                    redis.call('HINCRBY', KEYS[2], ARGV[2 * i + 1], 1)
                    count = count + 1
                    pushed[i] = 1
                else
                    pushed[i] = 0
                end
            end
            if count > 0 then redis.call('HINCRBY', KEYS[1], 'relayed', count) end
            return pushed
            """
    )

    let connection: RedisConnection
    let markerTTL: Duration
    let sender: String

    /// Pushes `items` in one script run and returns how many were pushed now (the rest were queued before).
    /// - Throws: ``RedisError``; then nothing or everything of this call is in Redis (a script runs whole).
    func callAsFunction(_ items: [Item]) throws(RedisError) -> Int {
        guard !items.isEmpty else { return 0 }
        var keys = [OutboxReport.key, SentCounter.key]
        var arguments = [String(max(1, markerTTL.components.seconds))]
        keys.reserveCapacity(2 + 2 * items.count)
        arguments.reserveCapacity(1 + 2 * items.count)
        for item in items {
            keys += [Self.markerKey(item.taskID), item.message.listKey]
            arguments += [
                item.message.encoded(),
                SentCounter.field(queue: item.message.queue, name: item.message.task, sender: sender),
            ]
        }
        let reply = try connection.evaluate(Self.script, keys: keys, arguments: arguments)
        return (reply.array ?? []).reduce(0) { $0 + ($1.integer ?? 0) }
    }
}
