import Broker

/// An alert's state in Redis, moved by one atomic script so that any number of alerters evaluating the
/// same rule post each transition once: the alerter whose script call makes the transition posts it.
///
/// Key `celerity:alerts:<rule>:<queue>`, a hash: `pending_since` (Unix seconds), `firing` (`1`),
/// `notified_at` (Unix seconds). Deleted when the condition no longer holds.
enum AlertState {
    /// What an evaluation decided.
    enum Transition: String {
        /// The condition held for the rule's duration: post the firing message.
        case fire
        /// Still firing after the repeat interval: post it again.
        case repeatFiring = "repeat"
        /// It was firing and the condition no longer holds: post the resolved message.
        case resolve
        /// Nothing to post.
        case none
    }

    static func key(rule: String, subject: String) -> String { "celerity:alerts:\(rule):\(subject)" }

    /// KEYS[1] the state hash. ARGV[1] `1` when the condition holds, ARGV[2] now, ARGV[3] the rule's
    /// duration (s), ARGV[4] the repeat interval (s). Returns fire, repeat, resolve or none.
    static let script = RedisScript(
        name: "celerity.alerts.transition",
        source: """
            local now = tonumber(ARGV[2])
            local firing = redis.call('HGET', KEYS[1], 'firing') == '1'
            if ARGV[1] ~= '1' then
                redis.call('DEL', KEYS[1])
                if firing then return 'resolve' end
                return 'none'
            end
            local pending = tonumber(redis.call('HGET', KEYS[1], 'pending_since'))
            if not pending then
                redis.call('HSET', KEYS[1], 'pending_since', ARGV[2])
                pending = now
            end
            if not firing then
                if now - pending >= tonumber(ARGV[3]) then
                    redis.call('HSET', KEYS[1], 'firing', '1', 'notified_at', ARGV[2])
                    return 'fire'
                end
                return 'none'
            end
            local notified = tonumber(redis.call('HGET', KEYS[1], 'notified_at')) or 0
            if now - notified >= tonumber(ARGV[4]) then
                redis.call('HSET', KEYS[1], 'notified_at', ARGV[2])
                return 'repeat'
            end
            return 'none'
            """
    )
}
