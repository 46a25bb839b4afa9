import Broker
import Logging
import Postgres
import TaskAPI

/// Grants the unlocks of a paid purchase (docs/jobs.md, "Purchase unlocks"): one transaction over
/// `purchases`, `item_unlock_rules` and `user_unlocks`, then the user's cached state in Redis is dropped.
///
/// Idempotent: `user_unlocks` is unique per user and unlock, so a second run (a redelivery, a duplicate
/// `.delay`) grants nothing new and returns the same keys.
public struct PurchaseUnlocks: Sendable {
    let database: PostgresConnection
    let cache: RedisConnection
    let logger: Logger

    /// Unlocks granted on `database`; the user's cache keys live on `cache` (the broker's Redis).
    public init(database: PostgresConnection, cache: RedisConnection, logger: Logger) {
        self.database = database
        self.cache = cache
        self.logger = logger
    }

    /// Grants every unlock the item's rules give to `userID`, all or none, then invalidates `user:{userID}:*`.
    ///
    /// - Returns: The unlock keys the user now holds because of this purchase, sorted.
    /// - Throws: `TaskError` `ValueError` when there is no paid purchase of the item by the user (not worth a
    ///   retry); ``PostgresError`` or ``RedisError`` otherwise (transient ones are worth a retry).
    public func apply(userID: Int, itemID: Int, taskID: String, deadline: ContinuousClock.Instant?) throws -> [String] {
        let (purchaseID, keys, granted) = try database.withTransaction(deadline: deadline) { tx in
            let purchase = try tx.query(
                """
                SELECT id FROM purchases WHERE user_id = $1 AND item_id = $2 AND status = 'paid'
                ORDER BY paid_at, id LIMIT 1 FOR SHARE
                """,
                [.int(userID), .int(itemID)]
            )
            guard let row = purchase.first else { throw try noPaidPurchase(tx, userID: userID, itemID: itemID) }
            let purchaseID: Int = try row.decode("id")
            let rules = try tx.query(
                "SELECT unlock_key FROM item_unlock_rules WHERE item_id = $1 ORDER BY unlock_key", [.int(itemID)]
            )
            let keys: [String] = try rules.map { row throws(PostgresError) in try row.decode("unlock_key") }
            var granted = 0
            for key in keys {
                granted += try tx.query(
                    """
                    INSERT INTO user_unlocks (user_id, unlock_key, purchase_id, task_id) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (user_id, unlock_key) DO NOTHING
                    """,
                    [.int(userID), .text(key), .int(purchaseID), .text(taskID)]
                ).affectedRows
            }
            return (purchaseID, keys, granted)
        }
        let dropped = try invalidateCache(userID: userID)
        logger.info(
            "purchase unlocks applied",
            metadata: [
                "purchase.id": "\(purchaseID)", "user.id": "\(userID)", "item.id": "\(itemID)",
                "unlocks.granted": "\(granted)", "unlocks.held": "\(keys.count)", "cache.keys_dropped": "\(dropped)",
            ]
        )
        return keys
    }

    /// Drops `user:{userID}:*` with SCAN + UNLINK (never KEYS, which would block the broker) and returns how many.
    func invalidateCache(userID: Int) throws(RedisError) -> Int {
        var cursor = "0"
        var dropped = 0
        repeat {
            let reply = try cache.send(["SCAN", cursor, "MATCH", "user:\(userID):*", "COUNT", "500"])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw RedisError(code: .protocolViolation, message: "SCAN returned \(reply)", endpoint: "the broker")
            }
            let keys = (parts[1].array ?? []).compactMap(\.string)
            if !keys.isEmpty { dropped += try cache.send(["UNLINK"] + keys).integer ?? 0 }
            cursor = next
        } while cursor != "0"
        return dropped
    }

    /// The FAILURE for a purchase that is unknown or not paid, saying which.
    private func noPaidPurchase(_ tx: PostgresTransaction, userID: Int, itemID: Int) throws -> TaskError {
        let statuses = try tx.query(
            "SELECT DISTINCT status FROM purchases WHERE user_id = $1 AND item_id = $2 ORDER BY status",
            [.int(userID), .int(itemID)]
        ).map { row throws(PostgresError) -> String in try row.decode("status") }
        let found = statuses.isEmpty ? "there is none" : "found only: \(statuses.joined(separator: ", "))"
        return TaskError.valueError(
            "no paid purchase of item \(itemID) by user \(userID) (\(found)); the app must store the purchase as "
                + "paid before calling apply_purchase_unlocks_async.delay"
        )
    }
}
