import ArgumentParser
import Broker
import CelerityCLI
import TaskAPI

/// An application in its own package (docs/tasks.md, "In your own package"): two typed tasks, the second a chord
/// body, and a worker binary. Run it as `external-shop-worker worker -Q external_shop`; a Python producer sends
/// `line_total.delay(250, 3)`, `line_total.delay(unit_cents=250, quantity=3, discount_percent=10)`, or
/// `chord([line_total.s(100, 2), line_total.s(50, 1)], invoice_total.s(invoice_id=7))()`. Its own metrics
/// (``ShopMetrics``) appear on the node's `/metrics`.
@main
struct ExternalShopWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration.worker(
        ExternalShop.self, commandName: "external-shop-worker",
        abstract: "The worker of an application that depends on Celerity as a package.", version: "1.0.0"
    )
}

/// `external_shop.line_total(unit_cents, quantity, discount_percent=0)`: one invoice line, in cents.
struct LineTotal: TaskParameters {
    static let taskName = "external_shop.line_total"
    static let parameters = ["unit_cents", "quantity", "discount_percent"]
    static let queue = "external_shop"
    var unit_cents: Int
    var quantity: Int
    var discount_percent: Int?
}

/// `external_shop.invoice_total(line_totals, invoice_id)`: a chord body; Celery puts the header's results first.
struct InvoiceTotal: TaskParameters {
    static let taskName = "external_shop.invoice_total"
    static let parameters = ["line_totals", "invoice_id"]
    static let queue = "external_shop"
    var line_totals: [Int]
    var invoice_id: Int
}

/// What `external_shop.invoice_total` returns.
struct Invoice: Encodable, Sendable {
    var invoice_id: Int
    var lines: Int
    var total_cents: Int
}

/// The shop's own metrics (docs/tasks.md, "Application metrics"): every Celerity node's `/metrics` exports them.
enum ShopMetrics {
    static let invoices = ApplicationMetric.counter("external_shop_invoices_total", help: "Invoices totalled.")
    static let invoiceCents = ApplicationMetric.histogram(
        "external_shop_invoice_cents", help: "Invoice totals, in cents.", buckets: [100, 1_000, 10_000]
    )
}

enum ExternalShop: TaskApplication {
    static func setup(_ context: SetupContext) async throws -> TaskRegistry {
        // One connection to the broker's Redis for the process's metrics, closed when the process stops.
        let redis = RedisConnection(configuration: context.broker)
        context.onShutdown { redis.close() }
        return try TaskRegistry([
            TaskDefinition(LineTotal.self) { line, _ in try lineTotal(line) },
            TaskDefinition(InvoiceTotal.self) { invoice, _ in
                let total = try invoiceTotal(invoice)
                try ShopMetrics.invoices.increment(on: redis)
                try ShopMetrics.invoiceCents.observe(Double(total.total_cents), on: redis)
                return total
            },
        ])
    }
}

/// The line's price less its discount, rounded down to the cent.
/// - Throws: a `ValueError` ``TaskError`` for a negative amount, a discount outside 0–100 or an amount too large.
func lineTotal(_ line: LineTotal) throws -> Int {
    let discount = line.discount_percent ?? 0
    guard line.unit_cents >= 0, line.quantity >= 0, (0...100).contains(discount) else {
        throw TaskError.valueError("line_total needs a price and quantity of 0 or more and a discount of 0-100")
    }
    let gross = try checked(line.unit_cents.multipliedReportingOverflow(by: line.quantity))
    return gross - (try checked(gross.multipliedReportingOverflow(by: discount))) / 100
}

/// The sum of an invoice's line totals.
/// - Throws: a `ValueError` ``TaskError`` when the sum is too large.
func invoiceTotal(_ invoice: InvoiceTotal) throws -> Invoice {
    var total = 0
    for line in invoice.line_totals { total = try checked(total.addingReportingOverflow(line)) }
    return Invoice(invoice_id: invoice.invoice_id, lines: invoice.line_totals.count, total_cents: total)
}

/// The result of checked arithmetic, or a `ValueError` when it overflowed: a large amount never traps.
func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Int {
    guard !result.overflow else { throw TaskError.valueError("the amount is too large") }
    return result.partialValue
}
