/// Why a batch request was rejected; the batch is stored as `rejected` with it and the task fails with `ValueError`.
struct InvoiceBatchRejection: Error, Sendable, CustomStringConvertible {
    let reason: String

    init(_ reason: String) { self.reason = reason }

    var description: String { reason }
}
