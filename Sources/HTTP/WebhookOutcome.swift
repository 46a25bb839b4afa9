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
    /// The last error's description (redacted), or `nil` when delivered.
    public var error: String?
}
