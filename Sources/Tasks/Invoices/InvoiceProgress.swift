import Broker
import Logging

/// Publishes a batch's progress events as JSON on its Redis channel, `celerity:invoice-batch:<batch id>` (what
/// the app's SSE endpoint relays). The counters in PostgreSQL are the truth; an event that cannot be published is
/// logged and dropped.
struct InvoiceProgress: Sendable {
    let redis: RedisConnection
    let logger: Logger

    /// The channel of batch `batchID`.
    static func channel(_ batchID: String) -> String { "celerity:invoice-batch:\(batchID)" }

    /// Publishes `event` (which carries `batch_id`) on the batch's channel.
    func publish(_ batchID: String, _ event: JSONObject) {
        do {
            try redis.send(["PUBLISH", Self.channel(batchID), JSONValue.object(event).serialized])
        } catch {
            logger.warning("progress event not published", metadata: ["batch.id": "\(batchID)", "error": "\(error)"])
        }
    }
}
