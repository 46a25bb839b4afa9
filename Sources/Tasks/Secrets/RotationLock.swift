import Broker

/// The lock that keeps two rotations (or a rotation and a retirement) from running at once: a Redis key holding its
/// holder's id (the rotation's), removed only by that holder (compare-and-delete), and expiring on its own.
///
/// A redelivery of the same rotation, after its worker was killed, takes the lock back at once instead of being
/// refused until the lock expires.
struct RotationLock: Sendable {
    /// `celerity:lock:secrets.jwt`.
    static let key = "celerity:lock:secrets.jwt"
    /// Longer than the tasks' hard time limit, so a running holder never loses it.
    static let lifetime: Duration = .seconds(900)

    /// KEYS[1] = the lock key, ARGV[1] = the holder, ARGV[2] = the lifetime in ms: takes the lock when it is free or
    /// already this holder's. Returns 1 when taken.
    private static let take = RedisScript(
        name: "secrets-lock-take",
        source: """
            local holder = redis.call('GET', KEYS[1])
            if holder and holder ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
            """
    )

    /// KEYS[1] = the lock key, ARGV[1] = the holder: deletes the key only when this holder still has it.
    private static let release = RedisScript(
        name: "secrets-lock-release",
        source: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"
    )

    let redis: RedisConnection

    /// Takes the lock for `holder` (a rotation's id); `false` when another holder has it.
    func acquire(for holder: String) throws -> Bool {
        try redis.evaluate(Self.take, keys: [Self.key], arguments: [holder, String(Self.lifetime.wholeMilliseconds)])
            .integer == 1
    }

    /// Gives the lock back if `holder` still has it.
    func release(for holder: String) {
        _ = try? redis.evaluate(Self.release, keys: [Self.key], arguments: [holder])
    }
}
