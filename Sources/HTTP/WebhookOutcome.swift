/// The final outcome of one webhook delivery, as tasks record it (`webhook_deliveries`).
public struct WebhookOutcome: Sendable, Hashable {
    /// Whether the receiver accepted the delivery.
    public enum Status: String, Sendable, Hashable {
        /// A 2xx answer arrived.
        case delivered
        /// Every attempt failed, or a permanent error stopped the retries.
        case failed
    }

    /// Delivered or failed.
    public var status: Status
    /// The event name sent in `X-Celerity-Event`.
    public var event: String
    /// The delivery id sent in `X-Celerity-Delivery`.
    public var deliveryID: String
    /// The receiver's host (never the path or query, which may hold secrets).
    public var host: String
    /// How many attempts were made (at least 1 unless the deadline had already passed).
    public var attempts: Int
    /// The status code of the last answer, if any answer came.
    public var lastStatusCode: Int?
    /// The last error's description (redacted), or `nil` when delivered: for logs, never for the caller who chose
    /// the URL (it tells open ports from closed ones); store ``summary`` instead.
    public var error: String?
    /// Whether the destination policy refused the URL (an internal address, plain http).
    public var refusedByPolicy = false

    /// What may be stored and shown to whoever chose the URL: `nil` when delivered, else "refused by policy" or
    /// "failed after N attempts" (no status, no connection detail: no port-scan oracle).
    public var summary: String? {
        guard status != .delivered else { return nil }
        return refusedByPolicy ? "refused by policy" : "failed after \(attempts) attempt(s)"
    }
}
