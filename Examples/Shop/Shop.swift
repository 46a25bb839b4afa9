import ArgumentParser
import Broker
import CelerityCLI
import Logging
import Synchronization
import TaskAPI

/// A complete small application on Celerity's task API (docs/tasks.md walks through it): a worker binary
/// with typed tasks, a database-like resource opened once per worker process, a task that fans out a chord,
/// an alias for the Python producer's module path, and a middleware. Run it as
/// `celerity-example worker -Q shop`, and send from Python:
/// `app.send_task("shop.order_total", args=[7])` or `order_total.delay(7, currency="EUR")`.
@main
struct ShopWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration.worker(
        Shop.self, commandName: "celerity-example", abstract: "The example shop application's worker (docs/tasks.md)."
    )
}

// MARK: - Parameters: the wire contract with the Python producer

/// `shop.order_total(order_id, currency="USD")`: prices every line of an order in parallel, then sums them.
struct OrderTotal: TaskParameters {
    static let taskName = "shop.order_total"
    static let parameters = ["order_id", "currency"]
    static let queue = "shop"
    var order_id: Int
    var currency: String?
}

/// `shop.price_line(order_id, line)`: the price of one line, in cents.
struct PriceLine: TaskParameters {
    static let taskName = "shop.price_line"
    static let parameters = ["order_id", "line"]
    static let queue = "shop"
    var order_id: Int
    var line: Int
}

/// `shop.sum_prices(prices, order_id, currency)`: the chord body; Celery puts the header's results first.
struct SumPrices: TaskParameters {
    static let taskName = "shop.sum_prices"
    static let parameters = ["prices", "order_id", "currency"]
    static let queue = "shop"
    var prices: [Int]
    var order_id: Int
    var currency: String
}

/// What `shop.order_total` returns: the chord body's id, whose result is the total.
struct TotalPending: Encodable, Sendable {
    var order_id: Int
    var lines: Int
    var total_task_id: String
}

// MARK: - A resource opened once per process

/// Stands in for a database connection (the real PostgreSQL client is `Postgres.PostgresConnection`): opened in
/// ``Shop/setup(_:)``, captured by the handlers, closed when the process stops.
final class OrderStore: Sendable {
    private let orders: [Int: [Int]]
    private let open = Atomic(true)

    /// Opens the store named by `url` (`memory://shop` holds orders 1–9, order n having n lines).
    init(url: String) throws {
        guard url.hasPrefix("memory://") else {
            throw SettingsError(key: "SHOP_DATABASE_URL", problem: "must be a memory:// URL in this example")
        }
        orders = Dictionary(uniqueKeysWithValues: (1...9).map { order in (order, (1...order).map { $0 * 100 + order }) })
    }

    /// The prices of an order's lines, in cents.
    func lines(of order: Int) throws -> [Int] {
        guard open.load(ordering: .relaxed) else { throw TaskError(type: "ConnectionError", message: "store closed") }
        guard let lines = orders[order] else { throw TaskError.valueError("no order \(order)") }
        return lines
    }

    func close() { open.store(false, ordering: .relaxed) }
}

// MARK: - The application

enum Shop: TaskApplication {
    static func setup(_ context: SetupContext) async throws -> TaskRegistry {
        let store = try OrderStore(url: context.settings.string("SHOP_DATABASE_URL", default: "memory://shop"))
        context.onShutdown { store.close() }

        var registry = try TaskRegistry([
            TaskDefinition(OrderTotal.self) { order, task in
                let lines = try store.lines(of: order.order_id)
                let chord = try await task.sender.chord(
                    try lines.indices.map { try Signature(PriceLine(order_id: order.order_id, line: $0)) },
                    // `prices` is the header's results: the chord join fills it in.
                    body: SumPrices(prices: [], order_id: order.order_id, currency: order.currency ?? "USD")
                )
                return TotalPending(order_id: order.order_id, lines: lines.count, total_task_id: chord.bodyID)
            },
            TaskDefinition(PriceLine.self, retry: .exponential(maxRetries: 3, base: .milliseconds(200))) { line, _ in
                let lines = try store.lines(of: line.order_id)
                guard lines.indices.contains(line.line) else { throw TaskError.valueError("order \(line.order_id) has no line \(line.line)") }
                return lines[line.line]
            },
            TaskDefinition(SumPrices.self) { sum, _ in
                ["order_id": .int(sum.order_id), "total": .int(sum.prices.reduce(0, +)), "currency": .string(sum.currency)] as JSONValue
            },
        ])
        // The Python producer registers its task under its module path.
        try registry.alias("shop.tasks.order_total", for: OrderTotal.taskName)
        registry.use(RunLogger(logger: context.logger))
        return registry
    }
}

/// A middleware: one log line per finished task with its outcome (the place for metrics and notifications).
struct RunLogger: TaskMiddleware {
    let logger: Logger

    func taskDidFinish(_ context: TaskContext, outcome: TaskOutcome) {
        logger.info("task finished", metadata: ["task.id": "\(context.taskID)", "task.name": "\(context.name)", "task.outcome": "\(outcome)"])
    }
}
