import Broker

/// The lock that keeps two rotations (or a rotation and a retirement) from running at once: a Redis key set with
/// `SET NX PX` holding a random token, removed only by its holder (compare-and-delete), and expiring on its own
/// when the holder dies.
struct RotationLock: Sendable {
    /// `celerity:lock:secrets.jwt`.
    static let key = "celerity:lock:secrets.jwt"
    /// Longer than the tasks' hard time limit, so a running holder never loses it.
    static let lifetime: Duration = .seconds(900)

    /// KEYS[1] = the lock key, ARGV[1] = the holder's token: deletes the key only when it still holds the token.
    private static let release = RedisScript(
        name: "secrets-lock-release",
        source: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"
    )

    let redis: RedisConnection
    let token = RandomID.uuidString()

    /// Takes the lock; `false` when someone else holds it.
    func acquire() throws -> Bool {
        try redis.send(["SET", Self.key, token, "NX", "PX", String(Self.lifetime.wholeMilliseconds)]).string == "OK"
    }

    /// Gives the lock back if this holder still has it.
    func releaseLock() {
        _ = try? redis.evaluate(Self.release, keys: [Self.key], arguments: [token])
    }
}
