import Broker
import Postgres
import TaskAPI

/// `purchases.apply_purchase_unlocks_async(user_id, item_id)` on the dedicated `purchases` queue
/// (docs/jobs.md): run workers for it with `-Q purchases`, so invoice batches and backups never starve it.
public enum PurchaseTasks {
    /// `purchases.apply_purchase_unlocks_async(user_id, item_id)`: what the app's `.delay(user_id, item_id)` sends.
    /// Unique while queued or running (docs/flow-control.md): a second send for the same user and item while one
    /// waits or runs returns the first's id.
    public struct ApplyPurchaseUnlocks: UniqueTaskParameters {
        public static let taskName = "purchases.apply_purchase_unlocks_async"
        public static let uniqueness = Uniqueness.whileQueuedOrRunning
        public static let parameters = ["user_id", "item_id"]
        public static let queue = "purchases"
        public var user_id: Int
        public var item_id: Int

        public init(user_id: Int, item_id: Int) {
            self.user_id = user_id
            self.item_id = item_id
        }
    }

    /// The name a Python producer without `name=` on its `@app.task` sends.
    public static let pythonModuleAlias = "myapp.tasks.apply_purchase_unlocks_async"

    /// Transient database and Redis errors retry with backoff (1 s doubling, capped at 60 s, 5 times);
    /// an unknown or unpaid purchase fails at once.
    static let retry = RetryPolicy.exponential(maxRetries: 5, base: .seconds(1), cap: .seconds(60)) { error in
        if let error = error as? PostgresError { return error.isTransient }
        if let error = error as? RedisError { return error.isTransport }
        return false
    }

    /// Registers the task and its Python alias on `resources` (the worker's database and broker connection).
    public static func register(into registry: inout TaskRegistry, _ resources: TaskResources) throws {
        try registry.register(definitions(resources))
        try registry.alias(pythonModuleAlias, for: ApplyPurchaseUnlocks.taskName)
    }

    /// The task, on `resources`.
    public static func definitions(_ resources: TaskResources) -> [TaskDefinition] {
        [
            TaskDefinition(
                ApplyPurchaseUnlocks.self, retry: retry, timeLimit: TimeLimit(hard: .seconds(120), soft: .seconds(90))
            ) {
                unlock, context in
                let unlocks = PurchaseUnlocks(
                    database: try resources.requireDatabase(), cache: resources.broker, logger: context.logger
                )
                return try unlocks.apply(
                    userID: unlock.user_id, itemID: unlock.item_id, taskID: context.taskID, deadline: context.deadline
                )
            }
        ]
    }
}
